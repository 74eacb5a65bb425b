#pragma once
// Helpers for fault tests: a step parsed from YAML through the registry (as a scenario would be)
// and an event of it with a chosen node order, applied through a FaultInjector over the fakes in
// harness/sut/fake_system.h. Header-only, tests only.
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "harness/nemesis/fault_injector.h"
#include "harness/nemesis/registry.h"
#include "harness/scenario/step_parser.h"
#include "harness/sut/fake_system.h"

namespace harness::testing_support {

inline Step parse_step(const std::string& yaml, int nodes) {
  YAML::Node node = YAML::Load(yaml);
  StepParser parser(nodes, fault_registry());
  return parser.step(YamlValue(node, YamlPlace{"test.yaml", "step", node.Mark()}), false);
}

inline ScheduledEvent event(const std::string& yaml, std::vector<int> order = {0, 1, 2, 3, 4}) {
  ScheduledEvent e;
  e.action = parse_step(yaml, static_cast<int>(order.size()));
  e.order = std::move(order);
  return e;
}

// A FaultInjector over fake nodes and network of `n` nodes.
struct FakeWorld {
  explicit FakeWorld(int n, JsonlWriter* log = nullptr)
      : nodes(n), faults(nodes, network, clock, NetworkRule{}, log) {}
  sut::FakeClock clock;
  sut::FakeNodes nodes;
  sut::FakeNetwork network;
  FaultInjector faults;
};

}  // namespace harness::testing_support
