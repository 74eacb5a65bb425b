#pragma once
// SeamControl: the nemesis's ClusterControl (harness/nemesis/cluster_control.h) over the seam's
// Nodes and Network, so the harness's own FaultInjector — the same target resolution, partition
// shapes and nemesis.jsonl lines as `faultline run` — drives the simulated cluster. Network rules
// become LinkFaults on the rule's scope; a reliable rule, and heal(), restore the baseline.
// `power_loss` (swarm testing) turns a fraction of kills into power losses.
// Owned by the scenario run; single thread.
#include "common/random.h"
#include "harness/nemesis/cluster_control.h"
#include "harness/sut/system.h"

namespace harness::sut {
struct LinkFault;
}

namespace sim {

class SeamControl final : public harness::ClusterControl {
 public:
  SeamControl(harness::sut::System& system, harness::NetworkRule baseline, double power_loss,
              common::Rng rng);
  int num_nodes() const override { return nodes_.count(); }
  std::string node_log(int node) const override { return nodes_.log_file(node); }
  common::Status set_partition(const std::vector<std::vector<int>>& sides, int clients_side) override;
  common::Status cut_links(const std::vector<std::pair<int, int>>& pairs) override;
  void heal() override;
  common::Status set_network(const harness::NetworkRule& rule) override;
  common::Status kill(int node) override;
  common::Status start(int node) override;
  common::Status pause(int node) override;
  common::Status resume(int node) override;
  std::optional<int> leader(harness::Micros wait) override;
  // Applies the baseline rule to its scope.
  common::Status apply_baseline();
  uint64_t power_losses() const { return power_losses_; }

 private:
  common::Status apply_rule(const harness::NetworkRule& rule);

  harness::sut::System& system_;
  harness::sut::Nodes& nodes_;
  harness::sut::Network& net_;
  harness::NetworkRule baseline_;
  double power_loss_;
  common::Rng rng_;
  uint64_t power_losses_ = 0;
};

// The seam's LinkFault of a scenario's network rule, and the links of its scope.
harness::sut::LinkFault link_fault(const harness::NetworkRule& rule);
std::vector<harness::sut::Link> scope_links(const harness::LinkScope& scope, int nodes);

}  // namespace sim
