#pragma once
// FaultInjector: carries out fault steps (partition, heal, kill, restart, pause, resume, network) on
// a ClusterControl, resolving live targets (the leader, a minority) with the randomness a
// ScheduledEvent drew in advance, remembers what it did so `undo_after` can revert exactly that,
// tracks which faults are active (for the progress line and the report's shading), and writes one
// nemesis.jsonl line per action on the history's clock. Thread-safe: the nemesis thread and the
// runner's main thread both call apply(); a mutex serializes actions. Owned by the Runner.
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "harness/nemesis/cluster_control.h"
#include "harness/record/history_writer.h"
#include "harness/nemesis/schedule.h"

namespace harness {

class FaultInjector {
 public:
  // `log` may be null (tests). `clock` must be the history's clock.
  FaultInjector(ClusterControl& cluster, JsonlWriter* log, const common::Clock& clock);

  // Where the events come from, for nemesis.jsonl.
  void set_context(const std::string& phase, int iteration);

  // Applies one event. A failure is recorded in nemesis.jsonl and returned; the caller decides
  // whether it is fatal (a node that will not restart is; a leader that cannot be found in time
  // during a partition storm is not).
  common::Status apply(const ScheduledEvent& event);
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
  common::Status apply_locked(const ScheduledEvent& event, std::vector<int>* nodes);
  common::Status partition_locked(const ScheduledEvent& event, std::vector<int>* nodes);
  std::vector<int> resolve_locked(const ScheduledEvent& event, common::Status* status);
  std::string active_faults_locked() const;
  void log_locked(const ScheduledEvent& event, const std::vector<int>& nodes,
                  const common::Status& status);

  mutable std::mutex mu_;
  ClusterControl& cluster_;
  JsonlWriter* log_;
  const common::Clock& clock_;
  std::string phase_;
  int iteration_ = 0;
  std::vector<std::vector<int>> sides_;
  std::string partition_text_;
  std::set<int> down_;
  std::set<int> paused_;
  std::string network_text_;
  std::map<int, std::vector<int>> last_nodes_;  // entry -> nodes its last forward event touched
  int actions_ = 0;
};

}  // namespace harness
