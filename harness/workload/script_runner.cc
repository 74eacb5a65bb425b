#include "harness/workload/script_runner.h"

#include <algorithm>
#include <sstream>

namespace harness {
namespace {

constexpr std::chrono::seconds kDefaultSyncBound{30};

std::string ms_text(int64_t ns) {
  std::ostringstream out;
  out << ns / 1'000'000 << " ms";
  return out.str();
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ",";
    out += s;
  }
  return out;
}

}  // namespace

ScriptRunner::ScriptRunner(std::vector<std::string> servers, std::vector<std::string> senders,
                           Micros attempt_timeout, HistoryWriter& history,
                           const common::Clock& clock, ProcessIds& ids, FaultInjector& faults)
    : servers_(std::move(servers)),
      senders_(std::move(senders)),
      attempt_timeout_(attempt_timeout),
      history_(history),
      clock_(clock),
      ids_(ids),
      faults_(faults) {}

ScriptRunner::~ScriptRunner() {
  // Open every gate so pending ops can finish (each is bounded by its deadline anyway).
  for (auto& [side, gate] : gates_) gate->heal();
  join_all();
  clients_.clear();
  for (auto& [side, gate] : gates_) gate->stop();
}

common::Status ScriptRunner::sync_gates() {
  const auto sides = faults_.sides();
  for (auto& [side, gate] : gates_) {
    if (sides.empty()) {
      gate->heal();
      continue;
    }
    Partition p;
    for (const auto& s : sides) p.sides.emplace_back(s.begin(), s.end());
    // Clients of this gate reach only `side`; if the new partition has fewer sides, none.
    if (side < static_cast<int>(sides.size())) {
      p.client_sides.insert(side);
    } else {
      p.sides.push_back({});
      p.client_sides.insert(static_cast<int>(p.sides.size()) - 1);
    }
    if (auto st = gate->set_partition(p); !st) return st;
  }
  return common::Status::ok();
}

void ScriptRunner::join_all() {
  for (auto& [name, c] : clients_) {
    if (c.pending && c.pending->thread.joinable()) c.pending->thread.join();
  }
}

void ScriptRunner::reset_clients() {
  join_all();
  clients_.clear();
}

void ScriptRunner::add(const std::string& name, bool passed, const std::string& detail) {
  CheckOutcome c;
  c.name = name;
  c.verdict = passed ? "pass" : "fail";
  c.summary = detail;
  outcomes_.push_back(std::move(c));
}

ScriptRunner::ScriptClient& ScriptRunner::client_for(const ScriptOp& op) {
  auto it = clients_.find(op.client);
  if (it != clients_.end()) return it->second;
  ScriptClient c;
  c.process = ids_.next();
  client::ClerkOptions opts;
  opts.attempt_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(attempt_timeout_);
  opts.servers = servers_;
  if (op.side >= 0) {
    opts.servers.clear();
    const auto sides = faults_.sides();
    if (op.side < static_cast<int>(sides.size())) {
      auto& gate = gates_[op.side];
      if (!gate) {
        InterposerOptions io;
        for (size_t i = 0; i < servers_.size(); ++i) io.nodes.push_back(NodeEndpoint{senders_[i], servers_[i]});
        gate = std::make_unique<Interposer>(io);
        if (gate->start() && sync_gates()) opts.servers = gate->frontend_addresses();
      } else {
        opts.servers = gate->frontend_addresses();
      }
    }
  }
  if (!opts.servers.empty()) c.clerk = std::make_unique<client::Clerk>(opts);
  return clients_.emplace(op.client, std::move(c)).first->second;
}

bool ScriptRunner::execute(ScriptClient& c, const ScriptOp& op,
                           std::chrono::steady_clock::time_point deadline, std::string* read) {
  const nlohmann::json value = op.f == "get" ? nlohmann::json() : nlohmann::json(op.value);
  history_.record(c.process, "invoke", op.f, op.key, value, clock_.now_ns());
  client::OpResult r;
  if (op.f == "get") {
    r = c.clerk->get(op.key, deadline);
  } else if (op.f == "put") {
    r = c.clerk->put(op.key, op.value, deadline);
  } else {
    r = c.clerk->append(op.key, op.value, deadline);
  }
  const bool ok = r.outcome == client::Outcome::kOk;
  history_.record(c.process, ok ? "ok" : "info", op.f, op.key,
                  ok && op.f == "get" ? nlohmann::json(r.value) : value, clock_.now_ns());
  if (read) *read = r.value;
  return ok;
}

