#pragma once
// Value types of the pure Raft core: log entries, hard state, messages and the Ready batch.
// Plain data with no behaviour; safe to copy between threads.
#include <cstdint>
#include <string>
#include <vector>

namespace raft {

using NodeId = uint64_t;  // 0 means "none"
using Term = uint64_t;
using Index = uint64_t;
constexpr NodeId kNoNode = 0;

enum class EntryType : uint8_t {
  kNormal = 0,  // a client command, applied by the state machine
  kNoop = 1,    // appended by a new leader so it can commit entries of earlier terms (Figure 8)
};

struct Entry {
  Term term = 0;
  Index index = 0;
  EntryType type = EntryType::kNormal;
  std::string data;
  bool operator==(const Entry&) const = default;
};

// State that must be durable before any message that depends on it is sent.
struct HardState {
  Term term = 0;
  NodeId vote = kNoNode;
  Index commit = 0;
  bool operator==(const HardState&) const = default;
};

// A compacted prefix of the log (issue 6): the state machine image through `index`.
struct Snapshot {
  Index index = 0;
  Term term = 0;
  std::vector<NodeId> voters;
  std::string data;
  bool empty() const { return index == 0; }
};

enum class MessageType : uint8_t {
  kPreVote = 1,
  kPreVoteResponse = 2,
  kVote = 3,
  kVoteResponse = 4,
  kAppend = 5,            // AppendEntries: log_term/index name the entry preceding `entries`
  kAppendResponse = 6,    // index = last matching index on success; on reject see reject_hint
  kHeartbeat = 7,         // carries commit (capped at the follower's match) and a read context;
                          // index = the last entry sent to the follower before it (replicate)
  kHeartbeatResponse = 8, // index = the follower's last index, reject_hint = the heartbeat's index
  kSnapshot = 9,          // InstallSnapshot chunk (issue 6)
  kSnapshotResponse = 10,
  kTimeoutNow = 11,       // leadership transfer: campaign now, skipping PreVote
};

// One Raft message. Fields unused by a type are zero/empty. Encoded by cluster/wire/raft_codec.
struct Message {
  MessageType type = MessageType::kAppend;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  Term term = 0;
  Term log_term = 0;   // Append: term of entry `index`; Vote/PreVote: candidate's last log term
  Index index = 0;     // Append: index preceding entries; Vote: candidate's last index
  Index commit = 0;
  std::vector<Entry> entries;
  bool reject = false;
  Index reject_hint = 0;       // on a rejected append: the follower's hint for the fast back-up
  Term reject_hint_term = 0;   // ... and the term of its entry at reject_hint (conflict term), 0 if none
  std::string context;         // ReadIndex context carried by heartbeats and their responses
  Snapshot snapshot;           // kSnapshot: metadata always; data holds this chunk
  uint64_t snapshot_offset = 0;  // kSnapshot: byte offset of this chunk
  bool snapshot_done = false;    // kSnapshot: last chunk
};

// A read that became safe to serve: once the state machine has applied `index`, a Get tagged with
// `context` may be answered from local state and is linearizable (Raft paper, Section 8).
struct ReadState {
  Index index = 0;
  std::string context;
};

// Everything the node must do after a step/tick/propose. Order of obligations:
//  1. send `messages` right away (they depend on nothing unpersisted: the leader's appends may be
//     sent in parallel with its own disk write, Raft paper 10.2.1);
//  2. persist `snapshot` (if any), `entries` (entries[0].index may truncate a conflicting suffix)
//     and `hard_state` (if set), with one fsync;
//  3. only then send `messages_after_persist` (votes, append responses: they promise durable state);
//  4. apply `committed_entries` in order; serve `read_states` once applied >= their index;
//  5. call advance().
struct Ready {
  bool has_hard_state = false;
  HardState hard_state;
  std::vector<Entry> entries;
  Snapshot snapshot;  // to install (issue 6); empty() when none
  std::vector<Message> messages;
  std::vector<Message> messages_after_persist;
  std::vector<Entry> committed_entries;
  std::vector<ReadState> read_states;
  bool empty() const {
    return !has_hard_state && entries.empty() && snapshot.empty() && messages.empty() &&
           messages_after_persist.empty() && committed_entries.empty() && read_states.empty();
  }
};

enum class Role : uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };
const char* role_name(Role r);

}  // namespace raft
