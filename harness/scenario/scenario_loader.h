#pragma once
// Loading a scenario: YAML text -> validated Scenario, or an error naming file:line:col and field.
// Validation is complete before anything starts: unknown or repeated keys, wrong types, node
// indexes out of range, unsafe modes without `unsafe: true`, schedules that cannot happen, and names
// that cannot name a run directory (`..`, `latest`) are all refused.
// Stateless functions; any thread.
#include <string>

#include "common/status.h"
#include "harness/scenario/fault_syntax.h"
#include "harness/scenario/scenario.h"

namespace harness {

// Reads and validates `path`. `faults`: the faults steps may name (nemesis::registry()).
common::Result<Scenario> load_scenario_file(const std::string& path, const FaultSyntax& faults);

// Validates YAML `text`; `file` is only used in messages and as the default scenario name.
common::Result<Scenario> load_scenario_text(const std::string& text, const std::string& file,
                                            const FaultSyntax& faults);

// The scenario text with `seed: N` set (replacing a top-level seed line or appending one), as
// written to a run directory's scenario.yaml.
std::string scenario_text_with_seed(const std::string& source, uint64_t seed);

}  // namespace harness
