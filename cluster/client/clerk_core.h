#pragma once
// ClerkCore: the Clerk's logic with no I/O of its own (sans-I/O, like cluster/raft): which server
// to ask, leader hints, rotation on timeouts and refusals, the per-attempt timeout, back-off after
// a whole round of refusals, the operation's deadline, the client id and sequence numbers that give
// a Put/Append exactly-once effect, and status requests. Two drivers run it: the ZeroMQ Clerk
// (clerk.h: one DEALER per server, poll) and a simulation (simulated network and time).
//
// A driver's loop:  start_op() or start_status();  then repeatedly: send every ClerkSend from
// take_sends() (telling on_send_failed() when one could not be handed over), feed replies with
// on_reply() and the time with on_time() (at the latest at next_wakeup_ns()), until
// take_result() / take_status() gives the outcome. Time is whatever clock the driver uses, in
// nanoseconds; the core never reads one and draws no randomness. One operation (or one status
// request) at a time. Owned by one thread; not thread-safe.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/wire/protocol.h"
#include "common/status.h"

namespace client {

enum class Outcome {
  kOk,       // the operation took effect exactly once (for get: `value` is what was read)
  kUnknown,  // the deadline passed: it may or may not have taken effect (never "failed")
};

struct OpResult {
  Outcome outcome = Outcome::kUnknown;
  std::string value;
  int attempts = 0;  // requests sent, for statistics
};

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

struct ClerkCoreOptions {
  size_t servers = 0;                      // how many servers; a server is named by its position
  int64_t attempt_timeout_ns = 200000000;  // per try, before moving to another server
  // After every server refused or could not be reached in a row, wait this long before the next
  // round (an election is probably in progress); a reply that arrives meanwhile still counts.
  int64_t round_backoff_ns = 5000000;
  // While a status request cannot be handed over (connection in progress), retry this often.
  int64_t status_resend_ns = 2000000;
  uint64_t client_id = 0;  // must not be 0 (the driver draws one)
  std::string sender;      // sender-id frame; default "c<client_id as 16 hex digits>"
  std::vector<std::string> server_names;  // for error messages (addresses); default "server <i>"
};

// A message for the driver to send to server `server`: frames [sender][type][payload].
struct ClerkSend {
  size_t server = 0;
  std::vector<std::string> frames;
};

class ClerkCore {
 public:
  explicit ClerkCore(ClerkCoreOptions options);

  // Starts an operation (get, put or append; `value` is empty for a get). Without a deadline it
  // goes on until it took effect. Precondition: !busy().
  void start_op(wire::OpKind op, std::string key, std::string value, int64_t now_ns,
                std::optional<int64_t> deadline_ns = std::nullopt);
  // Asks server `server` for its status, no retries beyond `timeout_ns`. Precondition: !busy().
  // invalid_argument when there is no such server (then nothing starts).
  common::Status start_status(size_t server, int64_t now_ns, int64_t timeout_ns);

  // A message that arrived from server `server` (frames as its DEALER receives them:
  // [sender][type][payload]). Stale, foreign and malformed messages are dropped.
  void on_reply(size_t server, std::vector<std::string> frames, int64_t now_ns);
  // The driver could not hand the last message for `server` over (no connection, queue full).
  void on_send_failed(size_t server, int64_t now_ns);
  // Time has reached now_ns: attempt timeouts, back-off ends, deadlines.
  void on_time(int64_t now_ns);

  std::vector<ClerkSend> take_sends();
  // The operation's outcome once it finished (then !busy()).
  std::optional<OpResult> take_result();
  // The status request's outcome once it finished: the status, or unavailable/timeout.
  std::optional<common::Result<NodeStatus>> take_status();

  bool busy() const { return phase_ != Phase::kIdle; }
  // When on_time() must be called next; INT64_MAX when nothing waits on time.
  int64_t next_wakeup_ns() const;

  uint64_t client_id() const { return opts_.client_id; }
  const std::string& sender() const { return opts_.sender; }
  size_t servers() const { return opts_.servers; }
  uint64_t last_seq() const { return seq_; }
  // The server that answered the last operation ok (where the next one starts).
  size_t leader() const { return leader_; }

 private:
  enum class Phase { kIdle, kSend, kAwait, kBackoff, kStatusSend, kStatusAwait };

  void step(int64_t now_ns);  // runs the operation's state machine as far as it can go
  void finish(wire::ClientReply& reply, size_t from);  // takes the reply's value
  void fail_attempt(size_t next_server);  // rotate to next_server, one more refusal
  void handle_client_reply(size_t server, wire::ClientReply& reply, int64_t now_ns);
  void handle_status_reply(size_t server, const wire::StatusReply& reply);
  void emit(size_t server, wire::MsgType type, const std::string& payload);
  std::string server_name(size_t server) const;

  ClerkCoreOptions opts_;
  std::map<uint64_t, size_t> server_of_node_;  // learned from replies: node id -> server position
  size_t leader_ = 0;
  uint64_t seq_ = 0;
  uint64_t nonce_ = 0;

  Phase phase_ = Phase::kIdle;
  std::string payload_;  // the encoded request of the operation in progress
  std::optional<int64_t> deadline_ns_;
  size_t server_ = 0;            // where the next attempt goes
  size_t refusals_ = 0;          // consecutive servers that refused or could not be reached
  int64_t until_ns_ = 0;         // kAwait: attempt timeout; kBackoff: its end; status: the timeout
  int64_t status_retry_ns_ = 0;  // kStatusSend: when to retry a send that could not be handed over
  int64_t status_timeout_ns_ = 0;
  size_t status_server_ = 0;
  OpResult result_;
  std::optional<OpResult> done_;
  std::optional<common::Result<NodeStatus>> status_done_;
  std::vector<ClerkSend> sends_;
};

}  // namespace client
