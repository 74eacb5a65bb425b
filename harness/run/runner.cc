#include "harness/run/runner.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "checker/checker.h"
#include "common/clock.h"
#include "harness/verdict/checks.h"
#include "harness/workload/client_workload.h"
#include "harness/nemesis/cluster_control.h"
#include "harness/nemesis/fault_injector.h"
#include "harness/record/history_writer.h"
#include "harness/net/interposer.h"
#include "harness/process/cluster_processes.h"
#include "harness/verdict/report.h"
#include "harness/verdict/run_checks.h"
#include "harness/record/run_dir.h"
#include "harness/scenario/scenario_loader.h"
#include "harness/nemesis/schedule.h"
#include "harness/workload/script_runner.h"

namespace harness {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;
constexpr Micros kDefaultRunDeadline{600'000'000};  // without checks.deadline: 10 minutes

std::chrono::steady_clock::duration to_steady(Micros d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
}

wire::ClusterConfig cluster_config(const ClusterSpec& c) {
  wire::ClusterConfig cfg;
  auto ms = [](Micros d) { return static_cast<int>(d.count() / 1000); };
  cfg.tick_ms = ms(c.tick);
  cfg.election_timeout_min_ms = ms(c.election_min);
  cfg.election_timeout_max_ms = ms(c.election_max);
  cfg.heartbeat_ms = ms(c.heartbeat);
  cfg.fsync = c.fsync == "never" ? wire::FsyncMode::kNever : wire::FsyncMode::kAlways;
  cfg.read_mode = c.read_mode == "local" ? wire::ReadMode::kLocal
                  : c.read_mode == "log" ? wire::ReadMode::kLog
                                         : wire::ReadMode::kReadIndex;
  cfg.storage = c.storage == "memory" ? wire::StorageMode::kMemory : wire::StorageMode::kDisk;
  cfg.dedup = c.dedup;
  cfg.compaction_bytes = c.compaction_bytes;
  return cfg;
}

// Shared state the progress thread reads. Guarded by mu.
struct Progress {
  std::mutex mu;
  std::condition_variable cv;
  std::string phase = "starting";
  bool done = false;
};

// The parts of one run, alive between cluster start and shutdown.
class RunContext {
 public:
  RunContext(const Scenario& s, const RunOptions& o, RunResults& r, std::ostream& out)
      : s_(s), opts_(o), r_(r), out_(out) {}

  void run();

 private:
  common::Status start_cluster();
  common::Status run_phase(const Phase& phase, int index, int iteration);
  common::Status run_step(const Step& step, const std::string& where, common::Rng& rng);
  common::Status run_workload(const Phase& phase, int index, int iteration);
  void sample_nodes(const std::string& when);
  void evaluate_checks();
  void progress_loop();
  void set_phase(const std::string& text) {
    std::lock_guard lock(progress_.mu);
    progress_.phase = text;
  }
  int64_t since_start_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_).count();
  }

  const Scenario& s_;
  const RunOptions& opts_;
  RunResults& r_;
  std::ostream& out_;
  common::SteadyClock clock_;
  SteadyTime started_ = std::chrono::steady_clock::now();
  SteadyTime run_deadline_;
  HistoryWriter history_;
  JsonlWriter nemesis_log_;
  std::unique_ptr<ClusterProcesses> procs_;
  std::unique_ptr<Interposer> net_;
  std::unique_ptr<LiveCluster> live_;
  std::unique_ptr<FaultInjector> faults_;
  ProcessIds ids_;
  std::unique_ptr<ClientWorkload> workload_;
  std::unique_ptr<ScriptRunner> script_;
  std::vector<NodeSample> samples_;
  std::set<int64_t> workload_processes_;
  std::set<int64_t> verifiers_;
  std::vector<CheckOutcome> script_outcomes_;
  Progress progress_;
};

