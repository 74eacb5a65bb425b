#pragma once
// Record framing shared by log segments and the snapshot file (docs/storage-format.md):
//   u32 payload_length | u8 type | u32 crc32c(payload) | u32 crc32c(the 9 bytes before) | payload
// The header has its own checksum so a damaged length is caught before it is trusted. Reading
// classifies a bad record as torn (what an interrupted append leaves at the end of a file) or
// corrupt (anything else); the caller decides what a torn record means where it was found.
// Pure functions; any thread.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace storage {

enum class RecordType : uint8_t {
  kSegmentHeader = 1,  // first record of every log segment
  kEntry = 2,          // one raft::Entry
  kHardState = 3,      // raft::HardState; the last one wins
  kTruncate = 4,       // entries from `index` on are discarded
  kSnapshot = 5,       // the only record of a snapshot file
  kIdentity = 6,       // the only record of the identity file (identity.h)
};

constexpr size_t kRecordHeaderBytes = 13;
constexpr uint32_t kMaxRecordPayload = 1u << 30;

void append_record(std::string* out, RecordType type, std::string_view payload);

enum class ReadOutcome {
  kOk,       // a whole, checksummed record
  kEnd,      // offset is the end of the file
  kTorn,     // an incomplete or damaged last record, or a zero-filled tail
  kCorrupt,  // damage followed by more data: never a plain interrupted append
};

struct RecordRead {
  ReadOutcome outcome = ReadOutcome::kEnd;
  RecordType type = RecordType::kEntry;
  std::string_view payload;  // into the file's bytes
  size_t next = 0;           // offset after this record (kOk only)
  std::string problem;       // what was wrong (kTorn / kCorrupt)
};

RecordRead read_record(std::string_view file, size_t offset);

}  // namespace storage
