#include "sim/seam_control.h"

#include <algorithm>

namespace sim {

namespace sut = harness::sut;

sut::LinkFault link_fault(const harness::NetworkRule& r) {
  sut::LinkFault f;
  f.drop_requests = r.drop_requests;
  f.drop_replies = r.drop_replies;
  f.delay_min_ns = r.delay_min.count() * 1000;
  f.delay_max_ns = r.delay_max.count() * 1000;
  f.reorder = r.reorder;
  return f;
}

std::vector<sut::Link> scope_links(const harness::LinkScope& scope, int n) {
  std::vector<sut::Link> links;
  auto has = [&](int x) { return std::find(scope.nodes.begin(), scope.nodes.end(), x) != scope.nodes.end(); };
  for (int src = sut::kClients; src < n; ++src) {
    for (int dst = 0; dst < n; ++dst) {
      if (src == dst) continue;
      bool in = false;
      switch (scope.kind) {
        case harness::LinkScope::Kind::kAll: in = true; break;
        case harness::LinkScope::Kind::kPeers: in = src != sut::kClients; break;
        case harness::LinkScope::Kind::kClients: in = src == sut::kClients; break;
        case harness::LinkScope::Kind::kNodes: in = has(dst) || (src != sut::kClients && has(src)); break;
      }
      if (in) links.push_back({src, dst});
    }
  }
  return links;
}

SeamControl::SeamControl(sut::System& system, harness::NetworkRule baseline, double power_loss, common::Rng rng)
    : system_(system), nodes_(system.nodes()), net_(system.network()), baseline_(std::move(baseline)),
      power_loss_(power_loss), rng_(rng) {}

common::Status SeamControl::set_partition(const std::vector<std::vector<int>>& sides, int clients_side) {
  return net_.partition(sides, clients_side);
}

common::Status SeamControl::cut_links(const std::vector<std::pair<int, int>>& pairs) {
  std::vector<sut::Link> links;
  for (const auto& [a, b] : pairs) {
    links.push_back({a, b});
    links.push_back({b, a});
  }
  return net_.cut(links);
}

void SeamControl::heal() {
  net_.heal();
  net_.clear_link_faults();
  (void)apply_baseline();
}

common::Status SeamControl::apply_rule(const harness::NetworkRule& rule) {
  return net_.set_link_faults(link_fault(rule), scope_links(rule.scope, nodes_.count()));
}

common::Status SeamControl::apply_baseline() {
  if (baseline_.is_reliable()) return common::Status::ok();
  return apply_rule(baseline_);
}

common::Status SeamControl::set_network(const harness::NetworkRule& rule) {
  if (rule.is_reliable()) {
    net_.clear_link_faults();
    return apply_baseline();
  }
  return apply_rule(rule);
}

common::Status SeamControl::kill(int node) {
  const bool power = power_loss_ > 0 && rng_.chance(power_loss_);
  if (power) ++power_losses_;
  return nodes_.kill(node, power ? sut::Crash::kPowerLoss : sut::Crash::kProcess);
}

common::Status SeamControl::start(int node) { return nodes_.start(node); }
common::Status SeamControl::pause(int node) { return nodes_.pause(node); }
common::Status SeamControl::resume(int node) { return nodes_.resume(node); }

std::optional<int> SeamControl::leader(harness::Micros wait) {
  return nodes_.leader(system_.clock().now_ns() + wait.count() * 1000);
}

}  // namespace sim
