#include "sim/sim_clock.h"

#include "common/random.h"

namespace sim {

namespace {

class SimTask final : public harness::sut::Task {
 public:
  SimTask(SimClock& clock, Fiber& fiber, Waiters& joiners)
      : clock_(clock), fiber_(fiber), joiners_(joiners) {}
  ~SimTask() override {
    // Joining from a destructor that runs while a fiber unwinds would park a cancelled fiber.
    if (fiber_.done() || std::uncaught_exceptions()) return;
    try {
      join();
    } catch (const SimStalled&) {
      fiber_.cancel();  // it can never finish: unwind it now, while what it uses still exists
    }
  }
  void join() override {
    if (!clock_.block([this] { return fiber_.done(); }, -1, joiners_)) {
      throw SimStalled("join: the task never finished");
    }
  }
  bool done() const override { return fiber_.done(); }

 private:
  SimClock& clock_;
  Fiber& fiber_;
  Waiters& joiners_;
};

class SimSignal final : public harness::sut::Signal {
 public:
  explicit SimSignal(SimClock& clock) : clock_(clock) {}
  void update(const std::function<void()>& change) override {
    change();
    clock_.wake_all(waiters_);
  }
  bool wait_until(const std::function<bool()>& pred, int64_t deadline_ns) override {
    return clock_.block(pred, deadline_ns, waiters_);
  }

 private:
  SimClock& clock_;
  Waiters waiters_;
};

}  // namespace

SimClock::~SimClock() {
  for (auto& e : fibers_) {
    if (e->fiber->started() && !e->fiber->done()) e->fiber->cancel();
  }
}

void SimClock::run(Entry& e) {
  e.fiber->resume();
  if (e.fiber->done()) wake_all(e.joiners);
}

void SimClock::resume_if(Fiber* f, uint64_t id) {
  if (!f->waiting || f->wait_id != id) return;
  f->waiting = false;
  for (auto& e : fibers_) {
    if (e->fiber.get() == f) {
      run(*e);
      return;
    }
  }
}

std::unique_ptr<harness::sut::Task> SimClock::spawn(std::string name, std::function<void()> body) {
  auto entry = std::make_unique<Entry>();
  entry->name = std::move(name);
  entry->fiber = std::make_unique<Fiber>(std::move(body));
  Entry* e = entry.get();
  fibers_.push_back(std::move(entry));
  loop_.note(common::hash64(e->name));
  loop_.after(0, EventKind::kTimer, [this, e] { run(*e); });
  return std::make_unique<SimTask>(*this, *e->fiber, e->joiners);
}

std::unique_ptr<harness::sut::Signal> SimClock::make_signal() { return std::make_unique<SimSignal>(*this); }

void SimClock::sleep_until(int64_t t_ns) {
  Waiters none;
  block([this, t_ns] { return loop_.now() >= t_ns; }, t_ns, none);
}

bool SimClock::block(const std::function<bool()>& pred, int64_t deadline_ns, Waiters& waiters) {
  Fiber* self = Fiber::current();
  if (self == nullptr) {
    if (deadline_ns >= 0) return loop_.run_until(pred, deadline_ns);
    while (!pred()) {
      if (!loop_.step()) throw SimStalled("the run is stalled: every task waits and nothing is scheduled");
    }
    return true;
  }
  while (!pred()) {
    if (deadline_ns >= 0 && loop_.now() >= deadline_ns) return false;
    const uint64_t id = ++self->wait_id;
    self->waiting = true;
    waiters.parked.emplace_back(self, id);
    // A timer that fires after a wake-up finds a newer wait id and does nothing.
    if (deadline_ns >= 0) {
      loop_.at(deadline_ns, EventKind::kTimer, [this, self, id] { resume_if(self, id); });
    }
    Fiber::park();
  }
  return true;
}

void SimClock::wake_all(Waiters& waiters) {
  for (const auto& [f, id] : waiters.parked) {
    if (f->waiting && f->wait_id == id) {
      loop_.after(0, EventKind::kTimer, [this, f = f, id = id] { resume_if(f, id); });
    }
  }
  waiters.parked.clear();
}

}  // namespace sim
