#include "harness/run/runner.h"

#include <algorithm>
#include <iostream>
#include <random>
#include <sstream>

#include "harness/nemesis/fault_injector.h"
#include "harness/nemesis/schedule.h"
#include "harness/record/history_writer.h"
#include "harness/record/run_dir.h"
#include "harness/record/run_files.h"
#include "harness/run/outcome.h"
#include "harness/run/progress.h"
#include "harness/run/seeds.h"
#include "harness/scenario/scenario_loader.h"
#include "harness/verdict/report.h"
#include "harness/verdict/run_checks.h"
#include "harness/workload/client_workload.h"
#include "harness/workload/script_runner.h"

namespace harness {
namespace {

constexpr Micros kDefaultRunDeadline{600'000'000};  // without checks.deadline: 10 minutes
constexpr int64_t kVerifyBoundNs = 30'000'000'000;
constexpr int64_t kWorkloadPollNs = 20'000'000;
constexpr int64_t kStatusTimeoutNs = 500'000'000;

int64_t ns(Micros d) { return std::chrono::nanoseconds(d).count(); }

// The parts of one run, alive between system start and shutdown. Runs on the runner's task.
class RunContext {
 public:
  RunContext(const Scenario& s, const RunOptions& o, RunResults& r, std::ostream& out,
             sut::System& system, std::optional<checker::History>* history)
      : recorded_(*history),
        s_(s),
        opts_(o),
        r_(r),
        out_(out),
        seeds_(r.seed),
        system_(system),
        clock_(system.clock()),
        progress_(s.name, out, clock_, [this] {
          std::ostringstream tail;
          tail << "ops " << history_.completed_ok()
               << "  faults: " << (faults_ ? faults_->active_faults() : "none");
          return tail.str();
        }) {}

  void run();

 private:
  common::Status start_system();
  common::Status run_phase(const Phase& phase, int index, int iteration);
  common::Status run_step(const Step& step, const std::string& where, common::Rng& rng);
  common::Status run_workload(const Phase& phase, int index, int iteration);
  void sample_nodes(const std::string& when);
  void evaluate_checks();
  void set_phase(const std::string& text) { progress_.set_phase(text); }
  bool stopping() const { return opts_.stop != nullptr && opts_.stop->load(); }
  double since_start_s() const { return static_cast<double>(clock_.now_ns() - started_ns_) / 1e9; }

