#pragma once
// Clients: how the harness talks to the system under test as its users do (part of the seam, see
// system.h). A Client is one user identity performing one operation at a time; the harness records
// each call's invocation and completion in the history around it.
#include <cstdint>
#include <memory>
#include <string>

namespace harness::sut {

enum class OpKind { kGet, kPut, kAppend };
// "get", "put", "append": the names histories use.
inline const char* op_name(OpKind kind) {
  switch (kind) {
    case OpKind::kGet: return "get";
    case OpKind::kPut: return "put";
    case OpKind::kAppend: return "append";
  }
  return "?";
}
// The kind named `name`; false if there is none.
inline bool parse_op_kind(const std::string& name, OpKind* out) {
  for (OpKind k : {OpKind::kGet, OpKind::kPut, OpKind::kAppend}) {
    if (name == op_name(k)) {
      *out = k;
      return true;
    }
  }
  return false;
}

enum class Outcome {
  kOk,       // took effect exactly once (a get: `value` is what it read)
  kFail,     // certainly did not take effect (the system said so)
  kUnknown,  // the deadline passed: it may or may not have taken effect
};

struct OpResult {
  Outcome outcome = Outcome::kUnknown;
  std::string value;  // kGet and kOk: the value read ("" for a missing key)
};

struct ClientOptions {
  // Unique within the run; Network::confine_client names a client by it.
  std::string name;
  // The identity the system de-duplicates retries by; drawn from the run's client seed stream so
  // a run is reproducible. Never 0.
  uint64_t client_id = 1;
  // Time one attempt may take before the client tries another node.
  int64_t attempt_timeout_ns = 100'000'000;
};

// Not thread-safe: one task uses a client at a time. invoke() blocks the calling task.
class Client {
 public:
  virtual ~Client() = default;
  // Retries (across nodes, after leader hints) until the operation took effect or the run's clock
  // passes deadline_ns; never returns later than about one attempt after deadline_ns.
  virtual OpResult invoke(OpKind kind, const std::string& key, const std::string& value,
                          int64_t deadline_ns) = 0;
};

// Makes clients. Thread-safe.
class Clients {
 public:
  virtual ~Clients() = default;
  virtual std::unique_ptr<Client> make(const ClientOptions& options) = 0;
};

}  // namespace harness::sut
