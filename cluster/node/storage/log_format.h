#pragma once
// Payloads of the records in log segments and the snapshot file, and the file names
// (docs/storage-format.md). Decoders never read past their input and say what was wrong.
// Pure functions; any thread.
#include <cstdint>
#include <string>
#include <string_view>

#include "cluster/raft/types.h"

namespace storage {

constexpr uint8_t kFormatVersion = 1;

// First record of a segment. A segment that `starts_log` begins the live log: everything in older
// segments is superseded (they are leftovers of a compaction and are removed on open).
struct SegmentHeader {
  uint64_t seq = 0;
  bool starts_log = false;
  raft::Index base_index = 0;  // starts_log: the log continues after (base_index, base_term)
  raft::Term base_term = 0;
};

std::string encode_segment_header(const SegmentHeader& h);
bool decode_segment_header(std::string_view payload, SegmentHeader* h, std::string* problem);

std::string encode_entry(const raft::Entry& e);
bool decode_entry(std::string_view payload, raft::Entry* e, std::string* problem);

std::string encode_hard_state(const raft::HardState& hs);
bool decode_hard_state(std::string_view payload, raft::HardState* hs, std::string* problem);

std::string encode_truncate(raft::Index from);
bool decode_truncate(std::string_view payload, raft::Index* from, std::string* problem);

std::string encode_snapshot(const raft::Snapshot& s);
bool decode_snapshot(std::string_view payload, raft::Snapshot* s, std::string* problem);

// "000000042.seg"; parse fails on anything else.
std::string segment_name(uint64_t seq);
bool parse_segment_name(std::string_view name, uint64_t* seq);

}  // namespace storage
