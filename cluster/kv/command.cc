#include "cluster/kv/command.h"

#include "common/binary.h"

namespace kv {

const char* op_name(Op op) {
  switch (op) {
    case Op::kGet:
      return "get";
    case Op::kPut:
      return "put";
    case Op::kAppend:
      return "append";
  }
  return "?";
}

std::string encode_command(const Command& c) {
  std::string out;
  out.reserve(2 + 16 + 2 + c.key.size() + c.value.size() + 4);
  common::BinaryWriter w(&out);
  w.u8(kCommandVersion);
  w.u8(static_cast<uint8_t>(c.op));
  w.u64(c.client_id);
  w.u64(c.seq);
  w.bytes(c.key);
  w.bytes(c.value);
  return out;
}

namespace {
common::Status field_error(const char* field, size_t offset, std::string_view what) {
  return common::Status::invalid_argument("kv command: field '" + std::string(field) +
                                          "' at byte offset " + std::to_string(offset) + ": " +
                                          std::string(what));
}
}  // namespace

common::Result<Command> decode_command(std::string_view bytes) {
  common::BinaryReader r(bytes);
  Command c;
  uint8_t version = 0;
  if (!r.u8(&version)) return field_error("version", 0, "truncated (empty command)");
  if (version != kCommandVersion) {
    return field_error("version", 0, "unsupported version " + std::to_string(version));
  }
  uint8_t op = 0;
  size_t at = r.offset();
  if (!r.u8(&op)) return field_error("op", at, "truncated");
  if (op < static_cast<uint8_t>(Op::kGet) || op > static_cast<uint8_t>(Op::kAppend)) {
    return field_error("op", at, "unknown op " + std::to_string(op));
  }
  c.op = static_cast<Op>(op);
  at = r.offset();
  if (!r.u64(&c.client_id)) return field_error("client_id", at, "truncated");
  at = r.offset();
  if (!r.u64(&c.seq)) return field_error("seq", at, "truncated");
  at = r.offset();
  if (!r.bytes(&c.key)) return field_error("key", at, "truncated or bad length");
  at = r.offset();
  if (!r.bytes(&c.value)) return field_error("value", at, "truncated or bad length");
  if (!r.at_end()) {
    return field_error("end", r.offset(),
                       std::to_string(bytes.size() - r.offset()) + " trailing bytes");
  }
  return c;
}

}  // namespace kv
