#include "sim/event_loop.h"

namespace sim {

void EventHash::fold_bytes(std::string_view bytes) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a over the bytes, then one fold
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  fold(h ^ bytes.size());
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
