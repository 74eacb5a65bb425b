#include "sim/event_loop.h"

#include <cstring>

namespace sim {

void EventHash::fold_bytes(std::string_view bytes) {
  // Eight bytes at a time (a multiply-rotate mix), then the tail, then one fold.
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ bytes.size();
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    h = (h ^ (w * 0xff51afd7ed558ccdULL)) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 29;
  }
  for (; i < bytes.size(); ++i) h = (h ^ static_cast<unsigned char>(bytes[i])) * 1099511628211ULL;
  fold(h);
}

uint64_t EventLoop::at(Nanos at, EventKind kind, Callback fn) {
  const uint64_t seq = next_seq_++;
  queue_.push(Event{at < now_ ? now_ : at, seq, kind, std::move(fn)});
  return seq;
}

void EventLoop::cancel(uint64_t seq) { cancelled_.insert(seq); }

bool EventLoop::step() {
  while (!queue_.empty()) {
    // priority_queue::top is const: move the callback out through a copy of the handle.
    Event e = std::move(const_cast<Event&>(queue_.top()));
    queue_.pop();
    if (!cancelled_.empty() && cancelled_.erase(e.seq)) continue;
    now_ = e.at;
    ++events_run_;
    hash_.fold(static_cast<uint64_t>(e.at));
    hash_.fold(static_cast<uint64_t>(e.kind));
    e.fn();
    return true;
  }
  return false;
}

void EventLoop::run_until(Nanos until) {
  while (!queue_.empty() && queue_.top().at <= until) step();
  if (until > now_) now_ = until;
}

bool EventLoop::run_until(const std::function<bool()>& done, Nanos until) {
  if (done()) return true;
  while (!queue_.empty() && queue_.top().at <= until) {
    step();
    if (done()) return true;
  }
  if (until > now_) now_ = until;
  return done();
}

}  // namespace sim
