#include "sim/process.h"

#include <algorithm>
#include <vector>

namespace sim {

class ProcessHost::HostOutbox : public Outbox {
 public:
  explicit HostOutbox(SimDisk* disk = nullptr) : disk_(disk) {}
  void clear() {
    early = 0;
    early_disk = 0;
    synced = false;
    wakes.clear();
    out.clear();
  }
  void send(int to, Frames frames, bool reply) override {
    out.push_back(Message{to, std::move(frames), reply});
  }
  void sync_point() override {
    early = out.size();
    early_disk = disk_ ? disk_->busy() : 0;
    synced = true;
    // The fsyncs before this one have returned (the driver syncs one batch at a time): a crash
    // from here on can only catch the one about to start.
    if (disk_) disk_->begin_step();
  }
  SimDisk* disk_;
  size_t early = 0;      // out[0, early) leave before the fsync
  Nanos early_disk = 0;  // the disk time spent before it
  bool synced = false;
  void wake_after(Nanos delay, uint64_t token) override { wakes.emplace_back(delay, token); }
  std::vector<std::pair<Nanos, uint64_t>> wakes;
  struct Message {
    int to;
    Frames frames;
    bool reply;
  };
  std::vector<Message> out;
};

ProcessHost::ProcessHost(EventLoop& loop, SimNetwork& net, int endpoint, SimDisk* disk,
                         ProcessTiming timing, Factory factory)
    : loop_(loop), net_(net), endpoint_(endpoint), disk_(disk), timing_(timing),
      factory_(std::move(factory)) {}

ProcessHost::~ProcessHost() { net_.detach(endpoint_); }

Nanos ProcessHost::local_now() const {
  return local_base_ + static_cast<Nanos>(static_cast<double>(loop_.now() - rate_base_) * rate_);
}

bool ProcessHost::start() {
  if (process_) return true;
  ++incarnation_;
  paused_ = false;
  inbox_.clear();
  tick_queued_ = false;
  if (disk_) disk_->take_busy();
  process_ = factory_(local_now());
  if (!process_) return false;
  ++starts_;
  const Nanos recovery = disk_ ? disk_->take_busy() : 0;
  busy_until_ = loop_.now() + static_cast<Nanos>(static_cast<double>(timing_.cpu_cost + recovery) / speed_);
  const uint64_t inc = incarnation_;
  net_.attach(endpoint_, [this, inc](int from, Frames&& frames) {
    if (inc == incarnation_) arrive(Input{Input::Kind::kMessage, from, std::move(frames), 0});
  });
  schedule_tick();
  return true;
}

void ProcessHost::kill() {
  if (!process_) return;
  killed_mid_sync_ = step_synced_ && loop_.now() < busy_until_;
  process_.reset();
  ++incarnation_;
  net_.detach(endpoint_);
  inbox_.clear();
  tick_queued_ = false;
  paused_ = false;
  if (disk_) disk_->kill();
}

void ProcessHost::pause() {
  if (process_) paused_ = true;
}

void ProcessHost::resume() {
  if (!paused_) return;
  paused_ = false;
  drain();
}

void ProcessHost::set_speed(double fraction) { speed_ = std::clamp(fraction, 0.001, 1.0); }

void ProcessHost::set_clock_rate(double rate) {
  local_base_ = local_now();
  rate_base_ = loop_.now();
  rate_ = std::clamp(rate, 0.01, 100.0);
}

void ProcessHost::schedule_tick() {
  const Nanos interval = std::max<Nanos>(1, static_cast<Nanos>(static_cast<double>(timing_.tick_interval) / rate_));
  const uint64_t inc = incarnation_;
  loop_.after(interval, EventKind::kTick, [this, inc] { on_tick(inc); });
}

void ProcessHost::on_tick(uint64_t incarnation) {
  if (incarnation != incarnation_ || !process_) return;
  schedule_tick();
  if (paused_ || tick_queued_) return;  // a stopped process's timer does not pile up ticks
  tick_queued_ = true;
  arrive(Input{Input::Kind::kTick, 0, {}, 0});
}

void ProcessHost::arrive(Input in) {
  inbox_.push_back(std::move(in));
  drain();
}

void ProcessHost::drain() {
  if (paused_ || !process_ || inbox_.empty()) return;
  if (loop_.now() < busy_until_) {
    if (!drain_scheduled_) {
      drain_scheduled_ = true;
      const uint64_t inc = incarnation_;
      loop_.at(busy_until_, EventKind::kProcess, [this, inc] {
        drain_scheduled_ = false;
        if (inc == incarnation_) drain();
      });
    }
    return;
  }
  step();
  if (!inbox_.empty()) drain();  // schedules itself at busy_until_
}

void ProcessHost::step() {
  // The outbox of the last step, emptied (its vectors keep their capacity); a new one should
  // step() ever run inside another.
  std::unique_ptr<HostOutbox> box = spare_outbox_ ? std::move(spare_outbox_) : std::make_unique<HostOutbox>(disk_);
  box->clear();
  HostOutbox& out = *box;
  if (disk_) disk_->begin_step();
  const Nanos now = local_now();
  int inputs = 0;
  while (!inbox_.empty() && inputs < std::max(1, timing_.max_inputs_per_step)) {
    Input in = std::move(inbox_.front());
    inbox_.pop_front();
    ++inputs;
    switch (in.kind) {
      case Input::Kind::kTick:
        tick_queued_ = false;
        process_->tick(now, out);
        break;
      case Input::Kind::kMessage:
        process_->receive(in.from, std::move(in.frames), now, out);
        break;
      case Input::Kind::kWake:
        process_->wake(in.token, now, out);
        break;
    }
  }
  process_->end_step(now, out);
  const Nanos disk = disk_ ? disk_->take_busy() : 0;
  const Nanos cpu = timing_.cpu_cost * inputs;
  const Nanos cost = std::max<Nanos>(1, static_cast<Nanos>(static_cast<double>(cpu + disk) / speed_));
  busy_until_ = loop_.now() + cost;
  step_synced_ = out.synced;
  const Nanos early =
      std::max<Nanos>(1, static_cast<Nanos>(static_cast<double>(cpu + out.early_disk) / speed_));
  send_all(out, cost, std::min(early, cost));
  spare_outbox_ = std::move(box);
}

void ProcessHost::send_all(HostOutbox& out, Nanos leave_after, Nanos early_after) {
  const uint64_t inc = incarnation_;
  if (!out.synced) {
    for (auto& m : out.out) net_.send(endpoint_, m.to, std::move(m.frames), m.reply, leave_after);
  } else {
    // Sent before the fsync: they leave while it runs. After it: at the end of the step, unless
    // the process died in between (a crash during the fsync; see SimNodes::kill).
    for (size_t k = 0; k < out.early; ++k)
      net_.send(endpoint_, out.out[k].to, std::move(out.out[k].frames), out.out[k].reply, early_after);
    if (out.early < out.out.size()) {
      auto late = std::make_shared<std::vector<HostOutbox::Message>>(
          std::make_move_iterator(out.out.begin() + static_cast<std::ptrdiff_t>(out.early)),
          std::make_move_iterator(out.out.end()));
      loop_.after(leave_after, EventKind::kProcess, [this, inc, late] {
        if (inc != incarnation_) return;
        for (auto& m : *late) net_.send(endpoint_, m.to, std::move(m.frames), m.reply, 0);
      });
    }
  }
  for (const auto& [delay, token] : out.wakes) {
    const uint64_t t = token;
    loop_.after(leave_after + delay, EventKind::kDisk, [this, inc, t] {
      if (inc == incarnation_) arrive(Input{Input::Kind::kWake, 0, {}, t});
    });
  }
  if (process_ && !process_->alive()) kill();
}

void ProcessHost::poke(const std::function<void(Process&, Outbox&)>& fn) {
  if (!process_) return;
  HostOutbox out;
  if (disk_) disk_->begin_step();
  fn(*process_, out);
  if (disk_) busy_until_ = std::max(busy_until_, loop_.now()) + disk_->take_busy();
  send_all(out, 0);
}

}  // namespace sim
