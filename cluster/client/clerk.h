#pragma once
// Clerk: the client library of the KV service. Finds the leader, follows leader hints, retries other
// servers on timeout or WrongLeader, and gives each Put/Append exactly-once effect through
// (client_id, sequence) de-duplication on the servers. One Clerk per thread: it owns a ZeroMQ socket
// and is not thread-safe; it allows one outstanding operation at a time.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace zmq {
class context_t;
}

namespace client {

struct ClerkOptions {
  std::vector<std::string> servers;  // ZeroMQ endpoints (tcp://127.0.0.1:port), one per server
  std::chrono::milliseconds attempt_timeout{200};  // per try, before moving to another server
  uint64_t client_id = 0;            // 0: a random 64-bit id
  std::string sender;                // sender-id frame; default "c<client_id hex>". The harness's
                                     // interposer reads it to know which client a message is from.
};

enum class Outcome {
  kOk,       // the operation took effect exactly once (for get: `value` is what was read)
  kUnknown,  // the deadline passed: it may or may not have taken effect (never "failed")
};

struct OpResult {
  Outcome outcome = Outcome::kUnknown;
  std::string value;
  int attempts = 0;  // requests sent, for statistics
};

using Deadline = std::chrono::steady_clock::time_point;

// Answer to a `status` request (see docs/protocol.md).
struct NodeStatus {
  uint64_t id = 0;
  std::string role;
  uint64_t term = 0;
  uint64_t leader = 0;
  uint64_t commit_index = 0;
  uint64_t applied_index = 0;
  uint64_t last_index = 0;
  uint64_t log_bytes = 0;       // durable Raft state: log + hard state, snapshot excluded
  uint64_t snapshot_index = 0;  // issue 6
  uint64_t snapshot_bytes = 0;
};

class Clerk {
 public:
  // `context` may be shared between Clerks of one process; nullptr makes a private one.
  explicit Clerk(ClerkOptions options, zmq::context_t* context = nullptr);
  ~Clerk();
  Clerk(const Clerk&) = delete;
  Clerk& operator=(const Clerk&) = delete;

  // Without a deadline these never return until the operation took effect.
  OpResult get(const std::string& key, std::optional<Deadline> deadline = std::nullopt);
  OpResult put(const std::string& key, const std::string& value,
               std::optional<Deadline> deadline = std::nullopt);
  OpResult append(const std::string& key, const std::string& arg,
                  std::optional<Deadline> deadline = std::nullopt);

  // Asks one server (by position in `servers`) for its status; no retries.
  common::Result<NodeStatus> status(size_t server, std::chrono::milliseconds timeout);

  uint64_t client_id() const;
  uint64_t messages_sent() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace client
