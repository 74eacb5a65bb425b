// resume: thaws paused nodes.
#include "harness/nemesis/fault.h"

namespace harness {
namespace {

class Resume final : public Fault {
 public:
  std::string name() const override { return "resume"; }
  std::string syntax() const override { return "`resume: all \\| N`"; }
  std::string summary() const override { return "thaws paused nodes (SIGCONT)"; }
  std::shared_ptr<const FaultArgs> parse(const YamlValue& step, const YamlValue* arg,
                                         const StepParser& parser) const override {
    return parse_target(name(), step, arg, parser, {"all"});
  }
  common::Status apply(const ScheduledEvent& event, FaultContext& ctx,
                       std::vector<int>* nodes) const override {
    common::Status status;
    const std::set<int> paused = ctx.state().paused;
    const auto targets =
        resolve_target(event.action.fault.as<TargetArgs>()->target, event, ctx, &paused, &status);
    if (!status) return status;
    return resume_paused(ctx, targets, nodes);
  }
};

}  // namespace

const Fault& fault_resume() {
  static const Resume fault;
  return fault;
}

}  // namespace harness
