#include "harness/workload/script_runner.h"

#include <algorithm>
#include <sstream>

namespace harness {
namespace {

constexpr int64_t kDefaultSyncBoundNs = 30'000'000'000;
constexpr int64_t kPollNs = 5'000'000;

std::string ms_of(int64_t ns) {
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

ScriptRunner::ScriptRunner(sut::Clients& clients, sut::Network& network, sut::RunClock& clock,
                           Micros attempt_timeout, HistoryWriter& history, ProcessIds& ids,
                           SidesFn sides, uint64_t ids_seed)
    : clients_(clients),
      network_(network),
      clock_(clock),
      attempt_timeout_(attempt_timeout),
      history_(history),
      ids_(ids),
      sides_(std::move(sides)),
      ids_rng_(ids_seed) {}

ScriptRunner::~ScriptRunner() {
  // Free every confined client so pending ops can finish (each is bounded by its deadline anyway).
  for (auto& [name, c] : clients_by_name_) {
    if (c.side >= 0) network_.release_client(c.name);
  }
  join_all();
}

common::Status ScriptRunner::sync_confinement() {
  const auto sides = sides_();
  for (auto& [name, c] : clients_by_name_) {
    if (c.side < 0) continue;
    if (sides.empty()) {
      network_.release_client(c.name);
      continue;
    }
    // Clients of a side reach only its nodes; if the new partition has fewer sides, none.
    std::set<int> nodes;
    if (c.side < static_cast<int>(sides.size())) nodes.insert(sides[c.side].begin(), sides[c.side].end());
    if (auto st = network_.confine_client(c.name, nodes); !st) return st;
  }
  return common::Status::ok();
}

void ScriptRunner::join_all() {
  for (auto& [name, c] : clients_by_name_) {
    if (c.pending && c.pending->task) c.pending->task->join();
  }
}

void ScriptRunner::add(const std::string& name, bool passed, const std::string& detail) {
  CheckOutcome c;
  c.name = name;
  c.verdict = passed ? CheckVerdict::kPass : CheckVerdict::kFail;
  c.summary = detail;
  outcomes_.push_back(std::move(c));
}

std::unique_ptr<RecordingClient> ScriptRunner::make_client(const std::string& name, int64_t process) {
  sut::ClientOptions opts;
  opts.name = name;
  opts.client_id = ids_rng_.next_u64() | 1;
  opts.attempt_timeout_ns = std::chrono::nanoseconds(attempt_timeout_).count();
  return std::make_unique<RecordingClient>(clients_.make(opts), process, history_, clock_);
}

ScriptRunner::ScriptClient& ScriptRunner::client_for(const ScriptOp& op) {
  auto it = clients_by_name_.find(op.client);
  if (it != clients_by_name_.end()) return it->second;
  ScriptClient c;
  const int64_t process = ids_.next();
  c.name = "script-";
  c.name += op.client;
  c.name += '-';
  c.name += std::to_string(process);
  const bool side_exists = op.side < 0 || op.side < static_cast<int>(sides_().size());
  if (side_exists) {
    c.client = make_client(c.name, process);
    c.side = op.side;
  }
  auto& stored = clients_by_name_.emplace(op.client, std::move(c)).first->second;
  if (stored.side >= 0) (void)sync_confinement();
  return stored;
}

bool ScriptRunner::execute(ScriptClient& c, const ScriptOp& op, int64_t deadline_ns, std::string* read) {
  const auto r = c.client->run(op.f, op.key, op.value, deadline_ns);
  if (read) *read = r.value;
  return r.outcome == sut::Outcome::kOk;
}

void ScriptRunner::run(const Step& step, const std::string& where, int64_t op_deadline_ns) {
  const std::string name = "script " + where + ": " + step.describe();
  if (step.kind == Step::Kind::kOp) {
    const ScriptOp& op = step.op;
    if (op.f == sut::OpKind::kAppend) appended_keys_.insert(op.key);
    ScriptClient& c = client_for(op);
    if (!c.client) {
      add(name, false, "side " + std::to_string(op.side) + " does not exist: no partition is active");
      return;
    }
    if (c.pending && c.pending->task) c.pending->task->join();
    if (op.async) {
      c.pending = std::make_unique<PendingOp>();
      PendingOp* p = c.pending.get();
      ScriptClient* cp = &c;
      p->started_ns = clock_.now_ns();
      p->task = clock_.spawn("script " + op.client, [this, p, cp, op, op_deadline_ns] {
        p->ok = execute(*cp, op, op_deadline_ns, nullptr);
        p->finished_ns = clock_.now_ns();
        p->done = true;
      });
      return;
    }
    const int64_t bound = op.within ? std::chrono::nanoseconds(*op.within).count() : kDefaultSyncBoundNs;
    const int64_t t0 = clock_.now_ns();
    const int64_t deadline = std::min(op_deadline_ns, t0 + bound);
    std::string read;
    const bool ok = execute(c, op, deadline, &read);
    const int64_t took = clock_.now_ns() - t0;
    if (!ok) {
      add(name, false, "did not complete within " + ms_of(bound));
      return;
    }
    if (op.expect) {
      add(name, read == *op.expect,
          read == *op.expect ? "read '" + short_value(read) + "' as expected"
                             : "read '" + short_value(read) + "', expected '" + short_value(*op.expect) + "'");
    } else if (op.within) {
      add(name, true, "completed in " + ms_of(took));
    }
    return;
  }
  if (step.kind == Step::Kind::kExpectPending || step.kind == Step::Kind::kAwait) {
    const int64_t until = clock_.now_ns() + std::chrono::nanoseconds(step.wait).count();
    auto all_done = [&] {
      for (const auto& cn : step.clients) {
        auto it = clients_by_name_.find(cn);
        if (it != clients_by_name_.end() && it->second.pending && !it->second.pending->done) return false;
      }
      return true;
    };
    // Poll: bounded by `until`.
    while (clock_.now_ns() < until) {
      if (step.kind == Step::Kind::kAwait && all_done()) break;
      clock_.sleep_until(std::min(until, clock_.now_ns() + kPollNs));
    }
    std::vector<std::string> finished;
    std::vector<std::string> pending;
    for (const auto& cn : step.clients) {
      auto it = clients_by_name_.find(cn);
      const bool done = it != clients_by_name_.end() && it->second.pending && it->second.pending->done;
      if (done) {
        const auto& p = *it->second.pending;
        finished.push_back(cn + " (" + (p.ok ? "ok" : "unknown") + " after " +
                           ms_of(p.finished_ns - p.started_ns) + ")");
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
        auto it = clients_by_name_.find(cn);
        if (it != clients_by_name_.end() && it->second.pending && it->second.pending->done &&
            !it->second.pending->ok) {
          all_ok = false;
        }
      }
      add(name, all_ok, pending.empty() ? "completed: " + join(finished) : "still pending: " + join(pending));
    }
  }
}

void ScriptRunner::verify(const std::vector<std::string>& keys, int64_t deadline_ns) {
  const int64_t process = ids_.next();
  verifiers_.insert(process);
  std::string name = "verifier-";
  name += std::to_string(process);
  auto client = make_client(name, process);
  std::vector<std::string> failed;
  for (const auto& key : keys) {
    if (client->run(sut::OpKind::kGet, key, "", deadline_ns).outcome != sut::Outcome::kOk) {
      failed.push_back(key);
    }
  }
  if (!failed.empty()) add("verify_appends reads", false, "could not read: " + join(failed));
}

}  // namespace harness
