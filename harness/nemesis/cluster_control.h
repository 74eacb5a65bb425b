#pragma once
// ClusterControl: the effects a nemesis can have on the cluster under test, in the scenario's
// vocabulary (sides of node indexes, node indexes, NetworkRule). LiveCluster implements it over the
// run's Interposer and ClusterProcesses; tests substitute a fake. Implementations must be
// thread-safe (the nemesis thread and the main thread both call them).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "harness/scenario/scenario.h"

namespace harness {

class Interposer;
class ClusterProcesses;

class ClusterControl {
 public:
  virtual ~ClusterControl() = default;
  virtual int num_nodes() const = 0;
  // Node `node`'s log file relative to the run directory, e.g. "logs/n1.log": processes, their
  // files and their own log lines are numbered by Raft id, which is not the scenario's index.
  virtual std::string node_log(int node) const = 0;
  // Nodes on different sides cannot talk; clients reach only `clients_side` (-1: every node).
  virtual common::Status set_partition(const std::vector<std::vector<int>>& sides,
                                       int clients_side) = 0;
  // Cuts exactly these node pairs (both directions): bridge and ring partitions.
  virtual common::Status cut_links(const std::vector<std::pair<int, int>>& pairs) = 0;
  // Removes every partition and cut; link quality goes back to the run's baseline rule.
  virtual void heal() = 0;
  // Link quality on the rule's scope; a reliable rule restores the baseline.
  virtual common::Status set_network(const NetworkRule& rule) = 0;
  virtual common::Status kill(int node) = 0;
  virtual common::Status start(int node) = 0;
  virtual common::Status pause(int node) = 0;
  virtual common::Status resume(int node) = 0;
  // The current leader, waiting until `wait` passes for one to emerge.
  virtual std::optional<int> leader(Micros wait) = 0;
};

// LiveCluster: ClusterControl over the real Interposer and ClusterProcesses (both outlive it).
class LiveCluster final : public ClusterControl {
 public:
  LiveCluster(Interposer& net, ClusterProcesses& procs, NetworkRule baseline);
  int num_nodes() const override;
  std::string node_log(int node) const override;
  common::Status set_partition(const std::vector<std::vector<int>>& sides, int clients_side) override;
  common::Status cut_links(const std::vector<std::pair<int, int>>& pairs) override;
  void heal() override;
  common::Status set_network(const NetworkRule& rule) override;
  common::Status kill(int node) override;
  common::Status start(int node) override;
  common::Status pause(int node) override;
  common::Status resume(int node) override;
  std::optional<int> leader(Micros wait) override;
  // Applies the baseline rule (call once after the interposer started).
  common::Status apply_baseline();

 private:
  common::Status apply_rule(const NetworkRule& rule);
  Interposer& net_;
  ClusterProcesses& procs_;
  NetworkRule baseline_;
};

}  // namespace harness
