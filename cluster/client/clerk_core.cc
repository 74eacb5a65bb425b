#include "cluster/client/clerk_core.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <utility>

#include "cluster/wire/frames.h"

namespace client {
namespace {

int64_t capped(int64_t until, std::optional<int64_t> deadline) {
  return deadline ? std::min(until, *deadline) : until;
}

}  // namespace

ClerkCore::ClerkCore(ClerkCoreOptions options) : opts_(std::move(options)) {
  if (opts_.sender.empty()) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "c%016llx", static_cast<unsigned long long>(opts_.client_id));
    opts_.sender = buf;
  }
}

std::string ClerkCore::server_name(size_t server) const {
  if (server < opts_.server_names.size()) return opts_.server_names[server];
  return "server " + std::to_string(server);
}

void ClerkCore::emit(size_t server, wire::MsgType type, const std::string& payload) {
  sends_.push_back(ClerkSend{server, {opts_.sender, std::string(1, char(type)), payload}});
}

void ClerkCore::start_op(wire::OpKind op, std::string key, std::string value, int64_t now_ns,
                         std::optional<int64_t> deadline_ns) {
  wire::ClientRequest req{op, opts_.client_id, ++seq_, std::move(key), std::move(value)};
  payload_ = wire::encode(req);
  result_ = OpResult{};
  deadline_ns_ = deadline_ns;
  refusals_ = 0;
  if (opts_.servers == 0) {
    done_ = result_;  // nowhere to send it: unknown
    phase_ = Phase::kIdle;
    return;
  }
  server_ = leader_ % opts_.servers;
  phase_ = Phase::kSend;
  step(now_ns);
}

void ClerkCore::step(int64_t now_ns) {
  const size_t n = opts_.servers;
  while (true) {
    switch (phase_) {
      case Phase::kSend:
        if (deadline_ns_ && now_ns >= *deadline_ns_) {
          done_ = std::move(result_);  // kUnknown
          phase_ = Phase::kIdle;
          return;
        }
        if (refusals_ >= n) {
          refusals_ = 0;
          phase_ = Phase::kBackoff;
          until_ns_ = capped(now_ns + opts_.round_backoff_ns, deadline_ns_);
          return;
        }
        emit(server_, wire::MsgType::kClientRequest, payload_);
        ++result_.attempts;
        phase_ = Phase::kAwait;
        until_ns_ = capped(now_ns + opts_.attempt_timeout_ns, deadline_ns_);
        return;
      case Phase::kAwait:
        if (now_ns < until_ns_) return;
        fail_attempt(server_ + 1);  // the attempt timed out: try the next server
        break;
      case Phase::kBackoff:
        if (now_ns < until_ns_) return;
        phase_ = Phase::kSend;
        break;
      default:
        return;
    }
  }
}

void ClerkCore::fail_attempt(size_t next_server) {
  server_ = next_server % opts_.servers;
  ++refusals_;
  phase_ = Phase::kSend;
}

void ClerkCore::finish(wire::ClientReply& reply, size_t from) {
  leader_ = from;
  result_.outcome = Outcome::kOk;
  result_.value = std::move(reply.value);
  done_ = std::move(result_);
  phase_ = Phase::kIdle;
}

void ClerkCore::on_reply(size_t server, std::vector<std::string> frames, int64_t now_ns) {
  if (server >= opts_.servers) return;
  auto f = wire::split_frames(std::move(frames));
  if (!f) return;
  if (f->type == wire::MsgType::kClientReply) {
    auto r = wire::decode_client_reply(f->payload);
    if (!r) return;
    if (r->node_id != 0) server_of_node_[r->node_id] = server;
    if (r->client_id == opts_.client_id && r->seq == seq_) handle_client_reply(server, *r, now_ns);
  } else if (f->type == wire::MsgType::kStatusReply) {
    auto r = wire::decode_status_reply(f->payload);
    if (r) handle_status_reply(server, *r);
  }
}