common::Status RunContext::start_cluster() {
  ClusterProcessesOptions po;
  po.kvnode_path = opts_.kvnode_path;
  po.run_dir = r_.run_dir;
  po.num_nodes = s_.cluster.nodes;
  po.unsafe = s_.unsafe && s_.cluster.uses_unsafe_mode();
  po.config = cluster_config(s_.cluster);
  auto procs = ClusterProcesses::create(po);
  if (!procs) return procs.status();
  procs_ = std::move(*procs);
  InterposerOptions io;
  for (int i = 0; i < procs_->num_nodes(); ++i) {
    io.nodes.push_back(NodeEndpoint{procs_->node_sender(i), procs_->listen_address(i)});
  }
  io.seed = r_.seed ^ 0x17e5ULL;
  net_ = std::make_unique<Interposer>(io);
  if (auto st = net_->start(); !st) return st;
  if (auto st = procs_->start_all(net_->frontend_addresses()); !st) return st;
  live_ = std::make_unique<LiveCluster>(*net_, *procs_, s_.network);
  if (auto st = live_->apply_baseline(); !st) return st;
  faults_ = std::make_unique<FaultInjector>(*live_, &nemesis_log_, clock_);
  const auto servers = procs_->client_addresses();
  workload_ = std::make_unique<ClientWorkload>(s_.clients, servers, history_, clock_, ids_);
  std::vector<std::string> senders;
  for (int i = 0; i < procs_->num_nodes(); ++i) senders.push_back(procs_->node_sender(i));
  script_ = std::make_unique<ScriptRunner>(servers, senders, s_.clients.attempt_timeout, history_, clock_,
                                           ids_, *faults_);
  return common::Status::ok();
}

common::Status RunContext::run_step(const Step& step, const std::string& where, common::Rng& rng) {
  switch (step.kind) {
    case Step::Kind::kWait: {
      const auto until = std::min(std::chrono::steady_clock::now() + to_steady(step.wait), run_deadline_);
      std::this_thread::sleep_until(until);
      return common::Status::ok();
    }
    case Step::Kind::kOp:
    case Step::Kind::kExpectPending:
    case Step::Kind::kAwait:
      script_->run(step, where, run_deadline_);
      return common::Status::ok();
    case Step::Kind::kVerifyAppends: {
      std::vector<std::string> keys = workload_->keys();
      for (const auto& k : script_->appended_keys()) {
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
      }
      script_->verify(keys, std::min(run_deadline_, std::chrono::steady_clock::now() + std::chrono::seconds(30)));
      return common::Status::ok();
    }
    default: {
      auto st = faults_->apply_step(step, rng);
      if (!st) return common::Status::unavailable(where + ": " + step.describe() + ": " + st.message());
      return script_->sync_gates();
    }
  }
}

