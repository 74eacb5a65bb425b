// NodeCore, messages in and replies out: peers' Raft messages, client requests, status.
#include "cluster/kv/command.h"
#include "cluster/node/node_core_state.h"
#include "cluster/wire/raft_codec.h"

namespace node {
namespace {

constexpr size_t kMaxRequestBytes = 1 << 20;

std::string read_context(uint64_t n) {
  return std::string(reinterpret_cast<const char*>(&n), sizeof n);
}

}  // namespace

void NodeCore::State::handle(std::vector<std::string> parts, const std::string& connection) {
  auto f = wire::split_frames(std::move(parts));
  if (!f) return note_garbage("frames", f.status());
  switch (f->type) {
    case wire::MsgType::kRaft:
      return handle_raft(*f, connection);
    case wire::MsgType::kClientRequest:
      return handle_client(std::move(*f));
    case wire::MsgType::kStatusRequest:
      return handle_status(*f);
    default:
      return note_garbage("frames", common::Status::invalid_argument(
                                        std::string("unexpected message type ") +
                                        wire::msg_type_name(f->type) + " from " + f->sender));
  }
}

void NodeCore::State::note_garbage(const std::string& what, const common::Status& s) {
  // Logged, never fatal; a flood is sampled so it cannot fill the disk.
  ++garbage_count;
  if (garbage_count <= 20 || garbage_count % 1000 == 0)
    log(LogLevel::kWarn, "dropped malformed message",
        {{"part", what}, {"error", s.message()}, {"count", garbage_count}});
}

void NodeCore::State::handle_raft(const wire::Frames& f, const std::string& connection) {
  auto m = wire::decode_raft_message(f.payload);
  if (!m) return note_garbage("raft payload", m.status());
  if (m->to != opts.id || !opts.cluster.find(m->from) || m->from == opts.id)
    return note_garbage("raft header", common::Status::invalid_argument(
                                           "message from " + std::to_string(m->from) + " to " +
                                           std::to_string(m->to) + " is not for this node"));
  // A member's messages come from its own connection where the transport can tell (CURVE: the
  // key it authenticated with): anyone else naming it is refused before Raft sees the message.
  if (!connection.empty() && connection != std::string("n").append(std::to_string(m->from))) {
    ++forged_count;
    if (forged_count <= 20 || forged_count % 1000 == 0)
      log(LogLevel::kWarn, "refused raft message from another connection",
          {{"from", m->from}, {"connection", connection}, {"count", forged_count}});
    return;
  }
  if (auto s = raft->step(*m); !s) note_garbage("raft step", s);
}

void NodeCore::State::handle_client(wire::Frames f) {
  Waiter w{std::move(f.envelope), std::move(f.sender), {}, now_ns};
  auto req = wire::decode_client_request(f.payload);
  if (!req) {
    note_garbage("client request", req.status());
    return reply(w, wire::ReplyCode::kError, {}, req.status().message());
  }
  w.request = std::move(*req);
  if (w.request.key.size() + w.request.value.size() > kMaxRequestBytes)
    return reply(w, wire::ReplyCode::kError, {}, "key and value exceed 1 MiB");
  const bool is_get = w.request.op == wire::OpKind::kGet;
  if (is_get && opts.cluster.read_mode == wire::ReadMode::kLocal)  // unsafe: may be stale
    return reply(w, wire::ReplyCode::kOk, kv.get_view(w.request.key));
  if (raft->role() != raft::Role::kLeader) return reply(w, wire::ReplyCode::kWrongLeader);
  if (is_get && opts.cluster.read_mode == wire::ReadMode::kReadIndex) {
    read_batch.push_back(std::move(w));
    return;
  }
  kv::Command cmd{static_cast<kv::Op>(w.request.op), w.request.client_id, w.request.seq,
                  w.request.key, w.request.value};
  raft::ProposeResult pr = raft->propose(kv::encode_command(cmd));
  if (!pr.accepted) return reply(w, wire::ReplyCode::kWrongLeader);
  if (auto displaced = pending.add_write(pr.index, pr.term, std::move(w)))
    reply(*displaced, wire::ReplyCode::kWrongLeader);
}

void NodeCore::State::handle_status(const wire::Frames& f) {
  auto req = wire::decode_status_request(f.payload);
  if (!req) return note_garbage("status request", req.status());
  wire::StatusReply r;
  r.nonce = req->nonce;
  r.id = opts.id;
  r.role = raft::role_name(raft->role());
  r.term = raft->term();
  r.leader = raft->leader();
  r.commit_index = raft->commit_index();
  r.applied_index = applied;
  r.last_index = raft->last_index();
  r.log_bytes = store->log_bytes();
  r.snapshot_index = store->snapshot_index();
  r.snapshot_bytes = store->snapshot_bytes();
  wire::Frames frames{f.envelope, name, wire::MsgType::kStatusReply, wire::encode(r)};
  out.messages.push_back(Outgoing{raft::kNoNode, wire::join_frames(std::move(frames))});
}

void NodeCore::State::flush_read_batch() {
  if (read_batch.empty()) return;
  std::vector<Waiter> batch = std::move(read_batch);
  read_batch.clear();
  std::string ctx = read_context(++read_counter);
  if (raft->role() != raft::Role::kLeader || !raft->read_index(ctx))
    return reply_all(std::move(batch), wire::ReplyCode::kWrongLeader);
  out.reads.push_back(ReadRound{ctx, false, 0});
  pending.add_read_batch(ctx, std::move(batch));
}

void NodeCore::State::send_raft(const raft::Message& m) {
  if (m.to == opts.id || !opts.cluster.find(m.to)) return;
  // Best effort (the driver may drop it): Raft tolerates loss.
  out.messages.push_back(
      Outgoing{m.to, {name, std::string(1, char(wire::MsgType::kRaft)), wire::encode_raft_message(m)}});
}

void NodeCore::State::reply(const Waiter& w, wire::ReplyCode code, std::string_view value,
                            std::string error) {
  wire::ClientReply r;
  r.client_id = w.request.client_id;
  r.seq = w.request.seq;
  r.code = code;
  r.node_id = opts.id;
  r.leader_hint = code == wire::ReplyCode::kWrongLeader ? raft->leader() : 0;
  if (r.leader_hint == opts.id && raft->role() != raft::Role::kLeader) r.leader_hint = 0;
  r.error = std::move(error);
  wire::Frames frames{w.envelope, name, wire::MsgType::kClientReply, wire::encode(r, value)};
  out.messages.push_back(Outgoing{raft::kNoNode, wire::join_frames(std::move(frames))});
}

void NodeCore::State::reply_all(std::vector<Waiter> ws, wire::ReplyCode code) {
  for (const auto& w : ws) reply(w, code);
}

}  // namespace node
