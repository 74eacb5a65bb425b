// partition: replaces the partition. Shapes: random_halves, leader_minority, isolate_leader,
// isolate (a node), bridge, ring, sets; `clients:` confines every client to one side.
#include <algorithm>
#include <sstream>

#include "harness/nemesis/fault.h"

namespace harness {
namespace {

struct PartitionArgs final : FaultArgs {
  enum class Kind { kRandomHalves, kLeaderMinority, kIsolateLeader, kIsolateNode, kBridge, kRing, kSets };
  Kind kind = Kind::kRandomHalves;
  int node = 0;                        // kIsolateNode
  std::vector<std::vector<int>> sets;  // kSets
  // -1: clients keep reaching every node (the reference's partitioner); otherwise clients may reach
  // only the nodes of this side (side 0 is the majority, side 1 the minority for
  // leader_minority/isolate_*).
  int clients_side = -1;
  std::string describe() const override;
};

const std::vector<std::pair<std::string, PartitionArgs::Kind>> kKinds = {
    {"random_halves", PartitionArgs::Kind::kRandomHalves},
    {"leader_minority", PartitionArgs::Kind::kLeaderMinority},
    {"isolate_leader", PartitionArgs::Kind::kIsolateLeader},
    {"isolate", PartitionArgs::Kind::kIsolateNode},
    {"bridge", PartitionArgs::Kind::kBridge},
    {"ring", PartitionArgs::Kind::kRing},
    {"sets", PartitionArgs::Kind::kSets}};

std::string PartitionArgs::describe() const {
  std::string out;
  for (const auto& [name, k] : kKinds) {
    if (k == kind) out = name;
  }
  // Appends only (GCC 12 warns falsely on "literal" + std::string).
  if (kind == Kind::kIsolateNode) {
    out += ' ';
    out += node_name(node);
  }
  if (kind == Kind::kSets) {
    for (const auto& s : sets) {
      out += ' ';
      out += node_set(s);
    }
  }
  if (clients_side >= 0) {
    out += ", clients on side ";
    out += std::to_string(clients_side);
  }
  return out;
}

std::string sides_text(const std::vector<std::vector<int>>& sides) {
  std::ostringstream out;
  for (size_t s = 0; s < sides.size(); ++s) {
    out << (s ? "|" : "") << "{";
    for (size_t k = 0; k < sides[s].size(); ++k) out << (k ? "," : "") << sides[s][k];
    out << "}";
  }
  return out.str();
}

class Partition final : public Fault {
 public:
  std::string name() const override { return "partition"; }
  std::string syntax() const override {
    return "`partition: random_halves \\| leader_minority \\| isolate_leader \\| bridge \\| ring` or "
           "`{kind: isolate, node: N}`, `{kind: sets, sets: [[0, 1], [2, 3, 4]]}`; `clients: SIDE`";
  }
  std::string summary() const override { return "replaces the partition (shapes below)"; }
  bool undoable() const override { return true; }
  bool lists_nodes() const override { return false; }
  bool draws_sides(const FaultArgs& args) const override {
    const auto* p = dynamic_cast<const PartitionArgs*>(&args);
    return p && p->kind == PartitionArgs::Kind::kRandomHalves;
  }

  std::shared_ptr<const FaultArgs> parse(const YamlValue& step, const YamlValue* arg,
                                         const StepParser& parser) const override {
    if (!arg) step.fail("'partition' needs an argument, e.g. {partition: ...}");
    const YamlValue& value = *arg;
    const int nodes = parser.nodes();
    auto p = std::make_shared<PartitionArgs>();
    std::vector<std::string> names;
    for (const auto& [n, k] : kKinds) names.push_back(n);
    YamlValue kind_value = value;
    std::optional<MapReader> reader;
    if (value.is_map()) {
      reader.emplace(value);
      kind_value = reader->get("kind");
    }
    const std::string kind = kind_value.as_choice(names);
    for (const auto& [n, k] : kKinds) {
      if (n == kind) p->kind = k;
    }
    using Kind = PartitionArgs::Kind;
    if (nodes < 2) value.fail("a partition needs at least 2 nodes");
    if ((p->kind == Kind::kBridge || p->kind == Kind::kRing) && nodes < 3) {
      value.fail(kind + " needs at least 3 nodes");
    }
    if (p->kind == Kind::kIsolateNode) {
      if (!reader) value.fail("isolate needs a node: {kind: isolate, node: N}");
      p->node = parser.node_index(reader->get("node"));
    }
    if (p->kind == Kind::kSets) {
      if (!reader) value.fail("sets needs the sets: {kind: sets, sets: [[0, 1], [2, 3, 4]]}");
      YamlValue sets = reader->get("sets");
      std::set<int> seen;
      for (const auto& side : sets.items()) {
        std::vector<int> members;
        for (const auto& n : side.items()) {
          const int idx = parser.node_index(n);
          if (!seen.insert(idx).second) n.fail("node " + std::to_string(idx) + " is in two sets");
          members.push_back(idx);
        }
        if (members.empty()) side.fail("a set must not be empty");
        p->sets.push_back(members);
      }
      if (static_cast<int>(seen.size()) != nodes) {
        sets.fail("the sets must cover every node 0.." + std::to_string(nodes - 1) + " exactly once");
      }
    }
    if (reader) {
      YamlValue c = value;
      if (reader->maybe("clients", &c)) {
        p->clients_side = parse_side(c);
        const int sides = p->kind == Kind::kSets ? static_cast<int>(p->sets.size()) : 2;
        if (p->kind == Kind::kBridge || p->kind == Kind::kRing) {
          if (p->clients_side >= 0) c.fail(kind + " has no sides to confine clients to");
        }
        if (p->clients_side >= sides) c.fail("side " + std::to_string(p->clients_side) + " does not exist");
      }
      reader->finish();
    }
    return p;
  }

