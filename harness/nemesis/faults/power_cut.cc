// power_cut: the machines of the nodes lose power (sut::Crash::kPowerLoss): what a node wrote but
// did not fsync is gone, unlike kill, where the page cache keeps it. Undo restarts them with what
// their disk kept.
#include "harness/nemesis/fault.h"

namespace harness {
namespace {

// `power_cut: {target: T, tear: true}`: the target, and whether the last unsynced write is torn.
struct PowerCutArgs final : TargetArgs {
  bool tear = false;
  std::string describe() const override {
    return TargetArgs::describe() + (tear ? ", torn" : "");
  }
};

class PowerCut final : public Fault {
 public:
  std::string name() const override { return "power_cut"; }
  std::string syntax() const override {
    return "`power_cut: leader \\| minority \\| all \\| random \\| N` or "
           "`power_cut: {target: T, tear: true}`";
  }
  std::string summary() const override {
    return "cuts the nodes' power: what they did not fsync is lost; with `tear: true` the last "
           "unsynced write is kept up to a random (seeded) byte";
  }
  bool undoable() const override { return true; }
  std::shared_ptr<const FaultArgs> parse(const YamlValue& step, const YamlValue* arg,
                                         const StepParser& parser) const override {
    const std::vector<std::string> targets{"leader", "minority", "all", "random"};
    if (!arg || !arg->is_map()) return parse_target(name(), step, arg, parser, targets);
    MapReader m(*arg);
    m.expect_only({"target", "tear"});
    auto out = std::make_shared<PowerCutArgs>();
    out->target = parser.target(m.get("target"), targets);
    YamlValue tear = *arg;
    if (m.maybe("tear", &tear)) out->tear = tear.as_bool();
    m.finish();
    return out;
  }
  common::Status apply(const ScheduledEvent& event, FaultContext& ctx,
                       std::vector<int>* nodes) const override {
    const auto* args = event.action.fault.as<PowerCutArgs>();
    return crash_targets(event, ctx, sut::Crash::kPowerLoss, nodes, args && args->tear);
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
