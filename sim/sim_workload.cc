#include "sim/sim_workload.h"

#include "common/random.h"

namespace sim {

namespace sut = harness::sut;

namespace {

std::string append_value(int client, int64_t n) {
  std::string out = "x ";
  out += std::to_string(client);
  out += ' ';
  out += std::to_string(n);
  out += " y";
  return out;
}

sut::OpKind op_kind(const std::string& f) {
  return f == "get" ? sut::OpKind::kGet : f == "put" ? sut::OpKind::kPut : sut::OpKind::kAppend;
}

std::string ms_text(int64_t ns) { return std::to_string(ns / 1'000'000) + " ms"; }

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ",";
    out += s;
  }
  return out;
}

}  // namespace

SimWorkload::SimWorkload(harness::ClientsSpec spec, sut::System& system, harness::HistoryWriter& history,
                         ProcessCounter& ids)
    : spec_(std::move(spec)), system_(system), history_(history), ids_(ids),
      counters_(static_cast<size_t>(spec_.count), 0) {}

SimWorkload::~SimWorkload() {
  stop();
  join();
}

void SimWorkload::start(const harness::WorkloadSpec& workload, uint64_t seed, int64_t op_deadline_ns) {
  join();
  workload_ = workload;
  op_deadline_ns_ = op_deadline_ns;
  stop_ = false;
  ++generation_;
  common::Rng ids_rng(seed ^ 0x1d5ULL);
  if (spec_.fresh_identity || workers_.empty()) {
    workers_.clear();
    for (int c = 0; c < spec_.count; ++c) {
      auto w = std::make_unique<Worker>();
      w->index = c;
      w->process = ids_.next++;
      sut::ClientOptions o;
      o.name = "w" + std::to_string(generation_) + "c" + std::to_string(c);
      o.client_id = ids_rng.next_u64() | 1;
      o.attempt_timeout_ns = spec_.attempt_timeout.count() * 1000;
      w->client = system_.clients().make(o);
      processes_.insert(w->process);
      workers_.push_back(std::move(w));
    }
  }
  common::Rng rng(seed);
  for (auto& w : workers_) {
    w->done = false;
    const uint64_t worker_seed = rng.next_u64();
    Worker* raw = w.get();
    w->task = system_.clock().spawn("client", [this, raw, worker_seed] { worker_loop(*raw, worker_seed); });
  }
}

void SimWorkload::join() {
  for (auto& w : workers_) {
    if (w->task) w->task->join();
  }
}

bool SimWorkload::all_done() const {
  for (const auto& w : workers_) {
    if (!w->done) return false;
  }
  return true;
}

std::vector<std::string> SimWorkload::keys() const {
  std::vector<std::string> out;
  switch (spec_.keys) {
    case harness::ClientsSpec::Keys::kOwn:
      for (int c = 0; c < spec_.count; ++c) out.push_back(std::to_string(c));
      break;
    case harness::ClientsSpec::Keys::kShared:
      for (int k = 0; k < spec_.key_count; ++k) out.push_back(std::to_string(k));
      break;
    case harness::ClientsSpec::Keys::kHot:
      out.push_back(spec_.hot_key);
      break;
  }
  return out;
}

