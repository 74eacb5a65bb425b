#pragma once
// ProcessHost: one simulated machine slot that runs incarnations of a Process (a node core or a
// client core behind a small adapter) in the simulated world, and the process and clock faults
// that act on it:
//  - kill(): the incarnation is destroyed at once (its in-memory state is gone; what it wrote to
//    its SimDisk stays, per the disk's own crash rules); messages to it are dropped;
//  - restart(): a new incarnation is made by the factory and recovers from its disk;
//  - pause()/resume(): SIGSTOP/SIGCONT: inputs queue up, ticks stop; on resume the queue drains;
//  - slow(f): the process runs at fraction f of full speed: each input and tick costs 1/f times
//    as much simulated time, so its queue grows and its answers leave late;
//  - drift(r): its clock runs at rate r (ticks every interval/r; the time it reads drifts).
// Processing model: a single-threaded server, as kvnode's loop. When the process is free it takes
// every input waiting (messages, a tick, finished background work; at most max_inputs_per_step)
// and ends the step (a node's one flush for all of them); the step costs `cpu_cost` per input plus
// whatever its disk charged, divided by the speed; outputs leave when the step ends, and inputs
// arriving meanwhile wait for the next step.
// Owned by the World; single thread.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "sim/event_loop.h"
#include "sim/network.h"
#include "sim/sim_disk.h"

namespace sim {

// Where a process's outputs go. Valid only during the call that received it.
class Outbox {
 public:
  virtual ~Outbox() = default;
  virtual void send(int to, Frames frames, bool reply) = 0;
  // Asks for wake(token) after `delay` of simulated time (work done off the loop: a snapshot
  // write). Lost if the process dies first.
  virtual void wake_after(Nanos delay, uint64_t token) = 0;
  // The process is about to fsync: what it sent so far leaves now, while the fsync runs (the
  // driver's before_sync hook). What it sends after waits for the end of the step, and is never
  // sent if the process dies before then.
  virtual void sync_point() {}
};

// A process's logic as the host sees it. `now` is the process's own clock (drifted).
class Process {
 public:
  virtual ~Process() = default;
  virtual void receive(int from, Frames frames, Nanos now, Outbox& out) = 0;
  virtual void tick(Nanos now, Outbox& out) = 0;
  virtual void wake(uint64_t /*token*/, Nanos /*now*/, Outbox& /*out*/) {}
  // The end of a step: every input since the last end_step has been handed in (receive, tick,
  // wake); the process does its batched work now (a node's flush: persist, fsync, send).
  virtual void end_step(Nanos /*now*/, Outbox& /*out*/) {}
  // False once the process stopped itself (fail-stop after a storage error); the host then
  // treats it as killed.
  virtual bool alive() const { return true; }
};

struct ProcessTiming {
  Nanos tick_interval = 10 * kMilli;
  Nanos cpu_cost = 5 * kMicro;  // per input, at full speed
  // Inputs handled in one step, as kvnode's loop takes every message waiting on its socket
  // (up to its kMaxDrainPerRound) before one flush. 1: each input is its own step.
  int max_inputs_per_step = 4096;
};

class ProcessHost {
 public:
  // Makes a new incarnation: it recovers from `disk` (may be null for clients). A null result
  // means it refused to start (corrupt state); the host stays down.
  using Factory = std::function<std::unique_ptr<Process>(Nanos now)>;

  ProcessHost(EventLoop& loop, SimNetwork& net, int endpoint, SimDisk* disk, ProcessTiming timing,
              Factory factory);
  ~ProcessHost();

  // Runs `fn` on the live process now, out of band (a status query asked directly, not over the
  // network); what it sends leaves at once. No-op while down.
  void poke(const std::function<void(Process&, Outbox&)>& fn);

  // Starts an incarnation (also used by restart). False if the factory refused.
  bool start();
  void kill();
  void pause();
  void resume();
  void set_speed(double fraction);  // 1.0: full speed
  void set_clock_rate(double rate); // 1.0: true time
  double speed() const { return speed_; }
  double clock_rate() const { return rate_; }

  bool up() const { return process_ != nullptr; }
  // The last kill() fell inside a step that had fsynced: that fsync had not returned yet.
  bool killed_mid_sync() const { return killed_mid_sync_; }
  // Now inside a step that fsyncs (its last fsync has not returned yet: a crash now undoes it).
  bool in_synced_step() const { return process_ && step_synced_ && loop_.now() < busy_until_; }
  bool paused() const { return paused_; }
  int endpoint() const { return endpoint_; }
  Process* process() { return process_.get(); }
  uint64_t incarnation() const { return incarnation_; }
  uint64_t starts() const { return starts_; }
  // The process's own clock now.
  Nanos local_now() const;

 private:
  class HostOutbox;
  struct Input {
    enum class Kind { kMessage, kTick, kWake } kind = Input::Kind::kMessage;
    int from = 0;
    Frames frames;
    uint64_t token = 0;
  };
  void send_all(HostOutbox& out, Nanos leave_after, Nanos early_after = 0);
  void arrive(Input in);
  void drain();
  void step();
  void schedule_tick();
  void on_tick(uint64_t incarnation);

  EventLoop& loop_;
  SimNetwork& net_;
  int endpoint_;
  SimDisk* disk_;
  ProcessTiming timing_;
  Factory factory_;
  std::unique_ptr<Process> process_;
  uint64_t incarnation_ = 0;
  uint64_t starts_ = 0;
  bool paused_ = false;
  bool tick_queued_ = false;  // a tick is waiting in inbox_ (ticks do not pile up)
  double speed_ = 1.0;
  double rate_ = 1.0;
  Nanos local_base_ = 0;   // local clock at rate_base_
  Nanos rate_base_ = 0;    // simulated time the current rate began
  Nanos busy_until_ = 0;
  bool step_synced_ = false;    // the step that ends at busy_until_ fsynced
  bool killed_mid_sync_ = false;
  bool drain_scheduled_ = false;
  std::deque<Input> inbox_;
  std::unique_ptr<HostOutbox> spare_outbox_;  // handle()'s outbox, kept between inputs (its capacity)
};

}  // namespace sim
