#include "harness/net/link_table.h"

#include <string>

namespace harness {

namespace {
constexpr int kMaxDelayMs = 60000;
}

LinkRule reference_unreliable_rule() {
  LinkRule r;
  r.drop_request = 0.1;
  r.drop_reply = 0.1;
  r.delay_min_ms = 0;
  r.delay_max_ms = 26;
  return r;
}

LinkTable::LinkTable(int num_nodes)
    : n_(num_nodes),
      cut_(static_cast<size_t>((num_nodes + 1) * num_nodes), false),
      rules_(static_cast<size_t>((num_nodes + 1) * num_nodes)) {}

common::Status LinkTable::validate(const LinkRule& r) {
  auto prob_ok = [](double p) { return p >= 0.0 && p <= 1.0; };
  if (!prob_ok(r.drop_request)) {
    return common::Status::invalid_argument("link rule: drop_request " +
                                            std::to_string(r.drop_request) + " not in [0, 1]");
  }
  if (!prob_ok(r.drop_reply)) {
    return common::Status::invalid_argument("link rule: drop_reply " +
                                            std::to_string(r.drop_reply) + " not in [0, 1]");
  }
  if (r.delay_min_ms < 0 || r.delay_max_ms < r.delay_min_ms || r.delay_max_ms > kMaxDelayMs) {
    return common::Status::invalid_argument(
        "link rule: delay range [" + std::to_string(r.delay_min_ms) + ", " +
        std::to_string(r.delay_max_ms) +
        "] ms must satisfy 0 <= min <= max <= " + std::to_string(kMaxDelayMs));
  }
  return common::Status::ok();
}

common::Status LinkTable::set_partition(const Partition& p) {
  std::vector<int> side_of(static_cast<size_t>(n_), -1);
  for (size_t s = 0; s < p.sides.size(); ++s) {
    for (int node : p.sides[s]) {
      if (!valid_dst(node)) {
        return common::Status::invalid_argument("partition: side " + std::to_string(s) +
                                                " names node " + std::to_string(node) +
                                                ", out of range [0, " + std::to_string(n_) + ")");
      }
      if (side_of[node] != -1) {
        return common::Status::invalid_argument("partition: node " + std::to_string(node) +
                                                " is on sides " + std::to_string(side_of[node]) +
                                                " and " + std::to_string(s));
      }
      side_of[node] = static_cast<int>(s);
    }
  }
  for (int s : p.client_sides) {
    if (s < 0 || s >= static_cast<int>(p.sides.size())) {
      return common::Status::invalid_argument("partition: client side " + std::to_string(s) +
                                              " out of range [0, " +
                                              std::to_string(p.sides.size()) + ")");
    }
  }
  // A node on no side is alone: give it a side number no other node has.
  int next_side = static_cast<int>(p.sides.size());
  for (int& s : side_of) {
    if (s == -1) s = next_side++;
  }
  for (int a = 0; a < n_; ++a) {
    for (int b = 0; b < n_; ++b) cut_[index(a, b)] = side_of[a] != side_of[b];
  }
  for (int b = 0; b < n_; ++b) {
    cut_[index(kClients, b)] = !p.client_sides.empty() && p.client_sides.count(side_of[b]) == 0;
  }
  return common::Status::ok();
}

common::Status LinkTable::isolate(int node, bool from_clients) {
  if (!valid_dst(node)) {
    return common::Status::invalid_argument("isolate: node " + std::to_string(node) +
                                            " out of range [0, " + std::to_string(n_) + ")");
  }
  Partition p;
  p.sides.push_back({node});
  std::set<int> rest;
  for (int i = 0; i < n_; ++i) {
    if (i != node) rest.insert(i);
  }
  p.sides.push_back(rest);
  if (from_clients) p.client_sides = {1};
  return set_partition(p);
}

common::Status LinkTable::cut(const std::vector<std::pair<int, int>>& node_pairs) {
  for (const auto& [a, b] : node_pairs) {
    if (!valid_dst(a) || !valid_dst(b)) {
      return common::Status::invalid_argument("cut: node pair (" + std::to_string(a) + ", " +
                                              std::to_string(b) + ") out of range [0, " +
                                              std::to_string(n_) + ")");
    }
  }
  for (const auto& [a, b] : node_pairs) {
    cut_[index(a, b)] = true;
    cut_[index(b, a)] = true;
  }
  return common::Status::ok();
}

common::Status LinkTable::cut_one_way(const std::vector<Link>& links) {
  for (const auto& l : links) {
    if (!valid_dst(l.src) || !valid_dst(l.dst) || l.src == l.dst) {
      return common::Status::invalid_argument("cut: link (" + std::to_string(l.src) + " -> " +
                                              std::to_string(l.dst) + ") is not a link between two "
                                              "nodes in [0, " + std::to_string(n_) + ")");
    }
  }
  for (const auto& l : links) cut_[index(l.src, l.dst)] = true;
  return common::Status::ok();
}

common::Status LinkTable::confine_client(const std::string& sender, const std::set<int>& nodes) {
  std::vector<bool> reach(static_cast<size_t>(n_), false);
  for (int node : nodes) {
    if (!valid_dst(node)) {
      return common::Status::invalid_argument("confine client '" + sender + "': node " +
                                              std::to_string(node) + " out of range [0, " +
                                              std::to_string(n_) + ")");
    }
    reach[static_cast<size_t>(node)] = true;
  }
  confined_[sender] = std::move(reach);
  return common::Status::ok();
}

void LinkTable::release_client(const std::string& sender) { confined_.erase(sender); }

void LinkTable::heal() {
  heal_partition();
  confined_.clear();
}

void LinkTable::heal_partition() { cut_.assign(cut_.size(), false); }

common::Status LinkTable::set_rule(int src, int dst, const LinkRule& rule) {
  if (!valid_src(src) || !valid_dst(dst)) {
    return common::Status::invalid_argument("link (" + std::to_string(src) + ", " +
                                            std::to_string(dst) + ") out of range for " +
                                            std::to_string(n_) + " nodes (src -1 = clients)");
  }
  if (auto st = validate(rule); !st) return st;
  rules_[index(src, dst)] = rule;
  return common::Status::ok();
}

common::Status LinkTable::set_rule_all(const LinkRule& rule) {
  if (auto st = validate(rule); !st) return st;
  rules_.assign(rules_.size(), rule);
  return common::Status::ok();
}

common::Status LinkTable::set_rules(const LinkRule& rule, const std::vector<Link>& links) {
  if (auto st = validate(rule); !st) return st;
  for (const Link& l : links) {
    if (!valid_src(l.src) || !valid_dst(l.dst)) {
      return common::Status::invalid_argument("link (" + std::to_string(l.src) + ", " +
                                              std::to_string(l.dst) + ") out of range for " +
                                              std::to_string(n_) + " nodes (src -1 = clients)");
    }
  }
  for (const Link& l : links) rules_[index(l.src, l.dst)] = rule;
  return common::Status::ok();
}

void LinkTable::clear_rules() { rules_.assign(rules_.size(), LinkRule{}); }

}  // namespace harness
