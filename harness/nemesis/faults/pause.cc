// pause: freezes running nodes (SIGSTOP: no ticks, no messages); undo thaws them.
#include "harness/nemesis/fault.h"

namespace harness {
namespace {

class Pause final : public Fault {
 public:
  std::string name() const override { return "pause"; }
  std::string syntax() const override { return "`pause: leader \\| minority \\| all \\| random \\| N`"; }
  std::string summary() const override { return "freezes the nodes (SIGSTOP) until resumed"; }
  bool undoable() const override { return true; }
  std::shared_ptr<const FaultArgs> parse(const YamlValue& step, const YamlValue* arg,
                                         const StepParser& parser) const override {
    return parse_target(name(), step, arg, parser, {"leader", "minority", "all", "random"});
  }
  common::Status apply(const ScheduledEvent& event, FaultContext& ctx,
                       std::vector<int>* nodes) const override {
    common::Status status;
    const auto targets =
        resolve_target(event.action.fault.as<TargetArgs>()->target, event, ctx, nullptr, &status);
    if (!status) return status;
    for (int n : targets) {
      if (ctx.state().down.count(n) || ctx.state().paused.count(n)) continue;
      if (auto s = ctx.nodes().pause(n); !s) return s;
      ctx.state().paused.insert(n);
      nodes->push_back(n);
    }
    return common::Status::ok();
  }
  common::Status undo(const ScheduledEvent&, FaultContext& ctx, const std::vector<int>& touched,
                      std::vector<int>* nodes) const override {
    return resume_paused(ctx, touched, nodes);
  }
};

}  // namespace

const Fault& fault_pause() {
  static const Pause fault;
  return fault;
}

}  // namespace harness
