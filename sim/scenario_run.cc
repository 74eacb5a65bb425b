#include "sim/scenario_run.h"

#include <algorithm>
#include <filesystem>

#include "harness/nemesis/fault_injector.h"
#include "harness/nemesis/schedule.h"
#include "harness/record/history_writer.h"
#include "harness/record/run_dir.h"
#include "harness/scenario/scenario_loader.h"
#include "harness/verdict/report.h"
#include "harness/verdict/run_checks.h"
#include "sim/seam_control.h"
#include "sim/seeds.h"
#include "sim/sim_workload.h"

namespace sim {

namespace sut = harness::sut;
using harness::Micros;
using harness::Step;

sut::ClusterSettings cluster_settings(const harness::ClusterSpec& c) {
  sut::ClusterSettings s;
  s.tick_ns = c.tick.count() * 1000;
  s.election_min_ns = c.election_min.count() * 1000;
  s.election_max_ns = c.election_max.count() * 1000;
  s.heartbeat_ns = c.heartbeat.count() * 1000;
  s.fsync = c.fsync == "never" ? sut::Fsync::kNever : sut::Fsync::kAlways;
  s.read_mode = c.read_mode == "local" ? sut::ReadMode::kLocal
                : c.read_mode == "log" ? sut::ReadMode::kLog
                                       : sut::ReadMode::kReadIndex;
  s.storage = c.storage == "memory" ? sut::Storage::kMemory : sut::Storage::kDisk;
  s.dedup = c.dedup;
  s.compaction_bytes = c.compaction_bytes;
  return s;
}

namespace {

constexpr int64_t kDefaultDeadlineNs = 600'000'000'000;  // without checks.deadline

int64_t ns(Micros d) { return d.count() * 1000; }

// One run: the parts alive from cluster start to the checks.
class SimRun {
 public:
  SimRun(const harness::Scenario& s, const SimRunOptions& o, SimRunOutcome& out)
      : s_(s), o_(o), out_(out), r_(out.results) {}
  void run();

 private:
  common::Status run_phase(const harness::Phase& phase, int index, int iteration);
  common::Status run_step(const Step& step, const std::string& where, common::Rng& rng);
  common::Status run_workload(const harness::Phase& phase, int index, int iteration);
  void sample_nodes(const std::string& when);
  void start_sim_faults();
  bool past_deadline() const { return system_->clock().now_ns() > run_deadline_ns_; }

