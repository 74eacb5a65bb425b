// clog: a one-way partition. Messages from the `from` nodes to the `to` nodes are lost; messages
// the other way still arrive (a node that can hear but not be heard, or the reverse). It adds to
// the partition in force; `heal` (or its undo) ends it.
#include "harness/nemesis/fault.h"

namespace harness {
namespace {

struct ClogArgs final : FaultArgs {
  std::vector<int> from;
  std::vector<int> to;
  std::string describe() const override {
    std::string out = node_set(from);
    out += "->";
    out += node_set(to);
    return out;
  }
};

std::vector<int> node_list(const YamlValue& value, const StepParser& parser) {
  std::vector<int> out;
  if (value.is_sequence()) {
    for (const auto& n : value.items()) out.push_back(parser.node_index(n));
    if (out.empty()) value.fail("name at least one node");
  } else {
    out.push_back(parser.node_index(value));
  }
  return out;
}

class Clog final : public Fault {
 public:
  std::string name() const override { return "clog"; }
  std::string syntax() const override { return "`clog: {from: N \\| [N...], to: N \\| [N...]}`"; }
  std::string summary() const override {
    return "one-way partition: messages from `from` to `to` are lost, the other way flows";
  }
  bool undoable() const override { return true; }
  bool lists_nodes() const override { return false; }

  std::shared_ptr<const FaultArgs> parse(const YamlValue& step, const YamlValue* arg,
                                         const StepParser& parser) const override {
    if (!arg) step.fail("'clog' needs an argument, e.g. {clog: {from: 0, to: 1}}");
    MapReader m(*arg);
    auto out = std::make_shared<ClogArgs>();
    out->from = node_list(m.get("from"), parser);
    const YamlValue to = m.get("to");
    out->to = node_list(to, parser);
    m.finish();
    for (int a : out->from) {
      for (int b : out->to) {
        if (a == b) to.fail("node " + std::to_string(a) + " is on both ends of the clog");
      }
    }
    return out;
  }

  common::Status apply(const ScheduledEvent& event, FaultContext& ctx,
                       std::vector<int>* nodes) const override {
    const ClogArgs& args = *event.action.fault.as<ClogArgs>();
    std::vector<sut::Link> links;
    for (int a : args.from) {
      for (int b : args.to) links.push_back(sut::Link{a, b});
    }
    if (auto s = ctx.network().cut(links); !s) return s;
    std::string& text = ctx.state().partition_text;
    text += text.empty() ? "clog " : "; clog ";
    text += args.describe();
    nodes->insert(nodes->end(), args.from.begin(), args.from.end());
    nodes->insert(nodes->end(), args.to.begin(), args.to.end());
    return common::Status::ok();
  }

  common::Status undo(const ScheduledEvent&, FaultContext& ctx, const std::vector<int>&,
                      std::vector<int>*) const override {
    ctx.heal_network();
    return common::Status::ok();
  }
};

}  // namespace

const Fault& fault_clog() {
  static const Clog fault;
  return fault;
}

}  // namespace harness