common::Status RunContext::run_workload(const Phase& phase, int index, int iteration) {
  const uint64_t wseed = workload_seed(r_.seed, index, iteration);
  auto schedule = generate_schedule(phase, s_.cluster.nodes, wseed);
  if (!schedule) return schedule.status();
  const WorkloadSpec& spec = *phase.workload;
  const SteadyTime start = std::chrono::steady_clock::now();
  const SteadyTime end = spec.duration ? std::min(start + to_steady(*spec.duration), run_deadline_) : run_deadline_;
  const SteadyTime op_deadline =
      spec.duration ? std::min(end + to_steady(s_.clients.stop_grace), run_deadline_) : run_deadline_;
  workload_->start(spec, wseed ^ 0xc11e, op_deadline);
  for (int64_t p : workload_->processes()) workload_processes_.insert(p);

  // The nemesis thread: applies each event at its time; stops early when told.
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  std::string fatal;
  std::thread nemesis([&] {
    for (const auto& event : *schedule) {
      std::unique_lock lock(mu);
      if (!event.undo && cv.wait_until(lock, start + to_steady(event.at), [&] { return stop; })) continue;
      if (event.undo && !stop) cv.wait_until(lock, start + to_steady(event.at), [&] { return stop; });
      lock.unlock();
      // Undo events still run after stop: a killed node comes back, a paused one resumes.
      auto st = faults_->apply(event);
      const bool process_failure = !st && (event.action.kind == Step::Kind::kRestart ||
                                           (event.undo && event.action.kind == Step::Kind::kKill));
      if (process_failure) {
        std::lock_guard l(mu);
        fatal = event.describe() + ": " + st.message();
      }
    }
  });
  // Bounded by `end` (the duration or the run deadline).
  while (std::chrono::steady_clock::now() < end) {
    if (!spec.duration && workload_->all_done()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  {
    std::lock_guard lock(mu);
    stop = true;
  }
  cv.notify_all();
  nemesis.join();
  workload_->stop();
  workload_->join();
  if (!fatal.empty()) return common::Status::unavailable(fatal);
  return common::Status::ok();
}

common::Status RunContext::run_phase(const Phase& phase, int index, int iteration) {
  const std::string label = phase.name + (phase.repeat > 1 ? " " + std::to_string(iteration + 1) + "/" +
                                                               std::to_string(phase.repeat) : "");
  set_phase(label);
  faults_->set_context(phase.name, iteration);
  PhaseSpan span{phase.name, iteration, clock_.now_ns(), 0};
  common::Rng rng(workload_seed(r_.seed, index, iteration) ^ 0x57e95ULL);
  for (size_t k = 0; k < phase.steps.size(); ++k) {
    const std::string where = "phases[" + std::to_string(index) + "].steps[" + std::to_string(k) + "] line " +
                              std::to_string(phase.steps[k].line);
    if (auto st = run_step(phase.steps[k], where, rng); !st) return st;
  }
  if (phase.workload) {
    if (auto st = run_workload(phase, index, iteration); !st) return st;
  }
  for (size_t k = 0; k < phase.after.size(); ++k) {
    const std::string where = "phases[" + std::to_string(index) + "].after[" + std::to_string(k) + "] line " +
                              std::to_string(phase.after[k].line);
    if (auto st = run_step(phase.after[k], where, rng); !st) return st;
  }
  span.end_ns = clock_.now_ns();
  r_.phases.push_back(span);
  sample_nodes(label);
  return common::Status::ok();
}

void RunContext::sample_nodes(const std::string& when) {
  const auto& c = s_.checks;
  if (!c.max_raft_state_bytes && !c.max_snapshot_bytes && !c.no_snapshot) return;
  for (int i = 0; i < s_.cluster.nodes; ++i) {
    NodeSample sample;
    sample.node = i;
    sample.when = when;
    if (procs_->alive(i) && !procs_->paused(i)) {
      auto st = procs_->status(i, std::chrono::milliseconds(500));
      if (st) {
        sample.ok = true;
        sample.log_bytes = st->log_bytes;
        sample.snapshot_index = st->snapshot_index;
        sample.snapshot_bytes = st->snapshot_bytes;
      }
    }
    samples_.push_back(sample);
  }
}

void RunContext::progress_loop() {
  const bool tty = isatty(STDERR_FILENO) && &out_ == &std::cerr;
  std::unique_lock lock(progress_.mu);
  // Bounded by the run: `done` is set before the run returns.
  while (!progress_.done) {
    progress_.cv.wait_for(lock, std::chrono::milliseconds(tty ? 500 : 5000));
    if (progress_.done) break;
    std::ostringstream line;
    line << "[" << s_.name << "] " << progress_.phase << "  " << std::fixed << std::setprecision(1)
         << since_start_ms() / 1000.0 << "s  ops " << history_.completed_ok() << "  faults: "
         << (faults_ ? faults_->active_faults() : "none");
    if (tty) {
      out_ << "\r\033[K" << line.str() << std::flush;
    } else {
      out_ << line.str() << "\n" << std::flush;
    }
  }
  if (tty) out_ << "\r\033[K" << std::flush;
}

void RunContext::evaluate_checks() {
  RunCheckInputs in;
  in.spec = &s_.checks;
  in.clients = workload_processes_;
  in.verifiers = verifiers_;
  in.samples = samples_;
  in.script = script_outcomes_;
  if (auto st = evaluate_run_checks(in, &r_); !st) r_.error = st.message();
}

void RunContext::run() {
  run_deadline_ = started_ + to_steady(s_.checks.deadline.value_or(kDefaultRunDeadline) + Micros(30'000'000));
  r_.origin_ns = clock_.now_ns();
  if (auto st = history_.open(r_.run_dir + "/history.jsonl"); !st) {
    r_.error = st.message();
    return;
  }
  if (auto st = nemesis_log_.open(r_.run_dir + "/nemesis.jsonl"); !st) {
    r_.error = st.message();
    return;
  }
  set_phase("starting the cluster");
  common::Status st = start_cluster();
  const bool cluster_started = st.is_ok();
  // Started after the cluster so it only ever reads a fully built FaultInjector.
  std::thread progress;
  if (!opts_.quiet) progress = std::thread([this] { progress_loop(); });
  for (size_t p = 0; st && p < s_.phases.size(); ++p) {
    for (int i = 0; st && i < s_.phases[p].repeat; ++i) {
      st = run_phase(s_.phases[p], static_cast<int>(p), i);
      if (std::chrono::steady_clock::now() > run_deadline_) st = common::Status::timeout("run deadline passed");
    }
  }
  if (st && faults_) {
    set_phase("final heal");
    faults_->set_context("final", 0);
    st = faults_->heal_everything();
    if (st) st = script_->sync_gates();
    if (st && s_.checks.appends) {
      set_phase("final verify");
      common::Rng rng(r_.seed);
      Step verify;
      verify.kind = Step::Kind::kVerifyAppends;
      st = run_step(verify, "final", rng);
    }
  }
  if (script_) {
    script_->join_all();
    verifiers_ = script_->verifier_processes();
    script_outcomes_ = script_->outcomes();
  }
  if (procs_) sample_nodes("end");
  if (!st) r_.error = st.message();
  if (net_) {
    const auto counters = net_->counters();
    r_.figures.messages = counters.total_requests;
    r_.figures.dropped = counters.total_dropped;
  }
  r_.figures.peers = s_.cluster.nodes;
  r_.figures.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  set_phase("stopping");
  workload_.reset();
  script_.reset();
  if (procs_) procs_->stop_all();
  if (net_) net_->stop();
  history_.close();
  nemesis_log_.close();
  {
    std::lock_guard lock(progress_.mu);
    progress_.done = true;
  }
  progress_.cv.notify_all();
  if (progress.joinable()) progress.join();
  // Without a cluster there is nothing to judge: the run is a harness error (exit 2), not a verdict.
  if (cluster_started) evaluate_checks();
}

}  // namespace

RunResults run_scenario(const Scenario& scenario, const RunOptions& options) {
  std::ostream& out = options.out ? *options.out : std::cerr;
  RunResults r;
  r.scenario = scenario.name;
  r.file = scenario.file;
  r.seed = options.seed ? *options.seed : scenario.seed ? *scenario.seed : std::random_device{}() * 0x100000001ULL + std::random_device{}();
  r.started_utc = utc_now_iso();
  auto dir = create_run_dir(options.runs_dir, scenario.name);
  if (!dir) {
    r.error = dir.status().message();
    return r;
  }
  r.run_dir = *dir;
  if (!options.quiet) out << "[" << scenario.name << "] seed " << r.seed << "  run dir " << r.run_dir << "\n";
  (void)write_text_file(r.run_dir + "/scenario.yaml", scenario_text_with_seed(scenario.source, r.seed));
  {
    RunContext ctx(scenario, options, r, out);
    ctx.run();
  }
  (void)write_results_json(r, r.run_dir + "/results.json");
  (void)write_text_file(r.run_dir + "/junit.xml", junit_xml(r));
  if (auto st = write_report(r.run_dir); !st && r.error.empty()) r.error = "report: " + st.message();
  (void)update_latest_link(options.runs_dir, r.run_dir);
  if (!options.quiet) {
    if (!r.error.empty()) out << "[" << scenario.name << "] ERROR " << r.error << "\n";
    for (const auto& c : r.checks) {
      out << "[" << scenario.name << "] " << (c.passed() ? "PASS " : "FAIL ") << c.name << ": " << c.summary << "\n";
    }
  }
  return r;
}

}  // namespace harness
