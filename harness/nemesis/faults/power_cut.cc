// power_cut: the machines of the nodes lose power (sut::Crash::kPowerLoss): what a node wrote but
// did not fsync is gone, unlike kill, where the page cache keeps it. Undo restarts them with what
// their disk kept.
#include "harness/nemesis/fault.h"

namespace harness {
namespace {

class PowerCut final : public Fault {
 public:
  std::string name() const override { return "power_cut"; }
  std::string syntax() const override {
    return "`power_cut: leader \\| minority \\| all \\| random \\| N`";
  }
  std::string summary() const override {
    return "cuts the nodes' power: what they did not fsync is lost (the last write may be torn)";
  }
  bool undoable() const override { return true; }
  std::shared_ptr<const FaultArgs> parse(const YamlValue& step, const YamlValue* arg,
                                         const StepParser& parser) const override {
    return parse_target(name(), step, arg, parser, {"leader", "minority", "all", "random"});
  }
  common::Status apply(const ScheduledEvent& event, FaultContext& ctx,
                       std::vector<int>* nodes) const override {
    return crash_targets(event, ctx, sut::Crash::kPowerLoss, nodes);
  }
  common::Status undo(const ScheduledEvent&, FaultContext& ctx, const std::vector<int>& touched,
                      std::vector<int>* nodes) const override {
    return start_crashed(ctx, touched, nodes);
  }
  // A system that cannot cut the power ends the run (a harness error naming why), as does a node
  // that will not come back.
  bool failure_is_fatal(bool) const override { return true; }
};

}  // namespace

const Fault& fault_power_cut() {
  static const PowerCut fault;
  return fault;
}

}  // namespace harness
