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
    return crash_targets(event, ctx, sut::Crash::kProcess, nodes);
  }
  common::Status undo(const ScheduledEvent&, FaultContext& ctx, const std::vector<int>& touched,
                      std::vector<int>* nodes) const override {
    return start_crashed(ctx, touched, nodes);
  }
  bool failure_is_fatal(bool undo) const override { return undo; }
};

}  // namespace

const Fault& fault_kill() {
  static const Kill fault;
  return fault;
}

}  // namespace harness
