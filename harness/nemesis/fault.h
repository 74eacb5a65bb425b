#pragma once
// Fault: one kind of nemesis action — its name, its argument (parsed from the scenario), how it is
// applied to the system under test and undone, and how the docs describe it. One file per fault
// in faults/ (faults/clog.cc is a small complete example); the registry (registry.h) lists them
// all, so the scenario parser, docs/scenarios.md's table and the report read one list.
//
// Faults are stateless singletons: what they change lives in the FaultContext the FaultInjector
// hands them (under its lock, one action at a time).
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "harness/nemesis/schedule.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/step_parser.h"
#include "harness/scenario/yaml_fields.h"
#include "harness/sut/system.h"

namespace harness {

// What the faults in force are, for the progress line, nemesis.jsonl and the report's shading.
struct NemesisState {
  std::vector<std::vector<int>> sides;  // the current partition (empty: none); script clients
                                        // confined to a side use it
  std::string partition_text;           // "" or "{0,1}|{2,3,4}", "ring (6 links cut)", ...
  std::set<int> down;
  std::set<int> paused;
  std::string network_text;             // "" or the unreliable rule in force
};

// What a fault acts on: the system's nodes and network, the run's baseline network rule, and the
// state of the faults in force.
class FaultContext {
 public:
  FaultContext(sut::Nodes& nodes, sut::Network& network, sut::RunClock& clock, NetworkRule baseline)
      : nodes_(nodes), network_(network), clock_(clock), baseline_(std::move(baseline)) {}

  sut::Nodes& nodes() { return nodes_; }
  sut::Network& network() { return network_; }
  int num_nodes() const { return nodes_.count(); }
  NemesisState& state() { return state_; }
  const NemesisState& state() const { return state_; }

  // The leader now, waiting up to 3 s for one to emerge.
  std::optional<int> leader();
  // Removes partitions and cuts (and the state's sides and partition text) and puts the link
  // quality back to the baseline.
  void heal_network();
  // Link quality on the rule's scope; a reliable rule restores the baseline.
  common::Status set_network(const NetworkRule& rule);
  // The baseline on every link (call once after the system started).
  common::Status apply_baseline();

 private:
  sut::Nodes& nodes_;
  sut::Network& network_;
  sut::RunClock& clock_;
  NetworkRule baseline_;
  NemesisState state_;
};

class Fault {
 public:
  virtual ~Fault() = default;
  virtual std::string name() const = 0;
  // docs/scenarios.md's row: how it is written and what it does.
  virtual std::string syntax() const = 0;
  virtual std::string summary() const = 0;
  // Whether `undo_after` may revert it.
  virtual bool undoable() const { return false; }
  // Whether the nodes an event touched are worth listing in the report (not for network shapes,
  // which the active-fault text shows).
  virtual bool lists_nodes() const { return true; }
  // Whether an event of it needs the schedule to draw random halves (ScheduledEvent::sides).
  virtual bool draws_sides(const FaultArgs& args) const {
    (void)args;
    return false;
  }

  // `arg`: the value after `name:`, or null when the step is the bare name.
  virtual std::shared_ptr<const FaultArgs> parse(const YamlValue& step, const YamlValue* arg,
                                                 const StepParser& parser) const = 0;
  // Applies a forward event; `nodes` collects the nodes it touched (what undo reverts).
  virtual common::Status apply(const ScheduledEvent& event, FaultContext& ctx,
                               std::vector<int>* nodes) const = 0;
  // Reverts the forward event of the same entry, which touched `touched`.
  virtual common::Status undo(const ScheduledEvent& event, FaultContext& ctx,
                              const std::vector<int>& touched, std::vector<int>* nodes) const;
  // Whether a failure of this event ends the run (a node that will not come back does).
  virtual bool failure_is_fatal(bool undo) const {
    (void)undo;
    return false;
  }
};

// A fault without an argument accepts only its bare name (or `{name: all}`); used by heal.
void parse_no_argument(const std::string& name, const YamlValue* arg);

// Fault arguments that are a node target (kill, restart, pause, resume).
struct TargetArgs : FaultArgs {
  NodeTarget target;
  std::string describe() const override { return harness::describe(target); }
};
// Parses a target allowing `allowed` words besides a node index.
std::shared_ptr<const FaultArgs> parse_target(const std::string& name, const YamlValue& step,
                                              const YamlValue* arg, const StepParser& parser,
                                              const std::vector<std::string>& allowed);
// The nodes `target` names now (the leader is asked for). `all` means every node, or the nodes of
// `all_of` when given (restart all: the down ones; resume all: the paused ones).
std::vector<int> resolve_target(const NodeTarget& target, const ScheduledEvent& event,
                                FaultContext& ctx, const std::set<int>* all_of,
                                common::Status* status);
// Takes the event's target nodes down (`how`: kill or power cut), resuming a paused one first, and
// records them as down; kill and power_cut differ only in `how` (and a torn power cut, `tear`:
// Nodes::kill_torn).
common::Status crash_targets(const ScheduledEvent& event, FaultContext& ctx, sut::Crash how,
                             std::vector<int>* nodes, bool tear = false);
// Undo of a crash: starts the nodes of `touched` that are still down.
common::Status start_crashed(FaultContext& ctx, const std::vector<int>& touched,
                             std::vector<int>* nodes);
// Thaws the nodes of `nodes_in` that are still paused (resume's apply, pause's undo).
common::Status resume_paused(FaultContext& ctx, const std::vector<int>& nodes_in, std::vector<int>* nodes);
// Minority members: `first` (if >= 0), then nodes in the drawn order, up to (n - 1) / 2.
std::vector<int> minority(int n, int first, const std::vector<int>& order);
std::vector<int> complement(int n, const std::vector<int>& some);

}  // namespace harness
