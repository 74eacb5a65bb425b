#pragma once
// FaultInjector: carries out fault events on the system under test through the fault registry —
// resolving live targets (the leader, a minority) with the randomness a ScheduledEvent drew in
// advance, remembering what each entry did so `undo_after` reverts exactly that, tracking which
// faults are in force (progress line, report shading, script clients' sides), and writing one
// nemesis.jsonl line per action on the run's clock. Owned by the Runner.
//
// Tasks: apply(), apply_step() and heal_everything() block on the system (a restart waits until
// the node serves) and are called by one task at a time (the nemesis task during a workload, the
// runner's task otherwise); a second caller at the same time gets an error rather than a wait. The
// readers (sides(), down(), active_faults(), actions()) may be called from any task at any time:
// they read a copy taken under a short lock after each action.
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/random.h"
#include "harness/nemesis/fault.h"
#include "harness/nemesis/schedule.h"
#include "harness/record/history_writer.h"
#include "harness/sut/system.h"

namespace harness {

class FaultInjector {
 public:
  // `log` may be null (tests). `baseline`: the scenario's top-level `network:`.
  FaultInjector(sut::Nodes& nodes, sut::Network& network, sut::RunClock& clock,
                NetworkRule baseline, JsonlWriter* log);

  // Puts the baseline on every link; call once after the system started.
  common::Status apply_baseline();
  // Where the events come from, for nemesis.jsonl.
  void set_context(const std::string& phase, int iteration);

  // Applies one event. A failure is recorded in nemesis.jsonl and returned; fatal() says whether
  // it ends the run (a node that will not restart does; a leader that cannot be found in time
  // during a partition storm does not).
  common::Status apply(const ScheduledEvent& event);
  static bool fatal(const ScheduledEvent& event);
  // A step outside any schedule (the phase's steps): drawn from `rng` like a scheduled event.
  common::Status apply_step(const Step& step, common::Rng& rng);
  // Ends every fault: resumes paused nodes, restarts killed ones, heals. Used at the end of a run.
  common::Status heal_everything();

  // The current partition's sides (empty when healed): script clients confined to a side use it.
  std::vector<std::vector<int>> sides() const;
  std::set<int> down() const;
  std::string active_faults() const;  // "partition {0,1}|{2,3,4}; down n2; paused -; net lossy"
  int actions() const;

 private:
  common::Status run(const ScheduledEvent& event, std::vector<int>* nodes);
  void publish(bool count_action);
  void log(const ScheduledEvent& event, const std::vector<int>& nodes, const common::Status& status);

  FaultContext ctx_;
  sut::RunClock& clock_;
  JsonlWriter* log_;
  std::string phase_;
  int iteration_ = 0;
  std::map<int, std::vector<int>> last_nodes_;  // entry -> nodes its last forward event touched
  std::atomic<bool> busy_{false};

  mutable std::mutex view_mu_;  // guards the copies below (never held across a blocking call)
  NemesisState view_;
  int actions_ = 0;
};

// "partition {0,1}|{2,3,4}; down n2; net ..." or "none".
std::string active_faults_text(const NemesisState& state);

}  // namespace harness