void SimWorkload::worker_loop(Worker& w, uint64_t seed) {
  sut::RunClock& clock = system_.clock();
  common::Rng rng(seed);
  const std::string own_key = std::to_string(w.index);
  int64_t& counter = counters_[static_cast<size_t>(w.index)];
  auto run_op = [&](const std::string& f, const std::string& key, const std::string& value) {
    const nlohmann::json invoke_value = f == "get" ? nlohmann::json() : nlohmann::json(value);
    history_.record(w.process, "invoke", f, key, invoke_value, clock.now_ns());
    sut::OpResult r = w.client->invoke(op_kind(f), key, value, op_deadline_ns_);
    const int64_t now = clock.now_ns();
    const bool ok = r.outcome == sut::Outcome::kOk;
    if (ok) {
      ++ops_ok_;
      history_.record(w.process, "ok", f, key, f == "get" ? nlohmann::json(r.value) : invoke_value, now);
    } else {
      history_.record(w.process, r.outcome == sut::Outcome::kFail ? "fail" : "info", f, key, invoke_value, now);
    }
    return ok;
  };
  auto pick_key = [&]() -> std::string {
    switch (spec_.keys) {
      case harness::ClientsSpec::Keys::kOwn: return own_key;
      case harness::ClientsSpec::Keys::kShared: return std::to_string(rng.uniform(0, spec_.key_count - 1));
      case harness::ClientsSpec::Keys::kHot: return spec_.hot_key;
    }
    return own_key;
  };
  bool ok = true;
  const bool reader = w.index < spec_.readers;
  if (spec_.keys == harness::ClientsSpec::Keys::kOwn && spec_.init_put_empty && !reader && !stop_) {
    ok = run_op("put", own_key, "");
  }
  if (spec_.warmup_get && w.first_workload && ok && !stop_) ok = run_op("get", pick_key(), "");
  w.first_workload = false;
  const int total = spec_.get_weight + spec_.put_weight + spec_.append_weight;
  const int64_t started = clock.now_ns();
  int64_t issued = 0;
  while (ok && !stop_ && (workload_.ops_per_client == 0 || issued < workload_.ops_per_client) &&
         clock.now_ns() < op_deadline_ns_) {
    if (spec_.rate > 0) {
      const int64_t due = started + static_cast<int64_t>(static_cast<double>(issued) / spec_.rate * 1e9);
      while (!stop_ && clock.now_ns() < due) clock.sleep_until(std::min(due, clock.now_ns() + 20'000'000));
      if (stop_) break;
    }
    const int64_t roll = rng.uniform(0, total - 1);
    const std::string key = pick_key();
    if (roll < spec_.get_weight || reader) {
      ok = run_op("get", key, "");
    } else if (roll < spec_.get_weight + spec_.put_weight) {
      ok = run_op("put", key, append_value(w.index, counter++));
    } else {
      ok = run_op("append", key, append_value(w.index, counter++));
    }
    ++issued;
  }
  w.done = true;
}

// --- SimScript ----------------------------------------------------------------------------------

SimScript::SimScript(sut::System& system, int64_t attempt_timeout_ns, harness::HistoryWriter& history,
                     ProcessCounter& ids, harness::FaultInjector& faults)
    : system_(system), attempt_timeout_ns_(attempt_timeout_ns), history_(history), ids_(ids), faults_(faults) {}

SimScript::~SimScript() {
  for (auto& [name, c] : clients_) system_.network().release_client(c.name);
  join_all();
}

void SimScript::join_all() {
  for (auto& [name, c] : clients_) {
    if (c.pending && c.pending->task) c.pending->task->join();
  }
}

void SimScript::add(const std::string& name, bool passed, const std::string& detail) {
  harness::CheckOutcome c;
  c.name = name;
  c.verdict = passed ? "pass" : "fail";
  c.summary = detail;
  outcomes_.push_back(std::move(c));
}

void SimScript::sync_sides() {
  const auto sides = faults_.sides();
  for (auto& [name, c] : clients_) {
    if (c.side < 0) continue;
    if (sides.empty()) {
      system_.network().release_client(c.name);
    } else if (c.side < static_cast<int>(sides.size())) {
      const auto& s = sides[static_cast<size_t>(c.side)];
      (void)system_.network().confine_client(c.name, std::set<int>(s.begin(), s.end()));
    } else {
      (void)system_.network().confine_client(c.name, {});
    }
  }
}

SimScript::ScriptClient& SimScript::client_for(const harness::ScriptOp& op) {
  auto it = clients_.find(op.client);
  if (it != clients_.end()) return it->second;
  ScriptClient c;
  c.name = "script-" + op.client;
  c.process = ids_.next++;
  c.side = op.side;
  if (op.side < 0 || op.side < static_cast<int>(faults_.sides().size())) {
    sut::ClientOptions o;
    o.name = c.name;
    o.client_id = ++next_client_id_;
    o.attempt_timeout_ns = attempt_timeout_ns_;
    c.client = system_.clients().make(o);
  }
  auto& ref = clients_.emplace(op.client, std::move(c)).first->second;
  sync_sides();
  return ref;
}

bool SimScript::execute(ScriptClient& c, const harness::ScriptOp& op, int64_t deadline_ns, std::string* read) {
  sut::RunClock& clock = system_.clock();
  const nlohmann::json value = op.f == "get" ? nlohmann::json() : nlohmann::json(op.value);
  history_.record(c.process, "invoke", op.f, op.key, value, clock.now_ns());
  sut::OpResult r = c.client->invoke(op_kind(op.f), op.key, op.value, deadline_ns);
  const bool ok = r.outcome == sut::Outcome::kOk;
  history_.record(c.process, ok ? "ok" : "info", op.f, op.key, ok && op.f == "get" ? nlohmann::json(r.value) : value,
                  clock.now_ns());
  if (read) *read = r.value;
  return ok;
}

