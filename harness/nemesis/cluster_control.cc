#include "harness/nemesis/cluster_control.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>

#include "harness/net/interposer.h"
#include "harness/process/cluster_processes.h"

namespace harness {
namespace {

int to_ms(Micros d) { return static_cast<int>(d.count() / 1000); }

LinkRule link_rule(const NetworkRule& r) {
  LinkRule out;
  out.drop_request = r.drop_requests;
  out.drop_reply = r.drop_replies;
  out.delay_min_ms = to_ms(r.delay_min);
  out.delay_max_ms = to_ms(r.delay_max);
  // The interposer reorders through delay ranges; reordering without a delay gets a small one.
  if (r.reorder && out.delay_max_ms == out.delay_min_ms) out.delay_max_ms = out.delay_min_ms + 10;
  return out;
}

std::vector<Link> scope_links(const LinkScope& scope, int n) {
  std::vector<Link> links;
  for (int src = kClients; src < n; ++src) {
    for (int dst = 0; dst < n; ++dst) {
      if (src == dst) continue;
      bool in = false;
      switch (scope.kind) {
        case LinkScope::Kind::kAll: in = true; break;
        case LinkScope::Kind::kPeers: in = src != kClients; break;
        case LinkScope::Kind::kClients: in = src == kClients; break;
        case LinkScope::Kind::kNodes: {
          auto has = [&](int x) {
            return std::find(scope.nodes.begin(), scope.nodes.end(), x) != scope.nodes.end();
          };
          in = has(dst) || (src != kClients && has(src));
          break;
        }
      }
      if (in) links.push_back(Link{src, dst});
    }
  }
  return links;
}

}  // namespace

LiveCluster::LiveCluster(Interposer& net, ClusterProcesses& procs, NetworkRule baseline)
    : net_(net), procs_(procs), baseline_(std::move(baseline)) {}

int LiveCluster::num_nodes() const { return procs_.num_nodes(); }

std::string LiveCluster::node_log(int node) const {
  return "logs/" + std::filesystem::path(procs_.log_path(node)).filename().string();
}

common::Status LiveCluster::set_partition(const std::vector<std::vector<int>>& sides,
                                          int clients_side) {
  Partition p;
  for (const auto& side : sides) p.sides.emplace_back(side.begin(), side.end());
  if (clients_side >= 0) p.client_sides.insert(clients_side);
  return net_.set_partition(p);
}

common::Status LiveCluster::cut_links(const std::vector<std::pair<int, int>>& pairs) {
  LinkRule cut;
  cut.drop_request = 1.0;
  cut.drop_reply = 1.0;
  for (const auto& [a, b] : pairs) {
    if (auto s = net_.set_rule(a, b, cut); !s) return s;
    if (auto s = net_.set_rule(b, a, cut); !s) return s;
  }
  return common::Status::ok();
}

void LiveCluster::heal() {
  net_.heal();
  (void)apply_baseline();
}

common::Status LiveCluster::apply_rule(const NetworkRule& rule) {
  return net_.set_unreliable(link_rule(rule), scope_links(rule.scope, num_nodes()));
}

common::Status LiveCluster::apply_baseline() {
  net_.clear_unreliable();
  if (baseline_.is_reliable()) return common::Status::ok();
  return apply_rule(baseline_);
}

common::Status LiveCluster::set_network(const NetworkRule& rule) {
  if (rule.is_reliable()) return apply_baseline();
  return apply_rule(rule);
}

common::Status LiveCluster::kill(int node) { return procs_.kill(node); }
common::Status LiveCluster::start(int node) {
  if (procs_.alive(node)) return common::Status::ok();
  return procs_.start(node);
}
common::Status LiveCluster::pause(int node) { return procs_.pause(node); }
common::Status LiveCluster::resume(int node) {
  if (!procs_.paused(node)) return common::Status::ok();
  return procs_.resume(node);
}

std::optional<int> LiveCluster::leader(Micros wait) {
  auto r = procs_.wait_for_leader(std::chrono::steady_clock::now() + wait);
  if (!r) return std::nullopt;
  return *r;
}

}  // namespace harness
