#pragma once
// FaultSyntax: the faults a scenario may name and how each reads its argument. The scenario parser
// knows no fault itself; the nemesis registry (harness/nemesis/registry.h) implements this, so a
// new fault is one file there and the parser, the docs table and the report follow. Stateless;
// any thread.
#include <memory>
#include <string>
#include <vector>

#include "harness/scenario/scenario.h"
#include "harness/scenario/yaml_fields.h"

namespace harness {

class StepParser;

class FaultSyntax {
 public:
  virtual ~FaultSyntax() = default;
  // Every fault name, in the order the docs list them.
  virtual std::vector<std::string> names() const = 0;
  // Parses fault `name`'s argument: `arg` is the value after `name:`, or null for a bare `name`.
  // Fails (ScenarioError, with the YAML place) on a bad or missing argument.
  virtual std::shared_ptr<const FaultArgs> parse(const std::string& name, const YamlValue& step,
                                                 const YamlValue* arg,
                                                 const StepParser& parser) const = 0;
  // Whether `undo_after` can revert the fault (partition, kill, pause, network, clog).
  virtual bool undoable(const std::string& name) const = 0;
};

}  // namespace harness
