#include "sim/event_loop.h"

#include <algorithm>
#include <cstring>

namespace sim {

namespace {

inline uint64_t load64(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

inline uint64_t mix_word(uint64_t h, uint64_t w) {
  h = (h ^ (w * 0xff51afd7ed558ccdULL)) * 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 29);
}

}  // namespace

void EventHash::fold_bytes(std::string_view bytes) {
  // Four independent lanes of a multiply-rotate mix over 32-byte blocks (so a long message, a
  // Get's whole value, hashes at several bytes per cycle instead of one 8-byte step at a time),
  // then the lanes, the remaining words and bytes into one, then one fold. The length is mixed in
  // first: the same bytes split differently between messages hash differently.
  const char* p = bytes.data();
  const size_t n = bytes.size();
  uint64_t h0 = 0x9e3779b97f4a7c15ULL ^ n;
  size_t i = 0;
  if (n >= 32) {
    uint64_t h1 = 0x243f6a8885a308d3ULL, h2 = 0x13198a2e03707344ULL, h3 = 0xa4093822299f31d0ULL;
    for (; i + 32 <= n; i += 32) {
      h0 = mix_word(h0, load64(p + i));
      h1 = mix_word(h1, load64(p + i + 8));
      h2 = mix_word(h2, load64(p + i + 16));
      h3 = mix_word(h3, load64(p + i + 24));
    }
    h0 = mix_word(mix_word(mix_word(h0, h1), h2), h3);
  }
  for (; i + 8 <= n; i += 8) h0 = mix_word(h0, load64(p + i));
  for (; i < n; ++i) h0 = (h0 ^ static_cast<unsigned char>(p[i])) * 1099511628211ULL;
  fold(h0);
}

uint64_t EventLoop::at(Nanos at, EventKind kind, Callback fn) {
  const uint64_t seq = next_seq_++;
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    slots_[slot] = std::move(fn);
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.push_back(std::move(fn));
  }
  push_event(Event{at < now_ ? now_ : at, seq, slot, kind});
  return seq;
}

void EventLoop::push_event(const Event& e) {
  size_t i = queue_.size();
  queue_.push_back(e);
  while (i > 0) {
    const size_t parent = (i - 1) / 4;
    if (!earlier(e, queue_[parent])) break;
    queue_[i] = queue_[parent];
    i = parent;
  }
  queue_[i] = e;
}

EventLoop::Event EventLoop::pop_event() {
  const Event top = queue_.front();
  const Event last = queue_.back();
  queue_.pop_back();
  const size_t n = queue_.size();
  if (n == 0) return top;
  size_t i = 0;
  for (;;) {
    const size_t first = 4 * i + 1;
    if (first >= n) break;
    size_t best = first;
    const size_t end = std::min(first + 4, n);
    for (size_t k = first + 1; k < end; ++k) {
      if (earlier(queue_[k], queue_[best])) best = k;
    }
    if (!earlier(queue_[best], last)) break;
    queue_[i] = queue_[best];
    i = best;
  }
  queue_[i] = last;
  return top;
}

void EventLoop::cancel(uint64_t seq) { cancelled_.insert(seq); }

bool EventLoop::step() {
  while (!queue_.empty()) {
    const Event e = pop_event();
    Callback& fn = slots_[e.slot];
    if (!cancelled_.empty() && cancelled_.erase(e.seq)) {
      fn.reset();
      free_slots_.push_back(e.slot);
      continue;
    }
    now_ = e.at;
    ++events_run_;
    hash_.fold(static_cast<uint64_t>(e.at));
    hash_.fold(static_cast<uint64_t>(e.kind));
    // Run in place (it may schedule events: new slots never move this one); the slot is freed
    // afterwards, also when the callback throws.
    struct FreeSlot {
      EventLoop* loop;
      Callback* fn;
      uint32_t slot;
      ~FreeSlot() {
        fn->reset();
        loop->free_slots_.push_back(slot);
      }
    } free_slot{this, &fn, e.slot};
    fn();
    return true;
  }
  return false;
}

void EventLoop::run_until(Nanos until) {
  while (!queue_.empty() && queue_.front().at <= until) step();
  if (until > now_) now_ = until;
}

bool EventLoop::run_until(const std::function<bool()>& done, Nanos until) {
  if (done()) return true;
  while (!queue_.empty() && queue_.front().at <= until) {
    step();
    if (done()) return true;
  }
  if (until > now_) now_ = until;
  return done();
}

}  // namespace sim