  const harness::Scenario& s_;
  const SimRunOptions& o_;
  SimRunOutcome& out_;
  harness::RunResults& r_;
  std::unique_ptr<SimSystem> system_;
  harness::HistoryWriter history_;
  harness::JsonlWriter nemesis_log_;
  std::unique_ptr<SeamControl> control_;
  std::unique_ptr<harness::FaultInjector> faults_;
  ProcessCounter ids_;
  std::unique_ptr<SimWorkload> workload_;
  std::unique_ptr<SimScript> script_;
  std::vector<harness::NodeSample> samples_;
  std::set<int64_t> workload_processes_;
  int64_t run_deadline_ns_ = 0;
  bool finished_ = false;  // the phases are over: the swarm fault task stops
  std::unique_ptr<sut::Task> sim_fault_task_;
};

common::Status SimRun::run_step(const Step& step, const std::string& where, common::Rng& rng) {
  sut::RunClock& clock = system_->clock();
  switch (step.kind) {
    case Step::Kind::kWait:
      clock.sleep_until(std::min(clock.now_ns() + ns(step.wait), run_deadline_ns_));
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
      script_->verify(keys, std::min(run_deadline_ns_, clock.now_ns() + 30'000'000'000));
      return common::Status::ok();
    }
    default: {
      auto st = faults_->apply_step(step, rng);
      if (!st) return common::Status::unavailable(where + ": " + step.describe() + ": " + st.message());
      script_->sync_sides();
      return common::Status::ok();
    }
  }
}

common::Status SimRun::run_workload(const harness::Phase& phase, int index, int iteration) {
  sut::RunClock& clock = system_->clock();
  const uint64_t wseed = harness::workload_seed(r_.seed, index, iteration);
  auto schedule = harness::generate_schedule(phase, s_.cluster.nodes, wseed);
  if (!schedule) return schedule.status();
  const harness::WorkloadSpec& spec = *phase.workload;
  const int64_t start = clock.now_ns();
  const int64_t end = spec.duration ? std::min(start + ns(*spec.duration), run_deadline_ns_) : run_deadline_ns_;
  const int64_t op_deadline = spec.duration ? std::min(end + ns(s_.clients.stop_grace), run_deadline_ns_) : run_deadline_ns_;
  workload_->start(spec, wseed ^ 0xc11e, op_deadline);
  for (int64_t p : workload_->processes()) workload_processes_.insert(p);

  auto stop_signal = clock.make_signal();
  bool stop = false;
  std::string fatal;
  auto nemesis = clock.spawn("nemesis", [&] {
    for (const auto& event : *schedule) {
      if (!event.undo && stop_signal->wait_until([&] { return stop; }, start + ns(event.at))) continue;
      if (event.undo && !stop) stop_signal->wait_until([&] { return stop; }, start + ns(event.at));
      auto st = faults_->apply(event);
      script_->sync_sides();
      const bool process_failure = !st && (event.action.kind == Step::Kind::kRestart ||
                                           (event.undo && event.action.kind == Step::Kind::kKill));
      if (process_failure && fatal.empty()) fatal = event.describe() + ": " + st.message();
    }
  });
  while (clock.now_ns() < end) {
    if (!spec.duration && workload_->all_done()) break;
    clock.sleep_until(std::min(end, clock.now_ns() + 20'000'000));
  }
  stop_signal->update([&] { stop = true; });
  nemesis->join();
  workload_->stop();
  workload_->join();
  if (!fatal.empty()) return common::Status::unavailable(fatal);
  return common::Status::ok();
}

common::Status SimRun::run_phase(const harness::Phase& phase, int index, int iteration) {
  std::string label = phase.name;
  if (phase.repeat > 1) {
    label += ' ';
    label += std::to_string(iteration + 1);
    label += '/';
    label += std::to_string(phase.repeat);
  }
  faults_->set_context(phase.name, iteration);
  harness::PhaseSpan span{phase.name, iteration, system_->clock().now_ns(), 0};
  common::Rng rng(harness::workload_seed(r_.seed, index, iteration) ^ 0x57e95ULL);
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
  span.end_ns = system_->clock().now_ns();
  r_.phases.push_back(span);
  sample_nodes(label);
  return common::Status::ok();
}

void SimRun::sample_nodes(const std::string& when) {
  const auto& c = s_.checks;
  if (!c.max_raft_state_bytes && !c.max_snapshot_bytes && !c.no_snapshot) return;
  for (int i = 0; i < s_.cluster.nodes; ++i) {
    harness::NodeSample sample;
    sample.node = i;
    sample.when = when;
    if (system_->nodes().running(i) && !system_->nodes().paused(i)) {
      auto st = system_->nodes().status(i, 500'000'000);
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

// Swarm faults: a task that, every 100 ms of the run, may slow a node, drift its clock or slow its
// disk for a while, each logged in nemesis.jsonl like the scenario's own faults.
void SimRun::start_sim_faults() {
  const SimFaults& f = o_.faults;
  if (f.slow_node <= 0 && f.clock_drift <= 0 && f.slow_disk <= 0) return;
  sim_fault_task_ = system_->clock().spawn("sim-faults", [this] {
    const SimFaults& f = o_.faults;
    common::Rng rng = Seeds(o_.seed).stream("sim-faults");
    SimNodes& nodes = system_->sim_nodes();
    sut::RunClock& clock = system_->clock();
    const int n = nodes.count();
    std::vector<int64_t> until(static_cast<size_t>(n), 0);
    auto log = [&](const std::string& what, int node) {
      nlohmann::json line = {{"time", clock.now_ns()}, {"phase", "swarm"}, {"f", what},
                             {"nodes", {node}}, {"ok", true}};
      nemesis_log_.write(line);
      out_.sim_faults.push_back(std::to_string(clock.now_ns() / 1'000'000) + "ms n" + std::to_string(node) + " " + what);
    };
    const double p = 0.1;  // per 100 ms step: the rates are per second
    while (!finished_) {
      clock.sleep_for(100'000'000);
      for (int i = 0; i < n && !finished_; ++i) {
        if (until[static_cast<size_t>(i)] && clock.now_ns() >= until[static_cast<size_t>(i)]) {
          (void)nodes.slow(i, 1.0);
          (void)nodes.drift(i, 1.0);
          (void)nodes.slow_disk(i, 1.0);
          until[static_cast<size_t>(i)] = 0;
          log("normal", i);
          continue;
        }
        if (until[static_cast<size_t>(i)]) continue;
        const int64_t span = rng.uniform(200, 3000) * 1'000'000;
        if (rng.chance(f.slow_node * p)) {
          (void)nodes.slow(i, f.slow_fraction);
          log("slow " + std::to_string(f.slow_fraction), i);
        } else if (rng.chance(f.clock_drift * p)) {
          const double rate = 1.0 + (rng.next_double() * 2 - 1) * f.drift_max;
          (void)nodes.drift(i, rate);
          log("clock rate " + std::to_string(rate), i);
        } else if (rng.chance(f.slow_disk * p)) {
          const double factor = static_cast<double>(rng.uniform(10, 100));
          (void)nodes.slow_disk(i, factor);
          log("slow disk x" + std::to_string(static_cast<int>(factor)), i);
        } else {
          continue;
        }
        until[static_cast<size_t>(i)] = clock.now_ns() + span;
      }
    }
    for (int i = 0; i < n; ++i) {
      (void)nodes.slow(i, 1.0);
      (void)nodes.drift(i, 1.0);
      (void)nodes.slow_disk(i, 1.0);
    }
  });
}

void SimRun::run() {
  const Seeds seeds(r_.seed);
  sut::SystemSpec spec;
  spec.nodes = s_.cluster.nodes;
  spec.settings = cluster_settings(s_.cluster);
  spec.unsafe = s_.unsafe;
  spec.run_dir = o_.write_logs ? r_.run_dir : "";
  for (int i = 0; i < spec.nodes; ++i) spec.node_seeds.push_back(seeds.seed_of("node/" + std::to_string(i)) | 1);
  spec.network_seed = seeds.seed_of("network");
  WorldOptions world = o_.world;
  world.seed = seeds.seed_of("world");
  world.write_logs = o_.write_logs;
  system_ = std::make_unique<SimSystem>(spec, world);
  sut::RunClock& clock = system_->clock();
  run_deadline_ns_ = (s_.checks.deadline ? ns(*s_.checks.deadline) : kDefaultDeadlineNs) + 30'000'000'000;
  r_.origin_ns = 0;
  if (auto st = history_.open(r_.run_dir + "/history.jsonl"); !st) {
    r_.error = st.message();
    return;
  }
  if (auto st = nemesis_log_.open(r_.run_dir + "/nemesis.jsonl"); !st) {
    r_.error = st.message();
    return;
  }
  common::Status st = system_->start();
  const bool started = st.is_ok();
  if (started) {
    control_ = std::make_unique<SeamControl>(*system_, s_.network, o_.faults.power_loss, seeds.stream("power-loss"));
    st = control_->apply_baseline();
    faults_ = std::make_unique<harness::FaultInjector>(*control_, &nemesis_log_, clock);
    workload_ = std::make_unique<SimWorkload>(s_.clients, *system_, history_, ids_);
    script_ = std::make_unique<SimScript>(*system_, ns(s_.clients.attempt_timeout), history_, ids_, *faults_);
    start_sim_faults();
  }
  try {
    for (size_t p = 0; st && p < s_.phases.size(); ++p) {
      for (int i = 0; st && i < s_.phases[p].repeat; ++i) {
        st = run_phase(s_.phases[p], static_cast<int>(p), i);
        if (st && past_deadline()) st = common::Status::timeout("run deadline passed");
      }
    }
    finished_ = true;
    if (sim_fault_task_) sim_fault_task_->join();
    if (st && faults_) {
      faults_->set_context("final", 0);
      st = faults_->heal_everything();
      if (st) script_->sync_sides();
      if (st && s_.checks.appends) {
        common::Rng rng(r_.seed);
        Step verify;
        verify.kind = Step::Kind::kVerifyAppends;
        st = run_step(verify, "final", rng);
      }
    }
    if (script_) script_->join_all();
    if (started) sample_nodes("end");
  } catch (const SimStalled& e) {
    st = common::Status::unavailable(std::string("simulation: ") + e.what());
  }
  if (!st) r_.error = st.message();
  const auto counters = system_->network().counters();
  r_.figures.messages = counters.messages;
  r_.figures.dropped = counters.dropped;
  r_.figures.peers = s_.cluster.nodes;
  r_.figures.seconds = static_cast<double>(clock.now_ns()) / 1e9;
  out_.simulated_seconds = r_.figures.seconds;
  out_.event_hash = system_->event_hash();
  out_.events = system_->loop().events_run();
  harness::RunCheckInputs in;
  in.spec = &s_.checks;
  in.clients = workload_processes_;
  if (script_) {
    in.verifiers = script_->verifier_processes();
    in.script = script_->outcomes();
  }
  in.samples = samples_;
  script_.reset();
  workload_.reset();
  system_->stop();
  history_.close();
  nemesis_log_.close();
  if (started) {
    if (auto cs = harness::evaluate_run_checks(in, &r_); !cs && r_.error.empty()) r_.error = cs.message();
  }
}

}  // namespace

SimRunOutcome run_sim_scenario(const harness::Scenario& scenario, const SimRunOptions& options) {
  SimRunOutcome out;
  harness::RunResults& r = out.results;
  r.scenario = scenario.name;
  r.file = scenario.file;
  r.seed = options.seed;
  r.started_utc = harness::utc_now_iso();
  std::string dir = options.runs_dir + "/" + scenario.name + "/sim-" + std::to_string(options.seed);
  if (!options.label.empty()) dir += "-" + options.label;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir + "/logs", ec);
  if (ec) {
    r.error = "cannot create run directory " + dir + ": " + ec.message();
    return out;
  }
  r.run_dir = dir;
  (void)harness::write_text_file(dir + "/scenario.yaml", harness::scenario_text_with_seed(scenario.source, options.seed));
  {
    SimRun run(scenario, options, out);
    run.run();
  }
  (void)harness::write_results_json(r, dir + "/results.json");
  (void)harness::write_text_file(dir + "/junit.xml", harness::junit_xml(r));
  if (options.write_report) {
    if (auto st = harness::write_report(dir); !st && r.error.empty()) r.error = "report: " + st.message();
  }
  return out;
}

}  // namespace sim
