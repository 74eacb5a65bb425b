// kill: crashes nodes (kill -9: what they wrote survives); undo restarts them with their state.
#include "harness/nemesis/fault.h"

namespace harness {
namespace {

class Kill final : public Fault {
 public:
  std::string name() const override { return "kill"; }
  std::string syntax() const override { return "`kill: leader \\| minority \\| all \\| random \\| N`"; }
  std::string summary() const override { return "crashes the nodes (SIGKILL); their disk survives"; }
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
      if (ctx.state().paused.erase(n)) (void)ctx.nodes().resume(n);
      if (auto s = ctx.nodes().kill(n); !s) return s;
      ctx.state().down.insert(n);
      nodes->push_back(n);
    }
    return common::Status::ok();
  }
  common::Status undo(const ScheduledEvent&, FaultContext& ctx, const std::vector<int>& touched,
                      std::vector<int>* nodes) const override {
    for (int n : touched) {
      if (!ctx.state().down.count(n)) continue;
      if (auto s = ctx.nodes().start(n); !s) return s;
      ctx.state().down.erase(n);
      nodes->push_back(n);
    }
    return common::Status::ok();
  }
  bool failure_is_fatal(bool undo) const override { return undo; }
};

}  // namespace

const Fault& fault_kill() {
  static const Kill fault;
  return fault;
}

}  // namespace harness
