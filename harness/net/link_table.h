#pragma once
// LinkTable: the interposer's rules as a plain value: which links a partition cuts and the
// LinkRule of every (requester, node) link. No sockets, no threads: the Interposer keeps one under
// its mutex (written by control calls) and the proxy thread works on a copy. Validation of control
// input lives here so bad input is refused before anything changes.
#include <vector>

#include "common/status.h"
#include "harness/net/interposer.h"

namespace harness {

class LinkTable {
 public:
  explicit LinkTable(int num_nodes = 0);

  int num_nodes() const { return n_; }
  bool valid_src(int src) const { return src >= kClients && src < n_; }
  bool valid_dst(int dst) const { return dst >= 0 && dst < n_; }

  // True when a partition cuts the link between requester `src` (node or kClients) and node `dst`.
  bool partitioned(int src, int dst) const { return cut_[index(src, dst)]; }
  const LinkRule& rule(int src, int dst) const { return rules_[index(src, dst)]; }

  common::Status set_partition(const Partition& p);
  common::Status isolate(int node, bool from_clients);
  common::Status cut(const std::vector<std::pair<int, int>>& node_pairs);
  void heal();
  common::Status set_rule(int src, int dst, const LinkRule& rule);
  common::Status set_rule_all(const LinkRule& rule);
  common::Status set_rules(const LinkRule& rule, const std::vector<Link>& links);
  void clear_rules();

  // Dense index of link (src, dst) in [0, num_links()): (src + 1) * n + dst.
  int index(int src, int dst) const { return (src + 1) * n_ + dst; }
  int num_links() const { return (n_ + 1) * n_; }

  static common::Status validate(const LinkRule& rule);

 private:
  int n_;
  std::vector<bool> cut_;
  std::vector<LinkRule> rules_;
};

}  // namespace harness
