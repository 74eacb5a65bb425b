#pragma once
// FaultRegistry: every fault faultline knows, one per file in faults/ (the list is generated from
// that folder by CMake, so adding a fault is adding its file). The scenario parser reads fault
// steps through it (it is the scenario's FaultSyntax), the injector applies them through it, the
// report asks it how to show an event, and a test holds docs/scenarios.md's fault table to it.
// Immutable; any thread.
#include <memory>
#include <string>
#include <vector>

#include "harness/nemesis/fault.h"
#include "harness/scenario/fault_syntax.h"

namespace harness {

class FaultRegistry final : public FaultSyntax {
 public:
  explicit FaultRegistry(std::vector<const Fault*> faults);

  const Fault* find(const std::string& name) const;  // nullptr if unknown
  const std::vector<const Fault*>& all() const { return faults_; }
  // docs/scenarios.md's table of faults, one row per fault in name order.
  std::string docs_table() const;

  std::vector<std::string> names() const override;
  std::shared_ptr<const FaultArgs> parse(const std::string& name, const YamlValue& step,
                                         const YamlValue* arg,
                                         const StepParser& parser) const override;
  bool undoable(const std::string& name) const override;

 private:
  std::vector<const Fault*> faults_;  // sorted by name
};

const FaultRegistry& fault_registry();

}  // namespace harness
