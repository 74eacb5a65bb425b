#pragma once
// PendingRequests: the client requests a leader has taken on and not yet answered. Writes (and
// Gets in read_mode log) wait for their log index to be applied; ReadIndex Gets wait first for
// their read context to be confirmed, then for the applied index to reach the read index.
// Owned by the node's event loop thread; not thread-safe.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/raft/types.h"
#include "cluster/wire/protocol.h"

namespace node {

// Where to send the answer, and what was asked.
struct Waiter {
  std::vector<std::string> envelope;
  std::string sender;
  wire::ClientRequest request;
  int64_t since_ns = 0;
};

class PendingRequests {
 public:
  // A proposal accepted at (index, term). Returns a waiter it displaced from that index, if any.
  std::optional<Waiter> add_write(raft::Index index, raft::Term term, Waiter w);
  // The entry at `index` with `term` was applied: the waiter for that index (if any), and whether
  // it is the entry that waiter proposed (same term) or a different one that replaced it.
  struct Applied {
    Waiter waiter;
    bool same_entry = false;
  };
  std::optional<Applied> take_write(raft::Index index, raft::Term term);

  // A batch of Gets sharing one ReadIndex context.
  void add_read_batch(const std::string& context, std::vector<Waiter> batch);
  // The core confirmed `context` at `index`.
  void read_confirmed(const std::string& context, raft::Index index);
  // Confirmed reads whose index is <= applied, in order.
  std::vector<Waiter> take_reads_ready(raft::Index applied);

  // Everything (leadership lost, shutdown).
  std::vector<Waiter> take_all();
  // Requests older than `max_age_ns` at `now_ns` (a leader that cannot make progress).
  std::vector<Waiter> take_expired(int64_t now_ns, int64_t max_age_ns);

  size_t size() const;

 private:
  struct Write {
    raft::Term term;
    Waiter waiter;
  };
  std::map<raft::Index, Write> writes_;
  std::map<std::string, std::vector<Waiter>> unconfirmed_reads_;     // by context
  std::multimap<raft::Index, std::vector<Waiter>> confirmed_reads_;  // by read index
};

}  // namespace node
