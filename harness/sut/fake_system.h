#pragma once
// Test doubles of the seam: FakeClock (manual time, tasks run to completion at spawn), FakeNodes
// and FakeNetwork (record what was asked; the leader is set by the test). For unit tests of code
// above the seam (faults, workloads) that need no cluster. Single-threaded; header-only.
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/sut/system.h"

namespace harness::sut {

class FakeClock final : public RunClock {
 public:
  int64_t now_ns() const override { return now_; }
  void sleep_until(int64_t t_ns) override { now_ = std::max(now_, t_ns); }
  std::unique_ptr<Task> spawn(std::string, std::function<void()> body) override {
    body();
    return std::make_unique<DoneTask>();
  }
  std::unique_ptr<Signal> make_signal() override { return std::make_unique<FakeSignal>(*this); }

 private:
  struct DoneTask final : Task {
    void join() override {}
    bool done() const override { return true; }
  };
  // No other task can change anything while one waits: an unmet predicate waits to the deadline.
  struct FakeSignal final : Signal {
    explicit FakeSignal(FakeClock& c) : clock(c) {}
    void update(const std::function<void()>& change) override { change(); }
    bool wait_until(const std::function<bool()>& pred, int64_t deadline_ns) override {
      if (pred()) return true;
      clock.sleep_until(deadline_ns);
      return pred();
    }
    FakeClock& clock;
  };
  int64_t now_ = 0;
};

class FakeNodes final : public Nodes {
 public:
  explicit FakeNodes(int n) : n_(n) {}
  int count() const override { return n_; }
  common::Status start(int node) override {
    down.erase(node);
    return common::Status::ok();
  }
  common::Status kill(int node, Crash) override {
    down.insert(node);
    return common::Status::ok();
  }
  common::Status restart(int node) override { return start(node); }
  common::Status pause(int node) override {
    paused_set.insert(node);
    return common::Status::ok();
  }
  common::Status resume(int node) override {
    paused_set.erase(node);
    return common::Status::ok();
  }
  bool running(int node) override { return !down.count(node); }
  bool paused(int node) const override { return paused_set.count(node) > 0; }
  common::Result<NodeStatus> status(int, int64_t) override { return NodeStatus{}; }
  std::optional<int> leader(int64_t) override { return leader_node; }
  std::string log_file(int node) const override {
    return "logs/n" + std::to_string(node + 1) + ".log";
  }

  std::optional<int> leader_node = 0;
  std::set<int> down, paused_set;

 private:
  int n_;
};

class FakeNetwork final : public Network {
 public:
  common::Status partition(const std::vector<std::vector<int>>& s, int c) override {
    sides = s;
    clients_side = c;
    cuts.clear();
    return common::Status::ok();
  }
  common::Status cut(const std::vector<Link>& links) override {
    cuts.insert(cuts.end(), links.begin(), links.end());
    return common::Status::ok();
  }
  common::Status confine_client(const std::string& client, const std::set<int>& nodes) override {
    confined[client] = nodes;
    return common::Status::ok();
  }
  void release_client(const std::string& client) override { confined.erase(client); }
  void heal() override {
    sides.clear();
    cuts.clear();
    ++heals;
  }
  common::Status set_link_faults(const LinkFault& fault, const std::vector<Link>& links) override {
    for (const auto& l : links) faults[l] = fault;
    return common::Status::ok();
  }
  void clear_link_faults() override { faults.clear(); }
  NetworkCounters counters() const override { return {}; }

  std::vector<std::vector<int>> sides;
  int clients_side = -1;
  std::vector<Link> cuts;
  std::map<std::string, std::set<int>> confined;
  std::map<Link, LinkFault> faults;
  int heals = 0;
};

}  // namespace harness::sut
