// restart: starts nodes that are down (with their durable state) and waits until they serve.
#include "harness/nemesis/fault.h"

namespace harness {
namespace {

class Restart final : public Fault {
 public:
  std::string name() const override { return "restart"; }
  std::string syntax() const override { return "`restart: all \\| down \\| N`"; }
  std::string summary() const override { return "starts killed nodes again, with their disk"; }
  std::shared_ptr<const FaultArgs> parse(const YamlValue& step, const YamlValue* arg,
                                         const StepParser& parser) const override {
    return parse_target(name(), step, arg, parser, {"all", "down"});
  }
  common::Status apply(const ScheduledEvent& event, FaultContext& ctx,
                       std::vector<int>* nodes) const override {
    common::Status status;
    const std::set<int> down = ctx.state().down;
    const auto targets =
        resolve_target(event.action.fault.as<TargetArgs>()->target, event, ctx, &down, &status);
    if (!status) return status;
    for (int n : targets) {
      if (ctx.state().paused.erase(n)) (void)ctx.nodes().resume(n);
      if (auto s = ctx.nodes().start(n); !s) return s;
      ctx.state().down.erase(n);
      nodes->push_back(n);
    }
    return common::Status::ok();
  }
  bool failure_is_fatal(bool) const override { return true; }
};

}  // namespace

const Fault& fault_restart() {
  static const Restart fault;
  return fault;
}

}  // namespace harness
