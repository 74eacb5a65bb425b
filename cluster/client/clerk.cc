#include "cluster/client/clerk.h"

#include <cstdio>
#include <map>
#include <random>
#include <zmq.hpp>

#include "cluster/wire/frames.h"
#include "cluster/wire/protocol.h"
#include "cluster/wire/zmq_io.h"

namespace client {
namespace {

using Clock = std::chrono::steady_clock;

// After every server refused or could not be reached in a row, wait this long before the next
// round (an election is probably in progress). Waiting is a poll that also drains late replies.
constexpr std::chrono::milliseconds kRoundBackoff{5};

uint64_t random_id() {
  std::random_device rd;
  uint64_t id = 0;
  while (id == 0) id = (uint64_t(rd()) << 32) ^ rd();
  return id;
}

}  // namespace

struct Clerk::Impl {
  ClerkOptions opts;
  std::unique_ptr<zmq::context_t> own_context;
  std::vector<zmq::socket_t> sockets;         // one DEALER per server, same order as opts.servers
  std::map<uint64_t, size_t> server_of_node;  // learned from replies: node id -> server position
  size_t leader = 0;
  uint64_t seq = 0;
  uint64_t nonce = 0;
  uint64_t sent = 0;

  Impl(ClerkOptions o, zmq::context_t* context) : opts(std::move(o)) {
    if (opts.client_id == 0) opts.client_id = random_id();
    if (opts.sender.empty()) {
      char buf[24];
      std::snprintf(buf, sizeof buf, "c%016llx", static_cast<unsigned long long>(opts.client_id));
      opts.sender = buf;
    }
    if (!context) {
      own_context = std::make_unique<zmq::context_t>(1);
      context = own_context.get();
    }
    for (const auto& addr : opts.servers) {
      zmq::socket_t s(*context, zmq::socket_type::dealer);
      s.set(zmq::sockopt::linger, 0);
      s.set(zmq::sockopt::immediate, 1);  // a send to an unreachable server fails at once
      s.set(zmq::sockopt::reconnect_ivl, 10);
      s.set(zmq::sockopt::reconnect_ivl_max, 100);
      s.connect(addr);
      sockets.push_back(std::move(s));
    }
  }

  bool send(size_t server, wire::MsgType type, const std::string& payload) {
    bool ok =
        wire::send_multipart(sockets[server], {opts.sender, std::string(1, char(type)), payload});
    if (ok) ++sent;
    return ok;
  }

  // Waits until `until` for a reply to (client_id, want_seq) on any socket; stale and foreign
  // messages are dropped. Returns the reply and the server it came from.
  std::optional<std::pair<wire::ClientReply, size_t>> wait_reply(uint64_t want_seq,
                                                                 Clock::time_point until) {
    std::vector<zmq::pollitem_t> items;
    for (auto& s : sockets) items.push_back({s.handle(), 0, ZMQ_POLLIN, 0});
    std::vector<std::string> parts;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (left.count() < 0) return std::nullopt;
      zmq::poll(items.data(), items.size(), left);
      for (size_t i = 0; i < sockets.size(); ++i) {
        for (int k = 0; k < 1024 && wire::recv_multipart(sockets[i], &parts); ++k) {
          auto f = wire::split_frames(std::move(parts));
          if (!f || f->type != wire::MsgType::kClientReply) continue;
          auto r = wire::decode_client_reply(f->payload);
          if (!r) continue;
          if (r->node_id != 0) server_of_node[r->node_id] = i;
          if (r->client_id == opts.client_id && r->seq == want_seq)
            return std::make_pair(std::move(*r), i);
        }
      }
      if (Clock::now() >= until) return std::nullopt;
    }
  }

