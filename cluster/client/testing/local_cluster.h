#pragma once
// LocalCluster: real kvnode processes on 127.0.0.1 for process tests and kvbench. It picks free
// ports, writes the cluster file into a fresh temp directory (one data dir and one stderr log per
// node), starts, kills and restarts nodes by PID, and asks them for their status. Its destructor
// SIGKILLs and reaps every child it started, so nothing outlives a failing test; children also get
// PR_SET_PDEATHSIG so they die with a crashed parent. Owned and used by one thread.
#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/client/clerk.h"
#include "common/status.h"

namespace client::testing {

struct LocalClusterOptions {
  std::string kvnode_path;
  int nodes = 3;
  std::string extra_yaml;  // appended to the cluster file (fsync, read_mode, timing, ...)
  bool unsafe = false;     // pass --unsafe
  // `security: curve`: fresh keys in keys/ of the temp directory (n<id> and client), named by the
  // cluster file; the status Clerk and curve() use the client key.
  bool curve = false;
};

// Runs a program to completion (bounded by `timeout`, then SIGKILL) and returns its exit code
// (-signal if killed by a signal) and everything it wrote to stderr.
struct ProcessResult {
  int exit_code = 0;
  std::string stderr_text;
  bool timed_out = false;
};
ProcessResult run_to_exit(const std::string& path, const std::vector<std::string>& args,
                          std::chrono::milliseconds timeout);

// A free TCP port on 127.0.0.1 (probed with bind, then released).
int free_port();  // in [20000, 32000), below the ephemeral range; 0 if none found

// A fresh directory under $TMPDIR (or /tmp), removed with its contents by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class LocalCluster {
 public:
  // Writes the cluster file and starts every node.
  static common::Result<std::unique_ptr<LocalCluster>> start(LocalClusterOptions options);
  ~LocalCluster();
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  int size() const { return static_cast<int>(pids_.size()); }
  uint64_t node_id(int i) const { return static_cast<uint64_t>(i + 1); }
  const std::string& cluster_file() const { return cluster_file_; }
  std::string data_dir(int i) const;
  std::string log_path(int i) const;
  std::vector<std::string> client_addresses() const { return addresses_; }
  std::string temp_dir() const { return dir_.path(); }
  // With options.curve: the client's keys for a Clerk (ClerkOptions::curve); else nullopt.
  const std::optional<ClerkCurve>& curve() const { return curve_; }
  std::string keys_dir() const { return dir_.path() + "/keys"; }

  // (Re)starts node i on its data dir; its stderr is appended to log_path(i).
  common::Status start_node(int i);
  // Sends `sig`; for SIGKILL/SIGTERM also waits (bounded) and reaps. Returns the exit code
  // (-signal) if it was reaped.
  std::optional<int> stop_node(int i, int sig,
                               std::chrono::milliseconds wait = std::chrono::seconds(10));
  bool running(int i);
  pid_t pid(int i) const { return pids_[i]; }

  // Status of node i (nullopt if it does not answer within `timeout`).
  std::optional<NodeStatus> status(
      int i, std::chrono::milliseconds timeout = std::chrono::milliseconds(500));
  // Polls until exactly one running node says it is leader and a majority agrees on it; returns its
  // position, or nullopt at the deadline.
  std::optional<int> wait_for_leader(std::chrono::milliseconds timeout);

 private:
  explicit LocalCluster(LocalClusterOptions options);

  LocalClusterOptions options_;
  TempDir dir_;
  std::string cluster_file_;
  std::vector<std::string> addresses_;
  std::vector<pid_t> pids_;  // 0 when not running
  std::unique_ptr<Clerk> status_clerk_;
  std::optional<ClerkCurve> curve_;
};

}  // namespace client::testing
