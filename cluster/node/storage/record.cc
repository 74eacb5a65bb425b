#include "cluster/node/storage/record.h"

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
    bool last = kRecordHeaderBytes + length == rest.size();
    r.outcome = last ? ReadOutcome::kTorn : ReadOutcome::kCorrupt;
    r.problem = last ? "payload checksum mismatch in the last record" : "payload checksum mismatch";
    return r;
  }
  r.outcome = ReadOutcome::kOk;
  r.type = static_cast<RecordType>(type);
  r.payload = payload;
  r.next = offset + kRecordHeaderBytes + length;
  return r;
}

}  // namespace storage
