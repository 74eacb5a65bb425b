#include "harness/nemesis/fault.h"

#include <algorithm>

namespace harness {
namespace {

constexpr int64_t kLeaderWaitNs = 3'000'000'000;

int64_t ns(Micros d) { return std::chrono::nanoseconds(d).count(); }

sut::LinkFault link_fault(const NetworkRule& r) {
  sut::LinkFault out;
  out.drop_requests = r.drop_requests;
  out.drop_replies = r.drop_replies;
  out.delay_min_ns = ns(r.delay_min);
  out.delay_max_ns = ns(r.delay_max);
  out.reorder = r.reorder;
  return out;
}

std::vector<sut::Link> scope_links(const LinkScope& scope, int n) {
  std::vector<sut::Link> links;
  for (int src = sut::kClients; src < n; ++src) {
    for (int dst = 0; dst < n; ++dst) {
      if (src == dst) continue;
      bool in = false;
      switch (scope.kind) {
        case LinkScope::Kind::kAll: in = true; break;
        case LinkScope::Kind::kPeers: in = src != sut::kClients; break;
        case LinkScope::Kind::kClients: in = src == sut::kClients; break;
        case LinkScope::Kind::kNodes: {
          auto has = [&](int x) {
            return std::find(scope.nodes.begin(), scope.nodes.end(), x) != scope.nodes.end();
          };
          in = has(dst) || (src != sut::kClients && has(src));
          break;
        }
      }
      if (in) links.push_back(sut::Link{src, dst});
    }
  }
  return links;
}

}  // namespace

std::optional<int> FaultContext::leader() { return nodes_.leader(clock_.now_ns() + kLeaderWaitNs); }

void FaultContext::heal_network() {
  network_.heal();
  state_.sides.clear();
  state_.partition_text.clear();
  (void)apply_baseline();
}

common::Status FaultContext::apply_baseline() {
  network_.clear_link_faults();
  if (baseline_.is_reliable()) return common::Status::ok();
  return network_.set_link_faults(link_fault(baseline_), scope_links(baseline_.scope, num_nodes()));
}

common::Status FaultContext::set_network(const NetworkRule& rule) {
  if (rule.is_reliable()) return apply_baseline();
  return network_.set_link_faults(link_fault(rule), scope_links(rule.scope, num_nodes()));
}

common::Status Fault::undo(const ScheduledEvent&, FaultContext&, const std::vector<int>&,
                           std::vector<int>*) const {
  return common::Status::ok();
}

void parse_no_argument(const std::string& name, const YamlValue* arg) {
  if (!arg) return;
  if (!arg->is_scalar() || (arg->node().Scalar() != name && arg->node().Scalar() != "all")) {
    arg->fail("takes no argument");
  }
}

std::shared_ptr<const FaultArgs> parse_target(const std::string& name, const YamlValue& step,
                                              const YamlValue* arg, const StepParser& parser,
                                              const std::vector<std::string>& allowed) {
  if (!arg) step.fail("'" + name + "' needs an argument, e.g. {" + name + ": ...}");
  auto out = std::make_shared<TargetArgs>();
  out->target = parser.target(*arg, allowed);
  return out;
}

std::vector<int> minority(int n, int first, const std::vector<int>& order) {
  const size_t size = static_cast<size_t>(std::max(1, (n - 1) / 2));
  std::vector<int> out;
  if (first >= 0) out.push_back(first);
  for (int x : order) {
    if (out.size() >= size) break;
    if (x != first) out.push_back(x);
  }
  return out;
}

std::vector<int> complement(int n, const std::vector<int>& some) {
  std::vector<int> out;
  for (int x = 0; x < n; ++x) {
    if (std::find(some.begin(), some.end(), x) == some.end()) out.push_back(x);
  }
  return out;
}

std::vector<int> resolve_target(const NodeTarget& t, const ScheduledEvent& event, FaultContext& ctx,
                                const std::set<int>* all_of, common::Status* status) {
  const int n = ctx.num_nodes();
  switch (t.kind) {
    case NodeTarget::Kind::kNode: return {t.node};
    case NodeTarget::Kind::kRandom: return {event.random_node};
    case NodeTarget::Kind::kMinority: return minority(n, -1, event.order);
    case NodeTarget::Kind::kAll:
      if (all_of) return {all_of->begin(), all_of->end()};
      return complement(n, {});
    case NodeTarget::Kind::kDown: return {ctx.state().down.begin(), ctx.state().down.end()};
    case NodeTarget::Kind::kLeader: {
      auto leader = ctx.leader();
      if (!leader) {
        *status = common::Status::unavailable("no leader within 3 s");
        return {};
      }
      return {*leader};
    }
  }
  return {};
}

common::Status crash_targets(const ScheduledEvent& event, FaultContext& ctx, sut::Crash how,
                             std::vector<int>* nodes, bool tear) {
  common::Status status;
  const auto targets =
      resolve_target(event.action.fault.as<TargetArgs>()->target, event, ctx, nullptr, &status);
  if (!status) return status;
  for (int n : targets) {
    if (ctx.state().paused.erase(n)) (void)ctx.nodes().resume(n);
    if (auto s = tear ? ctx.nodes().kill_torn(n) : ctx.nodes().kill(n, how); !s) return s;
    ctx.state().down.insert(n);
    nodes->push_back(n);
  }
  return common::Status::ok();
}

common::Status start_crashed(FaultContext& ctx, const std::vector<int>& touched,
                             std::vector<int>* nodes) {
  for (int n : touched) {
    if (!ctx.state().down.count(n)) continue;
    if (auto s = ctx.nodes().start(n); !s) return s;
    ctx.state().down.erase(n);
    nodes->push_back(n);
  }
  return common::Status::ok();
}

common::Status resume_paused(FaultContext& ctx, const std::vector<int>& nodes_in, std::vector<int>* nodes) {
  for (int n : nodes_in) {
    if (!ctx.state().paused.count(n)) continue;
    if (auto s = ctx.nodes().resume(n); !s) return s;
    ctx.state().paused.erase(n);
    nodes->push_back(n);
  }
  return common::Status::ok();
}

}  // namespace harness
