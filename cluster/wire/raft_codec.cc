#include "cluster/wire/raft_codec.h"

#include <string>

#include "cluster/wire/protocol.h"
#include "common/binary.h"

namespace wire {
namespace {

using common::BinaryReader;
using common::BinaryWriter;

constexpr uint8_t kFlagReject = 1;
constexpr uint8_t kFlagSnapshotDone = 2;
constexpr uint64_t kMaxEntries = 1 << 20;  // a sanity bound; the sender batches far fewer
constexpr uint64_t kMaxVoters = 1024;

void put_entry(BinaryWriter& w, const raft::Entry& e) {
  w.varint(e.term);
  w.varint(e.index);
  w.u8(static_cast<uint8_t>(e.type));
  w.bytes(e.data);
}

// Reads fields in order; the first failure is kept with its field name and byte offset.
class Reader {
 public:
  explicit Reader(std::string_view in) : r_(in), size_(in.size()) {}
  bool u8(const char* f, uint8_t* v) {
    at_ = r_.offset();
    return r_.u8(v) || fail(f, "truncated");
  }
  bool u64(const char* f, uint64_t* v) {
    at_ = r_.offset();
    return r_.varint(v) || fail(f, "truncated or over-long varint");
  }
  bool str(const char* f, std::string* s) {
    at_ = r_.offset();
    return r_.bytes(s) || fail(f, "truncated bytes");
  }
  bool fail(std::string_view f, std::string_view why) {
    if (error_.is_ok())
      error_ = common::Status::corruption("raft message: " + std::string(f) + ": " +
                                          std::string(why) + " at byte " + std::to_string(at_));
    return false;
  }
  bool end() {
    at_ = r_.offset();
    return r_.at_end() || fail("end", "trailing bytes");
  }
  size_t remaining() const { return size_ - r_.offset(); }
  const common::Status& error() const { return error_; }

 private:
  BinaryReader r_;
  size_t size_;
  size_t at_ = 0;
  common::Status error_;
};

bool get_entry(Reader& r, raft::Entry* e) {
  uint8_t type = 0;
  if (!r.u64("entry.term", &e->term) || !r.u64("entry.index", &e->index) ||
      !r.u8("entry.type", &type))
    return false;
  if (type > 1) return r.fail("entry.type", "unknown entry type " + std::to_string(type));
  e->type = static_cast<raft::EntryType>(type);
  return r.str("entry.data", &e->data);
}

}  // namespace

void encode_entry(const raft::Entry& e, std::string* out) {
  BinaryWriter w(out);
  put_entry(w, e);
}

std::string encode_raft_message(const raft::Message& m) {
  size_t entry_bytes = 0;  // reserve once: an entry's header is at most 24 bytes
  for (const auto& e : m.entries) entry_bytes += 24 + e.data.size();
  std::string out;
  out.reserve(64 + m.context.size() + entry_bytes + m.snapshot.data.size() +
              10 * m.snapshot.voters.size());
  BinaryWriter w(&out);
  w.u8(wire::kVersion);
  w.u8(static_cast<uint8_t>(m.type));
  w.varint(m.from);
  w.varint(m.to);
  w.varint(m.term);
  w.varint(m.log_term);
  w.varint(m.index);
  w.varint(m.commit);
  w.u8((m.reject ? kFlagReject : 0) | (m.snapshot_done ? kFlagSnapshotDone : 0));
  w.varint(m.reject_hint);
  w.varint(m.reject_hint_term);
  w.bytes(m.context);
  w.varint(m.entries.size());
  for (const auto& e : m.entries) put_entry(w, e);
  // The snapshot block goes out whenever any of its fields is set, whatever the type: a
  // SnapshotResponse carries the next offset the follower expects (dropping it for that type
  // made every multi-chunk transfer restart at offset 0 for ever, issue 14).
  const bool has_snapshot = m.type == raft::MessageType::kSnapshot || m.snapshot.index != 0 ||
                            m.snapshot.term != 0 || !m.snapshot.voters.empty() ||
                            !m.snapshot.data.empty() || m.snapshot_offset != 0;
  w.u8(has_snapshot ? 1 : 0);
  if (has_snapshot) {
    w.varint(m.snapshot.index);
    w.varint(m.snapshot.term);
    w.varint(m.snapshot.voters.size());
    for (auto v : m.snapshot.voters) w.varint(v);
    w.varint(m.snapshot_offset);
    w.bytes(m.snapshot.data);
  }
  return out;
}

common::Result<raft::Message> decode_raft_message(std::string_view payload) {
  Reader r(payload);
  raft::Message m;
  uint8_t version = 0, type = 0, flags = 0, has_snapshot = 0;
  if (!r.u8("version", &version)) return r.error();
  if (version != wire::kVersion) {
    r.fail("version", "unsupported version " + std::to_string(version));
    return r.error();
  }
  if (!r.u8("type", &type)) return r.error();
  if (type < 1 || type > 11) {
    r.fail("type", "unknown raft message type " + std::to_string(type));
    return r.error();
  }
  m.type = static_cast<raft::MessageType>(type);
  if (!r.u64("from", &m.from) || !r.u64("to", &m.to) || !r.u64("term", &m.term) ||
      !r.u64("log_term", &m.log_term) || !r.u64("index", &m.index) || !r.u64("commit", &m.commit) ||
      !r.u8("flags", &flags))
    return r.error();
  if (flags & ~(kFlagReject | kFlagSnapshotDone)) {
    r.fail("flags", "unknown flag bits " + std::to_string(flags));
    return r.error();
  }
  m.reject = flags & kFlagReject;
  m.snapshot_done = flags & kFlagSnapshotDone;
  uint64_t n_entries = 0;
  if (!r.u64("reject_hint", &m.reject_hint) || !r.u64("reject_hint_term", &m.reject_hint_term) ||
      !r.str("context", &m.context) || !r.u64("entries", &n_entries))
    return r.error();
  // Each entry takes at least 4 bytes, so a count beyond that is garbage: refuse before allocating.
  if (n_entries > kMaxEntries || n_entries > r.remaining() / 4) {
    r.fail("entries", "entry count " + std::to_string(n_entries) + " exceeds the payload");
    return r.error();
  }
  m.entries.resize(n_entries);
  for (auto& e : m.entries)
    if (!get_entry(r, &e)) return r.error();
  if (!r.u8("has_snapshot", &has_snapshot)) return r.error();
  if (has_snapshot > 1) {
    r.fail("has_snapshot", "expected 0 or 1");
    return r.error();
  }
  if (has_snapshot) {
    uint64_t n_voters = 0;
    if (!r.u64("snapshot.index", &m.snapshot.index) || !r.u64("snapshot.term", &m.snapshot.term) ||
        !r.u64("snapshot.voters", &n_voters))
      return r.error();
    if (n_voters > kMaxVoters || n_voters > r.remaining()) {
      r.fail("snapshot.voters", "voter count " + std::to_string(n_voters) + " exceeds the payload");
      return r.error();
    }
    m.snapshot.voters.resize(n_voters);
    for (auto& v : m.snapshot.voters)
      if (!r.u64("snapshot.voter", &v)) return r.error();
    if (!r.u64("snapshot_offset", &m.snapshot_offset) || !r.str("snapshot.data", &m.snapshot.data))
      return r.error();
  }
  if (!r.end()) return r.error();
  return m;
}

}  // namespace wire
