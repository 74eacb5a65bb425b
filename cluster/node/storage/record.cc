#include "cluster/node/storage/record.h"

#include <algorithm>

#include "common/binary.h"
#include "common/crc32c.h"

namespace storage {

namespace {
uint32_t load_u32(std::string_view s, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(static_cast<uint8_t>(s[at + i])) << (8 * i);
  return v;
}

bool all_zero(std::string_view s) { return s.find_first_not_of('\0') == std::string_view::npos; }

constexpr size_t kSectorBytes = 512;

// Whether the bytes [begin, end) of `file` hold a whole-zero piece between two sector boundaries
// (or a boundary and either end): what a torn write leaves on a file system that extended the
// file before the record's last sectors landed (they read back as zeros).
bool has_zero_sector_piece(std::string_view file, size_t begin, size_t end) {
  for (size_t at = begin; at < end;) {
    const size_t next = std::min(end, (at / kSectorBytes + 1) * kSectorBytes);
    if (all_zero(file.substr(at, next - at))) return true;
    at = next;
  }
  return false;
}

bool known_type(uint8_t t) {
  return t >= static_cast<uint8_t>(RecordType::kSegmentHeader) &&
         t <= static_cast<uint8_t>(RecordType::kIdentity);
}
}  // namespace

void append_record(std::string* out, RecordType type, std::string_view payload) {
  size_t start = out->size();
  common::BinaryWriter w(out);
  w.u32(static_cast<uint32_t>(payload.size()));
  w.u8(static_cast<uint8_t>(type));
  w.u32(common::crc32c(payload));
  w.u32(common::crc32c(out->data() + start, 9));
  out->append(payload);
}

RecordRead read_record(std::string_view file, size_t offset) {
  RecordRead r;
  if (offset >= file.size()) return r;  // kEnd
  std::string_view rest = file.substr(offset);
  if (rest.size() < kRecordHeaderBytes) {
    r.outcome = ReadOutcome::kTorn;
    r.problem = "incomplete record header (" + std::to_string(rest.size()) + " of " +
                std::to_string(kRecordHeaderBytes) + " bytes)";
    return r;
  }
  uint32_t length = load_u32(rest, 0);
  uint8_t type = static_cast<uint8_t>(rest[4]);
  uint32_t payload_crc = load_u32(rest, 5);
  if (common::crc32c(rest.data(), 9) != load_u32(rest, 9)) {
    if (all_zero(rest)) {
      r.outcome = ReadOutcome::kTorn;
      r.problem = "zero-filled tail of " + std::to_string(rest.size()) + " bytes";
    } else {
      r.outcome = ReadOutcome::kCorrupt;
      r.problem = "record header checksum mismatch";
    }
    return r;
  }
  if (!known_type(type) || length > kMaxRecordPayload) {
    r.outcome = ReadOutcome::kCorrupt;
    r.problem = "record header names unknown type " + std::to_string(type) + " or length " +
                std::to_string(length);
    return r;
  }
  if (length > rest.size() - kRecordHeaderBytes) {
    r.outcome = ReadOutcome::kTorn;
    r.problem = "record of " + std::to_string(length) + " payload bytes extends past the end (" +
                std::to_string(rest.size() - kRecordHeaderBytes) + " present)";
    return r;
  }
  std::string_view payload = rest.substr(kRecordHeaderBytes, length);
  if (common::crc32c(payload) != payload_crc) {
    // A complete last record is torn only if a sector of it never landed (zeros). Otherwise its
    // bytes were all written, and one is wrong: a bit flipped at rest in a record that may have
    // been synced and acknowledged, which must not be dropped as an unfinished write.
    const size_t begin = offset + kRecordHeaderBytes;
    const bool torn = kRecordHeaderBytes + length == rest.size() &&
                      has_zero_sector_piece(file, begin, begin + length);
    r.outcome = torn ? ReadOutcome::kTorn : ReadOutcome::kCorrupt;
    r.problem = torn ? "payload checksum mismatch in the last record, with a zero-filled sector"
                     : "payload checksum mismatch";
    return r;
  }
  r.outcome = ReadOutcome::kOk;
  r.type = static_cast<RecordType>(type);
  r.payload = payload;
  r.next = offset + kRecordHeaderBytes + length;
  return r;
}

}  // namespace storage
