// network: makes links unreliable — drops (requests and replies apart), delay, reordering — on
// every link or a scope; `network: reliable` (or its undo) goes back to the run's baseline.
#include "harness/nemesis/fault.h"

namespace harness {
namespace {

struct NetworkArgs final : FaultArgs {
  NetworkRule rule;
  std::string describe() const override { return harness::describe(rule); }
};

class Network final : public Fault {
 public:
  std::string name() const override { return "network"; }
  std::string syntax() const override {
    return "`network: {drop_requests: P, drop_replies: P, delay: D \\| [MIN, MAX], reorder: B, "
           "links: all \\| peers \\| clients \\| [N...]}` or `network: reliable`";
  }
  std::string summary() const override {
    return "unreliable links on the scope; `reliable` restores the baseline";
  }
  bool undoable() const override { return true; }
  bool lists_nodes() const override { return false; }
  std::shared_ptr<const FaultArgs> parse(const YamlValue& step, const YamlValue* arg,
                                         const StepParser& parser) const override {
    if (!arg) step.fail("'network' needs an argument, e.g. {network: ...}");
    auto out = std::make_shared<NetworkArgs>();
    out->rule = parser.network_rule(*arg);
    return out;
  }
  common::Status apply(const ScheduledEvent& event, FaultContext& ctx,
                       std::vector<int>*) const override {
    const NetworkRule& rule = event.action.fault.as<NetworkArgs>()->rule;
    auto status = ctx.set_network(rule);
    ctx.state().network_text = rule.is_reliable() ? "" : harness::describe(rule);
    return status;
  }
  common::Status undo(const ScheduledEvent&, FaultContext& ctx, const std::vector<int>&,
                      std::vector<int>*) const override {
    ctx.state().network_text.clear();
    return ctx.set_network(NetworkRule{});
  }
};

}  // namespace

const Fault& fault_network() {
  static const Network fault;
  return fault;
}

}  // namespace harness
