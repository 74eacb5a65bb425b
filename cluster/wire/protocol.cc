#include "cluster/wire/protocol.h"

#include <string>

#include "common/binary.h"

namespace wire {
namespace {

using common::BinaryReader;
using common::BinaryWriter;
using common::Status;

// Decoding helper: remembers the first failure with its byte offset and field name.
class Decoder {
 public:
  Decoder(std::string_view what, std::string_view in) : what_(what), r_(in) {}

  bool version() {
    size_t at = r_.offset();
    uint8_t v = 0;
    if (!r_.u8(&v)) return fail(at, "version", "truncated");
    if (v != kVersion)
      return fail(at, "version",
                  "unsupported version " + std::to_string(v) + " (expected " +
                      std::to_string(kVersion) + ")");
    return true;
  }
  bool u8(const char* field, uint8_t* v) {
    size_t at = r_.offset();
    return r_.u8(v) || fail(at, field, "truncated");
  }
  bool u64(const char* field, uint64_t* v) {
    size_t at = r_.offset();
    return r_.varint(v) || fail(at, field, "truncated or over-long varint");
  }
  bool str(const char* field, std::string* s) {
    size_t at = r_.offset();
    return r_.bytes(s) || fail(at, field, "truncated string");
  }
  bool end() {
    if (r_.at_end()) return true;
    return fail(r_.offset(), "end", "trailing bytes");
  }
  bool fail(size_t at, std::string_view field, std::string_view why) {
    if (error_.is_ok())
      error_ = Status::corruption(std::string(what_) + ": " + std::string(field) + ": " +
                                  std::string(why) + " at byte " + std::to_string(at));
    return false;
  }
  size_t offset() const { return r_.offset(); }
  const Status& error() const { return error_; }

 private:
  std::string_view what_;
  BinaryReader r_;
  Status error_;
};

}  // namespace

const char* msg_type_name(MsgType t) {
  switch (t) {
    case MsgType::kRaft:
      return "raft";
    case MsgType::kClientRequest:
      return "client-request";
    case MsgType::kClientReply:
      return "client-reply";
    case MsgType::kStatusRequest:
      return "status-request";
    case MsgType::kStatusReply:
      return "status-reply";
  }
  return "?";
}

bool valid_msg_type(uint8_t t) { return t >= 1 && t <= 5; }

const char* op_kind_name(OpKind k) {
  switch (k) {
    case OpKind::kGet:
      return "get";
    case OpKind::kPut:
      return "put";
    case OpKind::kAppend:
      return "append";
  }
  return "?";
}

const char* reply_code_name(ReplyCode c) {
  switch (c) {
    case ReplyCode::kOk:
      return "ok";
    case ReplyCode::kWrongLeader:
      return "wrong-leader";
    case ReplyCode::kRetry:
      return "retry";
    case ReplyCode::kError:
      return "error";
  }
  return "?";
}

std::string encode(const ClientRequest& m) {
  std::string out;
  BinaryWriter w(&out);
  w.u8(kVersion);
  w.u8(static_cast<uint8_t>(m.op));
  w.varint(m.client_id);
  w.varint(m.seq);
  w.bytes(m.key);
  w.bytes(m.value);
  return out;
}

common::Result<ClientRequest> decode_client_request(std::string_view payload) {
  Decoder d("client request", payload);
  ClientRequest m;
  uint8_t op = 0;
  if (!d.version()) return d.error();
  size_t op_at = d.offset();
  if (!d.u8("op", &op)) return d.error();
  if (op < 1 || op > 3) {
    d.fail(op_at, "op", "unknown op " + std::to_string(op));
    return d.error();
  }
  m.op = static_cast<OpKind>(op);
  if (!d.u64("client_id", &m.client_id) || !d.u64("seq", &m.seq) || !d.str("key", &m.key) ||
      !d.str("value", &m.value) || !d.end())
    return d.error();
  return m;
}

std::string encode(const ClientReply& m) { return encode(m, m.value); }

std::string encode(const ClientReply& m, std::string_view value) {
  std::string out;
  out.reserve(2 + 5 * 10 + value.size() + m.error.size());  // header varints are at most 10 bytes
  BinaryWriter w(&out);
  w.u8(kVersion);
  w.u8(static_cast<uint8_t>(m.code));
  w.varint(m.client_id);
  w.varint(m.seq);
  w.varint(m.node_id);
  w.varint(m.leader_hint);
  w.bytes(value);
  w.bytes(m.error);
  return out;
}

common::Result<ClientReply> decode_client_reply(std::string_view payload) {
  Decoder d("client reply", payload);
  ClientReply m;
  uint8_t code = 0;
  if (!d.version()) return d.error();
  size_t code_at = d.offset();
  if (!d.u8("code", &code)) return d.error();
  if (code > 3) {
    d.fail(code_at, "code", "unknown reply code " + std::to_string(code));
    return d.error();
  }
  m.code = static_cast<ReplyCode>(code);
  if (!d.u64("client_id", &m.client_id) || !d.u64("seq", &m.seq) || !d.u64("node_id", &m.node_id) ||
      !d.u64("leader_hint", &m.leader_hint) || !d.str("value", &m.value) ||
      !d.str("error", &m.error) || !d.end())
    return d.error();
  return m;
}

std::string encode(const StatusRequest& m) {
  std::string out;
  BinaryWriter w(&out);
  w.u8(kVersion);
  w.varint(m.nonce);
  return out;
}

common::Result<StatusRequest> decode_status_request(std::string_view payload) {
  Decoder d("status request", payload);
  StatusRequest m;
  if (!d.version() || !d.u64("nonce", &m.nonce) || !d.end()) return d.error();
  return m;
}

std::string encode(const StatusReply& m) {
  std::string out;
  BinaryWriter w(&out);
  w.u8(kVersion);
  w.varint(m.nonce);
  w.varint(m.id);
  w.bytes(m.role);
  for (uint64_t v : {m.term, m.leader, m.commit_index, m.applied_index, m.last_index, m.log_bytes,
                     m.snapshot_index, m.snapshot_bytes})
    w.varint(v);
  return out;
}

common::Result<StatusReply> decode_status_reply(std::string_view payload) {
  Decoder d("status reply", payload);
  StatusReply m;
  if (!d.version() || !d.u64("nonce", &m.nonce) || !d.u64("id", &m.id) || !d.str("role", &m.role) ||
      !d.u64("term", &m.term) || !d.u64("leader", &m.leader) ||
      !d.u64("commit_index", &m.commit_index) || !d.u64("applied_index", &m.applied_index) ||
      !d.u64("last_index", &m.last_index) || !d.u64("log_bytes", &m.log_bytes) ||
      !d.u64("snapshot_index", &m.snapshot_index) || !d.u64("snapshot_bytes", &m.snapshot_bytes) ||
      !d.end())
    return d.error();
  return m;
}

}  // namespace wire
