#pragma once
// KvStateMachine: the replicated key/value map and its exactly-once table. Every replica applies
// the same committed commands in the same order and ends with the same bytes (serialize() is sorted
// and canonical), which is what snapshots (issue 6) and the determinism tests rely on.
//
// Exactly-once: the table keeps ONE record per client (last applied seq and its result); a Put or
// Append whose seq is <= the recorded one is a duplicate (a Clerk retry) and is not re-applied, so
// memory grows with clients, not operations. Gets change nothing and are answered from current
// state (re-executing a retried read is harmless). Owned by the kvnode event loop; not thread-safe.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "cluster/kv/command.h"
#include "common/status.h"

namespace kv {

struct ApplyResult {
  Op op = Op::kGet;
  uint64_t client_id = 0;
  uint64_t seq = 0;
  bool duplicate = false;  // a retry of an already applied Put/Append: nothing changed
  std::string value;       // Get: the value read ("" when missing); Put/Append: the recorded result
};

class KvStateMachine {
 public:
  // dedup=false is the unsafe mode (`dedup: off`): every Put/Append is applied, retries included,
  // so the harness can show the double application it causes.
  explicit KvStateMachine(bool dedup = true) : dedup_(dedup) {}

  // Applies one encoded command (Entry::data). A malformed command changes nothing and returns
  // invalid_argument naming the field and byte offset.
  common::Result<ApplyResult> apply(std::string_view command_bytes);
  ApplyResult apply(const Command& command);

  // Local read for ReadIndex / local Gets: the current value, "" when missing.
  std::string get(const std::string& key) const;
  // The same without a copy: valid until the next apply() or restore().
  std::string_view get_view(const std::string& key) const;

  // Canonical image of data + client table (sorted), for snapshots and equality checks.
  std::string serialize() const;
  // Replaces the whole state with a serialized image. On malformed input returns corruption naming
  // the byte offset and leaves the current state unchanged.
  common::Status restore(std::string_view image);
  // CRC-32C of serialize(): two replicas with equal digests hold (almost surely) equal state.
  uint32_t digest() const;

  size_t key_count() const { return data_.size(); }
  size_t client_count() const { return clients_.size(); }
  bool dedup() const { return dedup_; }

 private:
  struct ClientRecord {
    uint64_t seq = 0;
    std::string result;
    bool operator==(const ClientRecord&) const = default;
  };

  bool dedup_;
  std::map<std::string, std::string> data_;
  std::map<uint64_t, ClientRecord> clients_;
};

}  // namespace kv
