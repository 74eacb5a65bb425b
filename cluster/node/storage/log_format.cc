#include "cluster/node/storage/log_format.h"

#include <cstdio>

#include "common/binary.h"

namespace storage {

namespace {
bool fail(std::string* problem, std::string what) {
  *problem = std::move(what);
  return false;
}
}  // namespace

std::string encode_segment_header(const SegmentHeader& h) {
  std::string out;
  common::BinaryWriter w(&out);
  w.u8(kFormatVersion);
  w.u64(h.seq);
  w.u8(h.starts_log ? 1 : 0);
  w.u64(h.base_index);
  w.u64(h.base_term);
  return out;
}

bool decode_segment_header(std::string_view payload, SegmentHeader* h, std::string* problem) {
  common::BinaryReader r(payload);
  uint8_t version = 0, starts = 0;
  if (!r.u8(&version) || !r.u64(&h->seq) || !r.u8(&starts) || !r.u64(&h->base_index) ||
      !r.u64(&h->base_term) || !r.at_end()) {
    return fail(problem, "malformed segment header");
  }
  if (version != kFormatVersion) {
    return fail(problem, "unsupported format version " + std::to_string(version));
  }
  h->starts_log = starts != 0;
  return true;
}

std::string encode_entry(const raft::Entry& e) {
  std::string out;
  out.reserve(17 + e.data.size());
  common::BinaryWriter w(&out);
  w.u64(e.term);
  w.u64(e.index);
  w.u8(static_cast<uint8_t>(e.type));
  out.append(e.data);
  return out;
}

bool decode_entry(std::string_view payload, raft::Entry* e, std::string* problem) {
  common::BinaryReader r(payload);
  uint8_t type = 0;
  if (!r.u64(&e->term) || !r.u64(&e->index) || !r.u8(&type)) {
    return fail(problem, "malformed entry record");
  }
  if (type > static_cast<uint8_t>(raft::EntryType::kNoop)) {
    return fail(problem, "entry of unknown type " + std::to_string(type));
  }
  e->type = static_cast<raft::EntryType>(type);
  e->data.assign(payload.substr(r.offset()));
  return true;
}

std::string encode_hard_state(const raft::HardState& hs) {
  std::string out;
  common::BinaryWriter w(&out);
  w.u64(hs.term);
  w.u64(hs.vote);
  w.u64(hs.commit);
  return out;
}

bool decode_hard_state(std::string_view payload, raft::HardState* hs, std::string* problem) {
  common::BinaryReader r(payload);
  if (!r.u64(&hs->term) || !r.u64(&hs->vote) || !r.u64(&hs->commit) || !r.at_end()) {
    return fail(problem, "malformed hard state record");
  }
  return true;
}

std::string encode_truncate(raft::Index from) {
  std::string out;
  common::BinaryWriter(&out).u64(from);
  return out;
}

bool decode_truncate(std::string_view payload, raft::Index* from, std::string* problem) {
  common::BinaryReader r(payload);
  if (!r.u64(from) || !r.at_end()) return fail(problem, "malformed truncate record");
  return true;
}

std::string encode_snapshot(const raft::Snapshot& s) {
  std::string out;
  out.reserve(32 + 8 * s.voters.size() + s.data.size());
  common::BinaryWriter w(&out);
  w.u8(kFormatVersion);
  w.u64(s.index);
  w.u64(s.term);
  w.varint(s.voters.size());
  for (raft::NodeId v : s.voters) w.u64(v);
  out.append(s.data);
  return out;
}

bool decode_snapshot(std::string_view payload, raft::Snapshot* s, std::string* problem) {
  common::BinaryReader r(payload);
  uint8_t version = 0;
  uint64_t n = 0;
  if (!r.u8(&version) || !r.u64(&s->index) || !r.u64(&s->term) || !r.varint(&n)) {
    return fail(problem, "malformed snapshot header");
  }
  if (version != kFormatVersion) {
    return fail(problem, "unsupported format version " + std::to_string(version));
  }
  if (n > payload.size() / 8)
    return fail(problem, "voter count " + std::to_string(n) + " too large");
  s->voters.assign(n, 0);
  for (uint64_t i = 0; i < n; ++i) {
    if (!r.u64(&s->voters[i])) return fail(problem, "truncated voter list");
  }
  s->data.assign(payload.substr(r.offset()));
  return true;
}

std::string segment_name(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%09llu.seg", static_cast<unsigned long long>(seq));
  return buf;
}

bool parse_segment_name(std::string_view name, uint64_t* seq) {
  constexpr std::string_view kSuffix = ".seg";
  if (name.size() <= kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return false;
  }
  std::string_view digits = name.substr(0, name.size() - kSuffix.size());
  if (digits.size() > 19) return false;
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *seq = v;
  return true;
}

}  // namespace storage
