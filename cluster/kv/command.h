#pragma once
// The KV command: what a kvnode proposes to Raft as Entry::data and what every replica applies.
// Encoding (little-endian, see docs/storage-format.md "KV command"):
//   u8 version (=1) | u8 op | u64 client_id | u64 seq | bytes key | bytes value
// where `bytes` is a varint length followed by the raw bytes. Plain data; safe to copy between
// threads.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kv {

enum class Op : uint8_t { kGet = 1, kPut = 2, kAppend = 3 };
const char* op_name(Op op);

constexpr uint8_t kCommandVersion = 1;

struct Command {
  Op op = Op::kGet;
  uint64_t client_id = 0;  // the Clerk's random 64-bit id
  uint64_t seq = 0;        // the Clerk's request number, from 1; one outstanding op per client
  std::string key;
  std::string value;  // Put: the new value; Append: the suffix; Get: empty
  bool operator==(const Command&) const = default;
};

std::string encode_command(const Command& c);
// Fails with invalid_argument naming the field and byte offset on malformed input (wrong version,
// unknown op, truncated field, trailing bytes). Never reads past `bytes`.
common::Result<Command> decode_command(std::string_view bytes);

}  // namespace kv