void SimScript::run(const harness::Step& step, const std::string& where, int64_t op_deadline_ns) {
  sut::RunClock& clock = system_.clock();
  const std::string name = "script " + where + ": " + step.describe();
  if (step.kind == harness::Step::Kind::kOp) {
    const harness::ScriptOp& op = step.op;
    if (op.f == "append") appended_keys_.insert(op.key);
    ScriptClient& c = client_for(op);
    if (!c.client) {
      add(name, false, "side " + std::to_string(op.side) + " does not exist: no partition is active");
      return;
    }
    if (c.pending && c.pending->task) c.pending->task->join();
    if (op.async) {
      c.pending = std::make_unique<Pending>();
      Pending* p = c.pending.get();
      ScriptClient* cp = &c;
      p->started_ns = clock.now_ns();
      p->task = clock.spawn("script", [this, p, cp, op, op_deadline_ns] {
        p->ok = execute(*cp, op, op_deadline_ns, nullptr);
        p->finished_ns = system_.clock().now_ns();
        p->done = true;
      });
      return;
    }
    const int64_t bound = op.within ? op.within->count() * 1000 : 30'000'000'000;
    const int64_t t0 = clock.now_ns();
    std::string read;
    const bool ok = execute(c, op, std::min(op_deadline_ns, t0 + bound), &read);
    const int64_t took = clock.now_ns() - t0;
    if (!ok) {
      add(name, false, "did not complete within " + ms_text(bound));
    } else if (op.expect) {
      add(name, read == *op.expect,
          read == *op.expect ? "read '" + read + "' as expected" : "read '" + read + "', expected '" + *op.expect + "'");
    } else if (op.within) {
      add(name, true, "completed in " + ms_text(took));
    }
    return;
  }
  // expect_pending / await
  const int64_t until = clock.now_ns() + step.wait.count() * 1000;
  auto all_done = [&] {
    for (const auto& cn : step.clients) {
      auto it = clients_.find(cn);
      if (it != clients_.end() && it->second.pending && !it->second.pending->done) return false;
    }
    return true;
  };
  while (clock.now_ns() < until) {
    if (step.kind == harness::Step::Kind::kAwait && all_done()) break;
    clock.sleep_until(std::min(until, clock.now_ns() + 5'000'000));
  }
  std::vector<std::string> finished, pending;
  bool all_ok = true;
  for (const auto& cn : step.clients) {
    auto it = clients_.find(cn);
    const bool done = it != clients_.end() && it->second.pending && it->second.pending->done;
    if (done) {
      const Pending& p = *it->second.pending;
      if (!p.ok) all_ok = false;
      finished.push_back(cn + " (" + (p.ok ? "ok" : "unknown") + " after " + ms_text(p.finished_ns - p.started_ns) + ")");
    } else {
      pending.push_back(cn);
    }
  }
  if (step.kind == harness::Step::Kind::kExpectPending) {
    add(name, finished.empty(), finished.empty() ? "still pending: " + join(pending) : "completed too early: " + join(finished));
  } else {
    add(name, all_ok && pending.empty(), pending.empty() ? "completed: " + join(finished) : "still pending: " + join(pending));
  }
}

void SimScript::verify(const std::vector<std::string>& keys, int64_t deadline_ns) {
  ScriptClient c;
  c.name = "verifier-" + std::to_string(ids_.next);
  c.process = ids_.next++;
  verifiers_.insert(c.process);
  sut::ClientOptions o;
  o.name = c.name;
  o.client_id = ++next_client_id_;
  o.attempt_timeout_ns = attempt_timeout_ns_;
  c.client = system_.clients().make(o);
  std::vector<std::string> failed;
  for (const auto& key : keys) {
    harness::ScriptOp op;
    op.f = "get";
    op.key = key;
    if (!execute(c, op, deadline_ns, nullptr)) failed.push_back(key);
  }
  if (!failed.empty()) add("verify_appends reads", false, "could not read: " + join(failed));
}

}  // namespace sim
