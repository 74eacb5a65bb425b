// The ZeroMQ driver of ClerkCore: one DEALER per server, sends what the core asks for, polls for
// replies until the core's next wake-up, and feeds both back. No decision is made here.
#include "cluster/client/clerk.h"

#include <random>
#include <zmq.hpp>

#include "cluster/wire/zmq_io.h"

namespace client {
namespace {

using Clock = std::chrono::steady_clock;

int64_t to_ns(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
int64_t now_ns() { return to_ns(Clock::now()); }

uint64_t random_id() {
  std::random_device rd;
  uint64_t id = 0;
  while (id == 0) id = (uint64_t(rd()) << 32) ^ rd();
  return id;
}

ClerkCoreOptions core_options(const ClerkOptions& o) {
  ClerkCoreOptions c;
  c.servers = o.servers.size();
  c.attempt_timeout_ns = std::chrono::nanoseconds(o.attempt_timeout).count();
  c.client_id = o.client_id ? o.client_id : random_id();
  c.sender = o.sender;
  c.server_names = o.servers;
  return c;
}

}  // namespace

struct Clerk::Impl {
  std::unique_ptr<zmq::context_t> own_context;
  std::vector<zmq::socket_t> sockets;  // one DEALER per server, same order as the options
  ClerkCore core;
  uint64_t sent = 0;

  Impl(const ClerkOptions& o, zmq::context_t* context) : core(core_options(o)) {
    if (!context) {
      own_context = std::make_unique<zmq::context_t>(1);
      context = own_context.get();
    }
    for (const auto& addr : o.servers) {
      zmq::socket_t s(*context, zmq::socket_type::dealer);
      s.set(zmq::sockopt::linger, 0);
      s.set(zmq::sockopt::immediate, 1);  // a send to an unreachable server fails at once
      s.set(zmq::sockopt::reconnect_ivl, 10);
      s.set(zmq::sockopt::reconnect_ivl_max, 100);
      s.connect(addr);
      sockets.push_back(std::move(s));
    }
  }

  // Sends what the core queued; a send that fails is reported, which may queue another.
  void pump_sends() {
    for (auto sends = core.take_sends(); !sends.empty(); sends = core.take_sends()) {
      for (const ClerkSend& s : sends) {
        if (wire::send_multipart(sockets[s.server], s.frames))
          ++sent;
        else
          core.on_send_failed(s.server, now_ns());
      }
    }
  }

  // Polls `first`..`last` sockets until the core's next wake-up (or a reply) and feeds the core.
  // `done` says when to stop taking messages (the outcome is there).
  template <typename Done>
  void wait_once(size_t first, size_t last, Done done) {
    std::vector<zmq::pollitem_t> items;
    for (size_t i = first; i < last; ++i) items.push_back({sockets[i].handle(), 0, ZMQ_POLLIN, 0});
    const int64_t left = core.next_wakeup_ns() - now_ns();
    if (left > 0) {
      const int64_t ms = std::min<int64_t>((left + 999999) / 1000000, 1000);
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(ms));
    }
    std::vector<std::string> parts;
    for (size_t i = first; i < last && !done(); ++i)
      for (int k = 0; k < 1024 && !done() && wire::recv_multipart(sockets[i], &parts); ++k)
        core.on_reply(i, std::move(parts), now_ns());
    if (!done()) core.on_time(now_ns());
  }

  OpResult run(wire::OpKind op, const std::string& key, const std::string& value,
               std::optional<Deadline> deadline) {
    std::optional<int64_t> deadline_ns;
    if (deadline) deadline_ns = to_ns(*deadline);
    core.start_op(op, key, value, now_ns(), deadline_ns);
    std::optional<OpResult> result;
    while (true) {
      pump_sends();
      if ((result = core.take_result())) return std::move(*result);
      wait_once(0, sockets.size(), [this] { return !core.busy(); });
    }
  }

  common::Result<NodeStatus> status(size_t server, std::chrono::milliseconds timeout) {
    if (auto s = core.start_status(server, now_ns(), std::chrono::nanoseconds(timeout).count()); !s)
      return s;
    while (true) {
      pump_sends();
      if (auto r = core.take_status()) return std::move(*r);
      wait_once(server, server + 1, [this] { return !core.busy(); });
    }
  }
};

Clerk::Clerk(ClerkOptions options, zmq::context_t* context)
    : impl_(std::make_unique<Impl>(options, context)) {}
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
  return impl_->status(server, timeout);
}

uint64_t Clerk::client_id() const { return impl_->core.client_id(); }
uint64_t Clerk::messages_sent() const { return impl_->sent; }

}  // namespace client
