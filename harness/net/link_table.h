#pragma once
// LinkTable: the interposer's rules as a plain value: which links a partition cuts and the
// LinkRule of every (requester, node) link. No sockets, no threads: the Interposer keeps one under
// its mutex (written by control calls) and the proxy thread works on a copy. Validation of control
// input lives here so bad input is refused before anything changes.
#include <map>
#include <set>
#include <string>
#include <string_view>
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
  // True when client `sender` is confined away from node `dst`. Cheap when nobody is confined.
  bool client_blocked(std::string_view sender, int dst) const {
    if (confined_.empty()) return false;
    auto it = confined_.find(sender);
    return it != confined_.end() && !it->second[static_cast<size_t>(dst)];
  }

  common::Status set_partition(const Partition& p);
  common::Status isolate(int node, bool from_clients);
  common::Status cut(const std::vector<std::pair<int, int>>& node_pairs);
  common::Status cut_one_way(const std::vector<Link>& links);
  common::Status confine_client(const std::string& sender, const std::set<int>& nodes);
  void release_client(const std::string& sender);
  void heal();
  void heal_partition();  // the partition and cuts only; confinements stay
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
  // sender frame -> which nodes that client may reach (indexed by node)
  std::map<std::string, std::vector<bool>, std::less<>> confined_;
};

}  // namespace harness
