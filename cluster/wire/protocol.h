#pragma once
// The client protocol of the KV service (docs/protocol.md): message types, the client request and
// reply, the status request and reply, and their binary payloads. Every ZeroMQ message is multipart
// [envelope...][sender id][type][payload]; the payload starts with kVersion. Decoding never reads
// past the input and reports the byte offset of the first bad field. Plain functions and values:
// any thread may use them.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace wire {

constexpr uint8_t kVersion = 1;

// The [type] frame: exactly one byte.
enum class MsgType : uint8_t {
  kRaft = 1,           // node -> node; payload encoded by cluster/wire/raft_codec
  kClientRequest = 2,  // client -> node
  kClientReply = 3,    // node -> client
  kStatusRequest = 4,  // client -> node
  kStatusReply = 5,    // node -> client
};
const char* msg_type_name(MsgType t);
bool valid_msg_type(uint8_t t);

enum class OpKind : uint8_t { kGet = 1, kPut = 2, kAppend = 3 };
const char* op_kind_name(OpKind k);

struct ClientRequest {
  OpKind op = OpKind::kGet;
  uint64_t client_id = 0;
  uint64_t seq = 0;  // per-client, increasing; (client_id, seq) names one operation
  std::string key;
  std::string value;  // Put: the value; Append: the argument; Get: empty
  bool operator==(const ClientRequest&) const = default;
};

enum class ReplyCode : uint8_t {
  kOk = 0,           // took effect; for a Get `value` is what was read
  kWrongLeader = 1,  // not the leader (or lost leadership); try `leader_hint` (0: unknown)
  kRetry = 2,        // the leader could not finish in time; the same request may be sent again
  kError = 3,        // the request itself is bad (`error` says why); retrying will not help
};
const char* reply_code_name(ReplyCode c);

struct ClientReply {
  uint64_t client_id = 0;
  uint64_t seq = 0;
  ReplyCode code = ReplyCode::kOk;
  uint64_t node_id = 0;      // the node that answers (lets a client map node ids to addresses)
  uint64_t leader_hint = 0;  // kWrongLeader: the leader this node believes in, 0 if none
  std::string value;         // kOk: the value read (Get), empty otherwise
  std::string error;         // kError: a one-line reason
  bool operator==(const ClientReply&) const = default;
};

struct StatusRequest {
  uint64_t nonce = 0;  // echoed in the reply so the asker can match it
  bool operator==(const StatusRequest&) const = default;
};

struct StatusReply {
  uint64_t nonce = 0;
  uint64_t id = 0;
  std::string role;  // "follower", "pre-candidate", "candidate", "leader"
  uint64_t term = 0;
  uint64_t leader = 0;
  uint64_t commit_index = 0;
  uint64_t applied_index = 0;
  uint64_t last_index = 0;
  uint64_t log_bytes = 0;
  uint64_t snapshot_index = 0;
  uint64_t snapshot_bytes = 0;
  bool operator==(const StatusReply&) const = default;
};

std::string encode(const ClientRequest& m);
std::string encode(const ClientReply& m);
std::string encode(const StatusRequest& m);
std::string encode(const StatusReply& m);
// The same bytes as encode(m) with `value` in place of m.value (which is ignored): a node answers
// a Get straight from its state machine without first copying the value into a ClientReply.
std::string encode(const ClientReply& m, std::string_view value);

// Each decoder rejects a wrong version byte, a truncated or over-long payload and out-of-range
// enum values with Status::corruption("... at byte N").
common::Result<ClientRequest> decode_client_request(std::string_view payload);
common::Result<ClientReply> decode_client_reply(std::string_view payload);
common::Result<StatusRequest> decode_status_request(std::string_view payload);
common::Result<StatusReply> decode_status_reply(std::string_view payload);

}  // namespace wire
