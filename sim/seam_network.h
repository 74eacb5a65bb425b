#pragma once
// SeamNetwork: the seam's Network (harness/sut/network.h) over the SimNetwork: partitions with a
// clients' side, one-way cuts (clogs), client confinement by client name, per-link faults on top
// of the simulated baseline latency, and counters. Clients register their names when they are
// made, so a confinement may name a client before or after it exists.
// Owned by the SimSystem; single thread (the seam's thread-safety is trivially met).
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness/sut/network.h"
#include "sim/network.h"

namespace sim {

class SeamNetwork final : public harness::sut::Network {
 public:
  SeamNetwork(SimNetwork& net, int nodes) : net_(net), nodes_(nodes) {}

  common::Status partition(const std::vector<std::vector<int>>& sides, int clients_side) override;
  common::Status cut(const std::vector<harness::sut::Link>& links) override;
  common::Status confine_client(const std::string& client, const std::set<int>& nodes) override;
  void release_client(const std::string& client) override;
  void heal() override;
  common::Status set_link_faults(const harness::sut::LinkFault& fault,
                                 const std::vector<harness::sut::Link>& links) override;
  void clear_link_faults() override;
  harness::sut::NetworkCounters counters() const override;

  // A client named `name` now sends from client_endpoint(index).
  void register_client(const std::string& name, int index);
  // The LinkQuality a fault gives on top of the simulation's baseline latency.
  LinkQuality quality_for(const harness::sut::LinkFault& fault) const;

 private:
  common::Status check_node(int n, const char* what) const;

  SimNetwork& net_;
  int nodes_;
  std::map<std::string, int> clients_;                 // name -> client index
  std::map<std::string, std::set<int>> confinements_;  // by name
};

}  // namespace sim
