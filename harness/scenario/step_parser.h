#pragma once
// StepParser: reads the parts of a scenario that name nodes and time — phases, steps, nemesis
// entries, partitions, node targets, network rules — and checks them against the cluster size and
// the workload's duration. Throws ScenarioError (file:line:col: field: ...). Used once per load, on
// the loading thread.
#include <set>
#include <string>
#include <vector>

#include "harness/scenario/scenario.h"
#include "harness/scenario/yaml_fields.h"

namespace harness {

class StepParser {
 public:
  explicit StepParser(int nodes) : nodes_(nodes) {}

  std::vector<Phase> phases(const YamlValue& value, const ClientsSpec& clients);
  Phase phase(const YamlValue& value, const ClientsSpec& clients, int index);
  Step step(const YamlValue& value, bool fault_only);
  NemesisEntry nemesis_entry(const YamlValue& value, const WorkloadSpec& workload);
  PartitionSpec partition(const YamlValue& value);
  NodeTarget target(const YamlValue& value, const std::vector<std::string>& allowed);
  NetworkRule network_rule(const YamlValue& value);

 private:
  int node_index(const YamlValue& value) const;
  ScriptOp script_op(const YamlValue& value);
  std::vector<std::string> client_list(const YamlValue& value) const;
  // Checks that expect_pending/await name clients with an async op started earlier in the phase.
  void check_script_order(const std::vector<Step>& steps, const YamlPlace& place) const;

  int nodes_;
};

}  // namespace harness