void ClerkCore::handle_client_reply(size_t from, wire::ClientReply& reply, int64_t now_ns) {
  const size_t n = opts_.servers;
  if (phase_ == Phase::kBackoff) {
    // A reply to an earlier attempt ends the back-off: ok finishes, anything else sends again.
    if (reply.code == wire::ReplyCode::kOk) return finish(reply, from);
    phase_ = Phase::kSend;
    return step(now_ns);
  }
  if (phase_ != Phase::kAwait) return;
  switch (reply.code) {
    case wire::ReplyCode::kOk:
      return finish(reply, from);
    case wire::ReplyCode::kWrongLeader: {
      auto hinted = server_of_node_.find(reply.leader_hint);
      if (reply.leader_hint != 0 && hinted != server_of_node_.end() && hinted->second != from) {
        server_ = hinted->second;
        phase_ = Phase::kSend;
      } else {
        fail_attempt(from + 1);
      }
      break;
    }
    case wire::ReplyCode::kRetry:
      refusals_ = n;  // back off, then retry the same server
      server_ = from;
      phase_ = Phase::kSend;
      break;
    case wire::ReplyCode::kError:
      // The request itself is refused (e.g. too large): no retry can succeed.
      result_.value = reply.error;
      done_ = std::move(result_);
      phase_ = Phase::kIdle;
      return;
  }
  step(now_ns);
}

void ClerkCore::on_send_failed(size_t server, int64_t now_ns) {
  if (phase_ == Phase::kAwait && server == server_) {
    --result_.attempts;  // counted when it was handed to the driver
    fail_attempt(server_ + 1);
    return step(now_ns);
  }
  if ((phase_ == Phase::kStatusAwait || phase_ == Phase::kStatusSend) && server == status_server_) {
    // The connection may still be in progress: retry the send, bounded by the timeout.
    if (now_ns >= until_ns_) {
      status_done_ = common::Status::unavailable("cannot reach " + server_name(server));
      phase_ = Phase::kIdle;
      return;
    }
    phase_ = Phase::kStatusSend;
    status_retry_ns_ = std::min(now_ns + opts_.status_resend_ns, until_ns_);
  }
}

common::Status ClerkCore::start_status(size_t server, int64_t now_ns, int64_t timeout_ns) {
  if (server >= opts_.servers)
    return common::Status::invalid_argument("no server at position " + std::to_string(server));
  status_server_ = server;
  status_timeout_ns_ = timeout_ns;
  until_ns_ = now_ns + timeout_ns;
  emit(server, wire::MsgType::kStatusRequest, wire::encode(wire::StatusRequest{++nonce_}));
  phase_ = Phase::kStatusAwait;
  return common::Status::ok();
}

void ClerkCore::handle_status_reply(size_t server, const wire::StatusReply& r) {
  if (phase_ != Phase::kStatusAwait && phase_ != Phase::kStatusSend) return;
  if (server != status_server_ || r.nonce != nonce_) return;
  server_of_node_[r.id] = server;
  status_done_ = NodeStatus{
      r.id,         r.role,      r.term,           r.leader,        r.commit_index, r.applied_index,
      r.last_index, r.log_bytes, r.snapshot_index, r.snapshot_bytes};
  phase_ = Phase::kIdle;
}

void ClerkCore::on_time(int64_t now_ns) {
  if (phase_ == Phase::kStatusSend) {
    if (now_ns < status_retry_ns_) return;
    emit(status_server_, wire::MsgType::kStatusRequest, wire::encode(wire::StatusRequest{nonce_}));
    phase_ = Phase::kStatusAwait;
    return;
  }
  if (phase_ == Phase::kStatusAwait) {
    if (now_ns < until_ns_) return;
    status_done_ =
        common::Status::timeout("no status reply from " + server_name(status_server_) + " within " +
                                std::to_string(status_timeout_ns_ / 1000000) + " ms");
    phase_ = Phase::kIdle;
    return;
  }
  step(now_ns);
}

std::vector<ClerkSend> ClerkCore::take_sends() { return std::exchange(sends_, {}); }

std::optional<OpResult> ClerkCore::take_result() { return std::exchange(done_, std::nullopt); }

std::optional<common::Result<NodeStatus>> ClerkCore::take_status() {
  return std::exchange(status_done_, std::nullopt);
}

int64_t ClerkCore::next_wakeup_ns() const {
  switch (phase_) {
    case Phase::kAwait:
    case Phase::kBackoff:
    case Phase::kStatusAwait:
      return until_ns_;
    case Phase::kStatusSend:
      return status_retry_ns_;
    default:
      return std::numeric_limits<int64_t>::max();
  }
}

}  // namespace client
