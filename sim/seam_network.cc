#include "sim/seam_network.h"

namespace sim {

common::Status SeamNetwork::check_node(int n, const char* what) const {
  if (n < 0 || n >= nodes_) {
    return common::Status::invalid_argument(std::string(what) + ": node " + std::to_string(n) +
                                            " out of range (the cluster has " +
                                            std::to_string(nodes_) + " nodes)");
  }
  return common::Status::ok();
}

common::Status SeamNetwork::partition(const std::vector<std::vector<int>>& sides, int clients_side) {
  for (const auto& side : sides) {
    for (int n : side) {
      if (auto s = check_node(n, "partition"); !s) return s;
    }
  }
  if (clients_side >= static_cast<int>(sides.size()))
    return common::Status::invalid_argument("partition: clients_side " + std::to_string(clients_side) +
                                            " but only " + std::to_string(sides.size()) + " sides");
  heal();
  net_.set_partition(sides);
  if (clients_side >= 0) {
    const auto& side = sides[static_cast<size_t>(clients_side)];
    net_.set_client_reach(std::set<int>(side.begin(), side.end()));
  }
  return common::Status::ok();
}

common::Status SeamNetwork::cut(const std::vector<harness::sut::Link>& links) {
  for (const auto& l : links) {
    if (l.src == harness::sut::kClients) return common::Status::invalid_argument("cut: node-to-node links only");
    if (auto s = check_node(l.src, "cut"); !s) return s;
    if (auto s = check_node(l.dst, "cut"); !s) return s;
  }
  for (const auto& l : links) net_.clog(l.src, l.dst);
  return common::Status::ok();
}

common::Status SeamNetwork::confine_client(const std::string& client, const std::set<int>& nodes) {
  for (int n : nodes) {
    if (auto s = check_node(n, "confine_client"); !s) return s;
  }
  confinements_[client] = nodes;
  if (auto it = clients_.find(client); it != clients_.end()) net_.confine_client(it->second, nodes);
  return common::Status::ok();
}

void SeamNetwork::release_client(const std::string& client) {
  confinements_.erase(client);
  if (auto it = clients_.find(client); it != clients_.end()) net_.release_client(it->second);
}

void SeamNetwork::heal() {
  net_.heal();
  for (const auto& [name, index] : clients_) net_.release_client(index);
  confinements_.clear();
}

LinkQuality SeamNetwork::quality_for(const harness::sut::LinkFault& fault) const {
  LinkQuality q = net_.baseline();
  q.latency.min += fault.delay_min_ns;
  q.latency.max += fault.delay_max_ns;
  q.drop_requests = fault.drop_requests;
  q.drop_replies = fault.drop_replies;
  q.reorder = q.reorder || fault.reorder;
  return q;
}

common::Status SeamNetwork::set_link_faults(const harness::sut::LinkFault& fault,
                                            const std::vector<harness::sut::Link>& links) {
  if (fault.drop_requests < 0 || fault.drop_requests > 1 || fault.drop_replies < 0 || fault.drop_replies > 1 ||
      fault.delay_min_ns < 0 || fault.delay_max_ns < fault.delay_min_ns)
    return common::Status::invalid_argument("set_link_faults: probabilities in [0, 1] and 0 <= delay_min <= delay_max");
  for (const auto& l : links) {
    if (l.src != harness::sut::kClients) {
      if (auto s = check_node(l.src, "set_link_faults"); !s) return s;
    }
    if (auto s = check_node(l.dst, "set_link_faults"); !s) return s;
  }
  const LinkQuality q = quality_for(fault);
  for (const auto& l : links) net_.set_link(l.src == harness::sut::kClients ? kAnyClient : l.src, l.dst, q);
  return common::Status::ok();
}

void SeamNetwork::clear_link_faults() { net_.clear_quality(); }

harness::sut::NetworkCounters SeamNetwork::counters() const {
  harness::sut::NetworkCounters c;
  c.messages = net_.counters().sent;
  c.dropped = net_.counters().dropped();
  return c;
}

void SeamNetwork::register_client(const std::string& name, int index) {
  clients_[name] = index;
  if (auto it = confinements_.find(name); it != confinements_.end()) net_.confine_client(index, it->second);
}

}  // namespace sim