  common::Status apply(const ScheduledEvent& event, FaultContext& ctx,
                       std::vector<int>* nodes) const override {
    using Kind = PartitionArgs::Kind;
    const int n = ctx.num_nodes();
    const PartitionArgs& p = *event.action.fault.as<PartitionArgs>();
    std::vector<std::vector<int>> sides;
    std::vector<sut::Link> cuts;
    auto cut_both = [&](int a, int b) {
      cuts.push_back(sut::Link{a, b});
      cuts.push_back(sut::Link{b, a});
    };
    switch (p.kind) {
      case Kind::kRandomHalves: sides = event.sides; break;
      case Kind::kSets: sides = p.sets; break;
      case Kind::kIsolateNode: sides = {complement(n, {p.node}), {p.node}}; break;
      case Kind::kLeaderMinority:
      case Kind::kIsolateLeader: {
        auto leader = ctx.leader();
        if (!leader) return common::Status::unavailable("no leader within 3 s to partition");
        std::vector<int> minor = p.kind == Kind::kIsolateLeader ? std::vector<int>{*leader}
                                                                : minority(n, *leader, event.order);
        sides = {complement(n, minor), minor};
        break;
      }
      case Kind::kBridge: {
        // Two halves that cannot talk, joined by one bridge node that talks to both.
        const int bridge = event.order[0];
        std::vector<int> rest(event.order.begin() + 1, event.order.end());
        const size_t half = rest.size() / 2;
        for (size_t a = 0; a < half; ++a) {
          for (size_t b = half; b < rest.size(); ++b) cut_both(rest[a], rest[b]);
        }
        nodes->push_back(bridge);
        break;
      }
      case Kind::kRing: {
        // Nodes in the drawn order on a ring; each talks only to its two neighbours.
        auto pos = [&](int x) {
          return static_cast<int>(std::find(event.order.begin(), event.order.end(), x) - event.order.begin());
        };
        for (int a = 0; a < n; ++a) {
          for (int b = a + 1; b < n; ++b) {
            const int d = std::abs(pos(a) - pos(b));
            if (d != 1 && d != n - 1) cut_both(a, b);
          }
        }
        nodes->assign(event.order.begin(), event.order.end());
        break;
      }
    }
    NemesisState& state = ctx.state();
    ctx.heal_network();
    if (!cuts.empty()) {
      if (auto s = ctx.network().cut(cuts); !s) return s;
      state.partition_text = p.describe();
      state.partition_text += " (";
      state.partition_text += std::to_string(cuts.size() / 2);
      state.partition_text += " links cut)";
      return common::Status::ok();
    }
    if (auto s = ctx.network().partition(sides, p.clients_side); !s) return s;
    state.sides = sides;
    state.partition_text = sides_text(sides);
    if (p.clients_side >= 0) {
      state.partition_text += " clients on side ";
      state.partition_text += std::to_string(p.clients_side);
    }
    for (const auto& side : sides) nodes->insert(nodes->end(), side.begin(), side.end());
    return common::Status::ok();
  }

  common::Status undo(const ScheduledEvent&, FaultContext& ctx, const std::vector<int>&,
                      std::vector<int>*) const override {
    ctx.heal_network();
    return common::Status::ok();
  }
};

}  // namespace

const Fault& fault_partition() {
  static const Partition fault;
  return fault;
}

}  // namespace harness