  OpResult run(wire::OpKind op, const std::string& key, const std::string& value,
               std::optional<Deadline> deadline) {
    wire::ClientRequest req{op, opts.client_id, ++seq, key, value};
    const std::string payload = wire::encode(req);
    OpResult result;
    const size_t n = sockets.size();
    if (n == 0) return result;
    size_t server = leader % n;
    size_t refusals = 0;  // consecutive servers that refused or could not be reached
    while (true) {
      auto now = Clock::now();
      if (deadline && now >= *deadline) return result;  // kUnknown
      if (refusals >= n) {
        refusals = 0;
        auto until = now + kRoundBackoff;
        if (deadline) until = std::min(until, *deadline);
        if (auto r = wait_reply(req.seq, until); r && r->first.code == wire::ReplyCode::kOk)
          return finish(result, r->first, r->second);
        continue;
      }
      if (!send(server, wire::MsgType::kClientRequest, payload)) {
        server = (server + 1) % n;
        ++refusals;
        continue;
      }
      ++result.attempts;
      auto until = Clock::now() + opts.attempt_timeout;
      if (deadline) until = std::min(until, *deadline);
      auto r = wait_reply(req.seq, until);
      if (!r) {  // attempt timed out: try the next server
        server = (server + 1) % n;
        ++refusals;
        continue;
      }
      const wire::ClientReply& reply = r->first;
      switch (reply.code) {
        case wire::ReplyCode::kOk:
          return finish(result, reply, r->second);
        case wire::ReplyCode::kWrongLeader: {
          auto hinted = server_of_node.find(reply.leader_hint);
          if (reply.leader_hint != 0 && hinted != server_of_node.end() &&
              hinted->second != r->second) {
            server = hinted->second;
          } else {
            server = (r->second + 1) % n;
            ++refusals;
          }
          break;
        }
        case wire::ReplyCode::kRetry:
          refusals = n;  // back off, then retry the same server
          server = r->second;
          break;
        case wire::ReplyCode::kError:
          // The request itself is refused (e.g. too large): no retry can succeed.
          result.value = reply.error;
          return result;
      }
    }
  }

  OpResult finish(OpResult result, const wire::ClientReply& reply, size_t from) {
    leader = from;
    result.outcome = Outcome::kOk;
    result.value = reply.value;
    return result;
  }
};

Clerk::Clerk(ClerkOptions options, zmq::context_t* context)
    : impl_(std::make_unique<Impl>(std::move(options), context)) {}
Clerk::~Clerk() = default;

OpResult Clerk::get(const std::string& key, std::optional<Deadline> deadline) {
  return impl_->run(wire::OpKind::kGet, key, {}, deadline);
}
OpResult Clerk::put(const std::string& key, const std::string& value,
                    std::optional<Deadline> deadline) {
  return impl_->run(wire::OpKind::kPut, key, value, deadline);
}
OpResult Clerk::append(const std::string& key, const std::string& arg,
                       std::optional<Deadline> deadline) {
  return impl_->run(wire::OpKind::kAppend, key, arg, deadline);
}

common::Result<NodeStatus> Clerk::status(size_t server, std::chrono::milliseconds timeout) {
  if (server >= impl_->sockets.size())
    return common::Status::invalid_argument("no server at position " + std::to_string(server));
  const uint64_t nonce = ++impl_->nonce;
  auto until = Clock::now() + timeout;
  zmq::socket_t& s = impl_->sockets[server];
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  // The connection may still be in progress: retry the send (bounded by the timeout).
  while (!impl_->send(server, wire::MsgType::kStatusRequest,
                      wire::encode(wire::StatusRequest{nonce}))) {
    if (Clock::now() >= until)
      return common::Status::unavailable("cannot reach " + impl_->opts.servers[server]);
    zmq::poll(&item, 1, std::chrono::milliseconds(2));
  }
  std::vector<std::string> parts;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    if (left.count() <= 0) break;
    zmq::poll(&item, 1, left);
    while (wire::recv_multipart(s, &parts)) {
      auto f = wire::split_frames(std::move(parts));
      if (!f || f->type != wire::MsgType::kStatusReply) continue;
      auto r = wire::decode_status_reply(f->payload);
      if (!r || r->nonce != nonce) continue;
      impl_->server_of_node[r->id] = server;
      return NodeStatus{r->id,
                        r->role,
                        r->term,
                        r->leader,
                        r->commit_index,
                        r->applied_index,
                        r->last_index,
                        r->log_bytes,
                        r->snapshot_index,
                        r->snapshot_bytes};
    }
  }
  return common::Status::timeout("no status reply from " + impl_->opts.servers[server] +
                                 " within " + std::to_string(timeout.count()) + " ms");
}

uint64_t Clerk::client_id() const { return impl_->opts.client_id; }
uint64_t Clerk::messages_sent() const { return impl_->sent; }

}  // namespace client
