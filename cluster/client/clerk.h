#pragma once
// Clerk: the client library of the KV service. Finds the leader, follows leader hints, retries
// other servers on timeout or WrongLeader, and gives each Put/Append exactly-once effect through
// (client_id, sequence) de-duplication on the servers. All of that logic is ClerkCore
// (clerk_core.h); the Clerk is its ZeroMQ driver: one DEALER per server and a blocking poll loop.
// One Clerk per thread: it owns ZeroMQ sockets and is not thread-safe; one operation at a time.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/client/clerk_core.h"
#include "common/status.h"

namespace zmq {
class context_t;
}

namespace client {

struct ClerkOptions {
  std::vector<std::string> servers;  // ZeroMQ endpoints (tcp://127.0.0.1:port), one per server
  std::chrono::milliseconds attempt_timeout{200};  // per try, before moving to another server
  uint64_t client_id = 0;                          // 0: a random 64-bit id
  std::string sender;  // sender-id frame; default "c<client_id hex>". The harness's
                       // interposer reads it to know which client a message is from.
};

using Deadline = std::chrono::steady_clock::time_point;

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
