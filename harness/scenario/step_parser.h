#pragma once
// StepParser: reads the parts of a scenario that name nodes and time — phases, steps, nemesis
// entries, node targets, network rules — and checks them against the cluster size and the
// workload's duration. Fault steps are parsed by the fault they name (FaultSyntax), which may use
// the public helpers here. Throws ScenarioError (file:line:col: field: ...). Used once per load, on
// the loading thread.
#include <set>
#include <string>
#include <vector>

#include "harness/scenario/fault_syntax.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/yaml_fields.h"

namespace harness {

// A side of a partition: "majority" 0, "minority" 1, "all" -1, or a number 0..15.
int parse_side(const YamlValue& value);

class StepParser {
 public:
  StepParser(int nodes, const FaultSyntax& faults) : nodes_(nodes), faults_(faults) {}

  std::vector<Phase> phases(const YamlValue& value, const ClientsSpec& clients);
  Phase phase(const YamlValue& value, const ClientsSpec& clients, int index);
  Step step(const YamlValue& value, bool fault_only);
  NemesisEntry nemesis_entry(const YamlValue& value, const WorkloadSpec& workload);
  NodeTarget target(const YamlValue& value, const std::vector<std::string>& allowed) const;
  NetworkRule network_rule(const YamlValue& value) const;
  int node_index(const YamlValue& value) const;  // 0..nodes-1
  int nodes() const { return nodes_; }

 private:
  ScriptOp script_op(const YamlValue& value);
  std::vector<std::string> client_list(const YamlValue& value) const;
  // Checks that expect_pending/await name clients with an async op started earlier in the phase.
  void check_script_order(const std::vector<Step>& steps, const YamlPlace& place) const;

  int nodes_;
  const FaultSyntax& faults_;
};

}  // namespace harness