  std::optional<checker::History>& recorded_;  // the history, in memory, once recorded
  const Scenario& s_;
  const RunOptions& opts_;
  RunResults& r_;
  std::ostream& out_;
  RunSeeds seeds_;
  sut::System& system_;
  sut::RunClock& clock_;
  int64_t started_ns_ = 0;
  int64_t run_deadline_ns_ = 0;
  HistoryWriter history_;
  JsonlWriter nemesis_log_;
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

common::Status RunContext::start_system() {
  if (auto st = system_.start(); !st) return st;
  faults_ = std::make_unique<FaultInjector>(system_.nodes(), system_.network(), clock_, s_.network,
                                            &nemesis_log_);
  if (auto st = faults_->apply_baseline(); !st) return st;
  workload_ = std::make_unique<ClientWorkload>(s_.clients, system_.clients(), clock_, history_, ids_,
                                               seeds_.client_ids());
  FaultInjector* faults = faults_.get();
  script_ = std::make_unique<ScriptRunner>(
      system_.clients(), system_.network(), clock_, s_.clients.attempt_timeout, history_, ids_,
      [faults] { return faults->sides(); }, seeds_.script_ids());
  return common::Status::ok();
}

common::Status RunContext::run_step(const Step& step, const std::string& where, common::Rng& rng) {
  switch (step.kind) {
    case Step::Kind::kWait:
      clock_.sleep_until(std::min(clock_.now_ns() + ns(step.wait), run_deadline_ns_));
      return common::Status::ok();
    case Step::Kind::kOp:
    case Step::Kind::kExpectPending:
    case Step::Kind::kAwait:
      script_->run(step, where, run_deadline_ns_);
      return common::Status::ok();
    case Step::Kind::kVerifyAppends: {
      std::vector<std::string> keys = workload_->keys();
      for (const auto& k : script_->appended_keys()) {
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
      }
      script_->verify(keys, std::min(run_deadline_ns_, clock_.now_ns() + kVerifyBoundNs));
      return common::Status::ok();
    }
    case Step::Kind::kFault: {
      auto st = faults_->apply_step(step, rng);
      if (!st) return common::Status::unavailable(where + ": " + step.describe() + ": " + st.message());
      return script_->sync_confinement();
    }
  }
  return common::Status::ok();
}

common::Status RunContext::run_workload(const Phase& phase, int index, int iteration) {
  auto schedule = generate_schedule(phase, s_.cluster.nodes, seeds_.schedule(index, iteration),
                                    seeds_.faults(index, iteration));
  if (!schedule) return schedule.status();
  const WorkloadSpec& spec = *phase.workload;
  const int64_t start = clock_.now_ns();
  const int64_t end = spec.duration ? std::min(start + ns(*spec.duration), run_deadline_ns_) : run_deadline_ns_;
  const int64_t op_deadline =
      spec.duration ? std::min(end + ns(s_.clients.stop_grace), run_deadline_ns_) : run_deadline_ns_;
  workload_->start(spec, seeds_.clients(index, iteration), op_deadline);
  for (int64_t p : workload_->processes()) workload_processes_.insert(p);

  // The nemesis task: applies each event at its time; stops early when told.
  auto signal = clock_.make_signal();
  bool stop = false;       // changed and read under `signal`
  std::string fatal;       // likewise
  auto nemesis = clock_.spawn("nemesis", [&] {
    for (const auto& event : *schedule) {
      auto stopped = [&] { return stop; };
      if (!event.undo && signal->wait_until(stopped, start + ns(event.at))) continue;
      if (event.undo) (void)signal->wait_until(stopped, start + ns(event.at));
      // Undo events still run after stop: a killed node comes back, a paused one resumes.
      auto st = faults_->apply(event);
      if (!st && FaultInjector::fatal(event)) {
        signal->update([&] { fatal = event.describe() + ": " + st.message(); });
      }
    }
  });
  // Bounded by `end` (the duration or the run deadline).
  while (clock_.now_ns() < end) {
    if (!spec.duration && workload_->all_done()) break;
    if (stopping()) break;
    clock_.sleep_until(std::min(end, clock_.now_ns() + kWorkloadPollNs));
  }
  signal->update([&] { stop = true; });
  nemesis->join();
  workload_->stop();
  workload_->join();
  std::string failure;
  signal->update([&] { failure = fatal; });
  if (!failure.empty()) return common::Status::unavailable(failure);
  return common::Status::ok();
}

common::Status RunContext::run_phase(const Phase& phase, int index, int iteration) {
  std::string label = phase.name;  // appends only: GCC 12 warns falsely on " " + std::string
  if (phase.repeat > 1) {
    label += ' ';
    label += std::to_string(iteration + 1);
    label += '/';
    label += std::to_string(phase.repeat);
  }
  set_phase(label);
  faults_->set_context(phase.name, iteration);
  PhaseSpan span{phase.name, iteration, clock_.now_ns(), 0};
  common::Rng rng(seeds_.steps(index, iteration));
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
  sut::Nodes& nodes = system_.nodes();
  for (int i = 0; i < s_.cluster.nodes; ++i) {
    NodeSample sample;
    sample.node = i;
    sample.when = when;
    if (nodes.running(i) && !nodes.paused(i)) {
      auto st = nodes.status(i, kStatusTimeoutNs);
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

void RunContext::evaluate_checks() {
  RunCheckInputs in;
  in.spec = &s_.checks;
  in.clients = workload_processes_;
  in.verifiers = verifiers_;
  in.samples = samples_;
  in.script = script_outcomes_;
  // The checks take the history in memory; the file is for people and `faultline check`.
  if (auto h = history_.take_history(); h) {
    recorded_ = std::move(h).value();
    in.history = &*recorded_;
  }
  if (auto st = evaluate_run_checks(in, &r_); !st) r_.error = st.message();
  // The system's own checks (a simulation's invariants) come first: they name the step that broke
  // the cluster, before any client saw it.
  std::vector<CheckOutcome> own;
  for (const auto& c : system_.own_checks()) {
    CheckOutcome o;
    o.name = c.name;
    o.verdict = c.passed ? CheckVerdict::kPass : CheckVerdict::kFail;
    o.summary = c.summary;
    own.push_back(std::move(o));
  }
  r_.checks.insert(r_.checks.begin(), std::make_move_iterator(own.begin()), std::make_move_iterator(own.end()));
}

void RunContext::run() {
  started_ns_ = clock_.now_ns();
  run_deadline_ns_ = started_ns_ + ns(s_.checks.deadline.value_or(kDefaultRunDeadline)) + 30'000'000'000;
  r_.origin_ns = started_ns_;
  const RunFiles files(r_.run_dir);
  if (auto st = history_.open(files.history()); !st) {
    r_.error = st.message();
    return;
  }
  if (auto st = nemesis_log_.open(files.nemesis()); !st) {
    r_.error = st.message();
    return;
  }
  set_phase("starting the cluster");
  common::Status st = start_system();
  const bool cluster_started = st.is_ok();
  // Started after the system so it only ever reads a fully built FaultInjector.
  if (!opts_.quiet) progress_.start();
  for (size_t p = 0; st && p < s_.phases.size(); ++p) {
    for (int i = 0; st && i < s_.phases[p].repeat; ++i) {
      st = run_phase(s_.phases[p], static_cast<int>(p), i);
      if (clock_.now_ns() > run_deadline_ns_) st = common::Status::timeout("run deadline passed");
      if (stopping()) st = common::Status::unavailable(kInterruptedError);
    }
  }
  if (st && faults_ && !stopping()) {
    set_phase("final heal");
    faults_->set_context("final", 0);
    st = faults_->heal_everything();
    if (st) st = script_->sync_confinement();
    if (st && s_.checks.appends) {
      set_phase("final verify");
      common::Rng rng(seeds_.final_faults());
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
  if (cluster_started) sample_nodes("end");
  if (!st) r_.error = st.message();
  if (cluster_started) {
    const auto counters = system_.network().counters();
    r_.figures.messages = counters.messages;
    r_.figures.dropped = counters.dropped;
  }
  r_.figures.peers = s_.cluster.nodes;
  r_.figures.seconds = since_start_s();
  set_phase("stopping");
  workload_.reset();
  script_.reset();
  system_.stop();
  history_.close();
  if (auto st = history_.status(); !st && r_.error.empty()) r_.error = "history: " + st.message();
  nemesis_log_.close();
  progress_.stop();
  // Without a cluster there is nothing to judge: the run is a harness error (exit 2), not a verdict.
  if (stopping()) {
    r_.error = kInterruptedError;  // whatever else went wrong: a stopped run has no verdict
  } else if (cluster_started) {
    evaluate_checks();
  }
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
  const RunFiles files(r.run_dir);
  if (!options.quiet) out << "[" << scenario.name << "] seed " << r.seed << "  run dir " << r.run_dir << "\n";
  (void)write_text_file(files.scenario(), scenario_text_with_seed(scenario.source, r.seed));
  sut::SystemSpec spec;
  spec.nodes = scenario.cluster.nodes;
  spec.settings = scenario.cluster.settings();
  spec.unsafe = scenario.unsafe && scenario.cluster.uses_unsafe_mode();
  spec.power_cuts = scenario.uses_fault("power_cut");
  spec.run_dir = r.run_dir;
  const RunSeeds seeds(r.seed);
  spec.node_seeds = seeds.nodes(scenario.cluster.nodes);
  spec.network_seed = seeds.network();
  std::optional<checker::History> history;  // the recorded history, kept for the report
  {
    // The system lives for this block: stopped and released before the report is written.
    auto system = options.system ? options.system(spec)
                                 : common::Result<std::unique_ptr<sut::System>>(
                                       common::Status::invalid_argument("no system under test given"));
    if (!system) {
      r.error = system.status().message();
    } else {
      RunContext ctx(scenario, options, r, out, **system, &history);
      ctx.run();
    }
  }
  (void)write_results_json(r, files.results());
  if (!options.report_only_on_failure || r.exit_code() != 0) {
    (void)write_text_file(files.junit(), junit_xml(r));
    if (auto st = write_report(r.run_dir, history ? &*history : nullptr); !st && r.error.empty()) r.error = "report: " + st.message();
  }
  (void)update_latest_link(options.runs_dir, r.run_dir);
  if (!options.quiet) {
    if (!r.error.empty()) out << "[" << scenario.name << "] ERROR " << r.error << "\n";
    for (const auto& c : r.checks) {
      out << "[" << scenario.name << "] " << coloured(c.passed() ? "PASS" : "FAIL", options.colour) << " " << c.name
          << ": " << c.summary << "\n";
    }
  }
  return r;
}

}  // namespace harness