void ScriptRunner::run(const Step& step, const std::string& where,
                       std::chrono::steady_clock::time_point op_deadline) {
  const std::string name = "script " + where + ": " + step.describe();
  if (step.kind == Step::Kind::kOp) {
    const ScriptOp& op = step.op;
    if (op.f == "append") appended_keys_.insert(op.key);
    ScriptClient& c = client_for(op);
    if (!c.clerk) {
      add(name, false, "side " + std::to_string(op.side) + " does not exist: no partition is active");
      return;
    }
    if (c.pending && c.pending->thread.joinable()) c.pending->thread.join();
    if (op.async) {
      c.pending = std::make_unique<PendingOp>();
      PendingOp* p = c.pending.get();
      ScriptClient* cp = &c;
      p->started_ns = clock_.now_ns();
      p->thread = std::thread([this, p, cp, op, op_deadline] {
        p->ok = execute(*cp, op, op_deadline, nullptr);
        p->finished_ns = clock_.now_ns();
        p->done = true;
      });
      return;
    }
    const auto bound = op.within ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(*op.within)
                                 : std::chrono::duration_cast<std::chrono::steady_clock::duration>(kDefaultSyncBound);
    const auto deadline = std::min(op_deadline, std::chrono::steady_clock::now() + bound);
    const int64_t t0 = clock_.now_ns();
    std::string read;
    const bool ok = execute(c, op, deadline, &read);
    const int64_t took = clock_.now_ns() - t0;
    if (!ok) {
      add(name, false, "did not complete within " + ms_text(std::chrono::duration_cast<std::chrono::nanoseconds>(bound).count()));
      return;
    }
    if (op.expect) {
      add(name, read == *op.expect,
          read == *op.expect ? "read '" + read + "' as expected"
                             : "read '" + read + "', expected '" + *op.expect + "'");
    } else if (op.within) {
      add(name, true, "completed in " + ms_text(took));
    }
    return;
  }
  if (step.kind == Step::Kind::kExpectPending || step.kind == Step::Kind::kAwait) {
    const auto until = std::chrono::steady_clock::now() + step.wait;
    auto all_done = [&] {
      for (const auto& cn : step.clients) {
        auto it = clients_.find(cn);
        if (it != clients_.end() && it->second.pending && !it->second.pending->done) return false;
      }
      return true;
    };
    // Poll: bounded by `until`.
    while (std::chrono::steady_clock::now() < until) {
      if (step.kind == Step::Kind::kAwait && all_done()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::vector<std::string> finished;
    std::vector<std::string> pending;
    for (const auto& cn : step.clients) {
      auto it = clients_.find(cn);
      const bool done = it != clients_.end() && it->second.pending && it->second.pending->done;
      if (done) {
        const auto& p = *it->second.pending;
        finished.push_back(cn + " (" + (p.ok ? "ok" : "unknown") + " after " +
                           ms_text(p.finished_ns - p.started_ns) + ")");
      } else {
        pending.push_back(cn);
      }
    }
    if (step.kind == Step::Kind::kExpectPending) {
      add(name, finished.empty(),
          finished.empty() ? "still pending: " + join(pending) : "completed too early: " + join(finished));
    } else {
      bool all_ok = pending.empty();
      for (const auto& cn : step.clients) {
        auto it = clients_.find(cn);
        if (it != clients_.end() && it->second.pending && it->second.pending->done && !it->second.pending->ok) {
          all_ok = false;
        }
      }
      add(name, all_ok, pending.empty() ? "completed: " + join(finished) : "still pending: " + join(pending));
    }
  }
}

void ScriptRunner::verify(const std::vector<std::string>& keys,
                          std::chrono::steady_clock::time_point deadline) {
  ScriptClient c;
  c.process = ids_.next();
  verifiers_.insert(c.process);
  client::ClerkOptions opts;
  opts.servers = servers_;
  opts.attempt_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(attempt_timeout_);
  c.clerk = std::make_unique<client::Clerk>(opts);
  std::vector<std::string> failed;
  for (const auto& key : keys) {
    ScriptOp op;
    op.f = "get";
    op.key = key;
    if (!execute(c, op, deadline, nullptr)) failed.push_back(key);
  }
  if (!failed.empty()) add("verify_appends reads", false, "could not read: " + join(failed));
}

}  // namespace harness
