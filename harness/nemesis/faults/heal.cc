// heal: ends every network fault — partitions, cuts, clogs, client confinement — and puts the link
// quality back to the run's baseline. Nodes stay as they are (restart/resume bring them back).
#include "harness/nemesis/fault.h"

namespace harness {
namespace {

struct NoArgs final : FaultArgs {
  std::string describe() const override { return ""; }
};

class Heal final : public Fault {
 public:
  std::string name() const override { return "heal"; }
  std::string syntax() const override { return "`heal`"; }
  std::string summary() const override {
    return "ends partitions, cuts and clogs; link quality back to the baseline `network:`";
  }
  std::shared_ptr<const FaultArgs> parse(const YamlValue&, const YamlValue* arg,
                                         const StepParser&) const override {
    parse_no_argument(name(), arg);
    return std::make_shared<NoArgs>();
  }
  common::Status apply(const ScheduledEvent&, FaultContext& ctx, std::vector<int>*) const override {
    ctx.heal_network();
    ctx.state().network_text.clear();
    return common::Status::ok();
  }
};

}  // namespace

const Fault& fault_heal() {
  static const Heal fault;
  return fault;
}

}  // namespace harness
