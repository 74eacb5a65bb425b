#include "sim/sweep.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <mutex>
#include <ostream>
#include <thread>

#include "sim/swarm.h"

namespace sim {

namespace {

std::string first_failure(const harness::RunResults& r) {
  if (!r.error.empty()) return "error: " + r.error;
  for (const auto& c : r.checks) {
    if (!c.passed()) return c.name + ": " + c.summary;
  }
  return "";
}

std::string shell_quote(const std::string& s) {
  if (s.find_first_of(" '\"$\\") == std::string::npos) return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// What to print if the system under test aborts this thread's run (a Raft invariant check: the
// real kvnode would abort too). The handler names the seed and the replay command, so an abort is
// a finding like a failed check, not a sweep that died without saying where.
thread_local const std::string* abort_note = nullptr;

extern "C" void on_abort(int sig) {
  if (const std::string* note = abort_note) {
    ssize_t ignored = ::write(STDERR_FILENO, note->data(), note->size());
    (void)ignored;
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

class AbortNote {
 public:
  explicit AbortNote(std::string text) : text_(std::move(text)) {
    static const bool installed = [] {
      std::signal(SIGABRT, on_abort);
      return true;
    }();
    (void)installed;
    abort_note = &text_;
  }
  ~AbortNote() { abort_note = nullptr; }
  AbortNote(const AbortNote&) = delete;
  AbortNote& operator=(const AbortNote&) = delete;

 private:
  std::string text_;
};

}  // namespace

// Runs r's seed again and compares; r becomes an error on any difference.
static void check_twice(const harness::Scenario& s, const SweepOptions& o, SeedOutcome* r) {
  const std::string first = slurp(r->run_dir + "/history.jsonl.zst");
  SeedOutcome again = run_seed(s, r->seed, o.swarm, o, true);
  const std::string second = slurp(again.run_dir + "/history.jsonl.zst");
  r->deterministic = first == second && !first.empty() && r->event_hash == again.event_hash;
  if (!r->deterministic) {
    r->exit_code = 2;
    r->why = "not deterministic: the second run of the seed gave " +
             std::string(first == second ? "the same history but another event hash"
                                         : "a different history");
  }
  if (r->exit_code == 0 && !o.keep_passing) {
    std::error_code ec;
    std::filesystem::remove_all(r->run_dir, ec);
    r->run_dir.clear();
  }
}

SeedOutcome run_seed(const harness::Scenario& scenario, uint64_t seed, bool swarm, const SweepOptions& o,
                     bool keep_dir) {
  SeedOutcome out;
  out.scenario = scenario.name;
  out.file = scenario.file;
  out.seed = seed;
  out.swarmed = swarm;
  out.knobs_seed = swarm ? 0 : o.knobs_seed;
  SimRunOptions ro;
  ro.seed = seed;
  ro.runs_dir = o.runs_dir;
  // The directory of a passing seed is removed below: render its report only if it failed.
  ro.report_only_on_failure = !keep_dir;
  const harness::Scenario* s = &scenario;
  harness::Scenario swarmed;
  if (swarm) {
    auto t = swarm_scenario(scenario, seed, &out.swarm);
    if (!t) {
      out.exit_code = 2;
      out.why = "swarm: " + t.status().message();
      return out;
    }
    swarmed = std::move(*t);
    s = &swarmed;
    draw_knobs(seed, scenario, &ro.world, &ro.faults, &out.swarm);
  } else if (o.knobs_seed) {
    draw_knobs(o.knobs_seed, scenario, &ro.world, &ro.faults, &out.swarm);
  }
  SimRunOutcome run;
  {
    AbortNote note("[" + scenario.name + "] seed " + std::to_string(seed) +
                   " ABORT: the system under test aborted (an invariant check failed: see the line above)\n"
                   "  replay: " + replay_command(out) + "\n");
    run = run_sim_scenario(*s, ro);
  }
  out.exit_code = run.results.exit_code();
  out.why = first_failure(run.results);
  out.event_hash = run.event_hash;
  out.simulated_seconds = run.simulated_seconds;
  out.run_dir = run.results.run_dir;
  for (const auto& f : run.sim_faults) {
    if (f.find("power losses 0") == std::string::npos) out.swarm.push_back(f);
  }
  if (swarm && !out.run_dir.empty()) {  // the knobs drawn, then the simulation-only faults applied
    std::ofstream notes(out.run_dir + "/swarm.txt");
    for (const auto& n : out.swarm) notes << n << '\n';
  }
  if (out.exit_code == 0 && !keep_dir) {
    std::error_code ec;
    std::filesystem::remove_all(o.runs_dir + "/" + scenario.name + "/sim-" + std::to_string(seed), ec);
    out.run_dir.clear();
  }
  return out;
}

SweepSummary run_sweep(const std::vector<harness::Scenario>& scenarios, const SweepOptions& o,
                       const std::function<void(const SeedOutcome&)>& on_result) {
  struct Job {
    size_t scenario;
    uint64_t seed;
  };
  std::vector<Job> jobs;
  // Seed-major: a sweep cut short (a time budget, --stop-on-failure) has tried every scenario.
  for (uint64_t k = 0; k < o.seeds; ++k) {
    if (o.shards > 1 && static_cast<int>(k % static_cast<uint64_t>(o.shards)) != o.shard - 1) continue;
    for (size_t s = 0; s < scenarios.size(); ++s) jobs.push_back({s, o.first_seed + k});
  }
  SweepSummary summary;
  std::vector<SeedOutcome> outcomes(jobs.size());
  std::vector<char> done(jobs.size(), 0);
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::atomic<bool> failed{false};
  const auto t0 = std::chrono::steady_clock::now();
  auto worker = [&] {
    for (size_t i = next++; i < jobs.size(); i = next++) {
      if (o.stop_on_failure && failed) break;
      if (o.budget_seconds > 0 &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > o.budget_seconds)
        break;
      SeedOutcome r = run_seed(scenarios[jobs[i].scenario], jobs[i].seed, o.swarm, o,
                               o.keep_passing || o.check_determinism);
      if (o.check_determinism) check_twice(scenarios[jobs[i].scenario], o, &r);
      if (r.exit_code != 0) failed = true;
      std::lock_guard lock(mu);
      done[i] = true;
      if (on_result) on_result(r);
      outcomes[i] = std::move(r);
    }
  };
  const int threads = std::max(1, std::min<int>(o.jobs, static_cast<int>(jobs.size())));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  summary.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (!done[i]) continue;  // skipped after a failure
    SeedOutcome& r = outcomes[i];
    ++summary.runs;
    if (r.deterministic) ++summary.deterministic;
    summary.simulated_seconds += r.simulated_seconds;
    if (r.exit_code == 0) ++summary.passed;
    else if (r.exit_code == 1) ++summary.failed;
    else ++summary.errors;
    if (r.exit_code != 0) summary.failures.push_back(std::move(r));
  }
  return summary;
}

std::string replay_command(const SeedOutcome& o) {
  std::string cmd = "faultline sim " + shell_quote(o.file) + " --seed " + std::to_string(o.seed);
  if (o.swarmed) cmd += " --swarm";
  if (o.knobs_seed) cmd += " --knobs-seed " + std::to_string(o.knobs_seed);
  return cmd;
}

std::string summary_file_name(const SweepOptions& o) {
  if (o.shards <= 1) return "sim-summary.json";
  return "sim-summary-shard-" + std::to_string(o.shard) + "-of-" + std::to_string(o.shards) + ".json";
}

nlohmann::json to_json(const SweepSummary& s, const SweepOptions& o) {
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& f : s.failures) {
    failures.push_back({{"scenario", f.scenario}, {"file", f.file}, {"seed", std::to_string(f.seed)},
                        {"exit_code", f.exit_code}, {"why", f.why}, {"run_dir", f.run_dir},
                        {"replay", replay_command(f)}, {"swarm", f.swarm},
                        {"knobs_seed", std::to_string(f.knobs_seed)}});
  }
  return {{"runs", s.runs}, {"passed", s.passed}, {"failed", s.failed}, {"errors", s.errors},
          {"wall_seconds", s.wall_seconds}, {"deterministic", s.deterministic}, {"simulated_seconds", s.simulated_seconds},
          {"first_seed", std::to_string(o.first_seed)}, {"seeds", o.seeds}, {"shard", o.shard},
          {"shards", o.shards}, {"swarm", o.swarm}, {"failures", failures}};
}

common::Result<SweepSummary> merge_summaries(const std::vector<std::string>& dirs, std::vector<std::string>* files) {
  SweepSummary total;
  for (const auto& dir : dirs) {
    std::vector<std::string> found;
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir, ec)) {
      found.push_back(dir);
    } else {
      std::filesystem::directory_iterator it(dir, ec);
      if (ec) return common::Status::io_error(dir + ": " + ec.message());
      for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind("sim-summary", 0) == 0 && it->path().extension() == ".json") found.push_back(it->path().string());
      }
      if (found.empty()) return common::Status::not_found(dir + ": no sim-summary*.json (written by faultline sim)");
    }
    std::sort(found.begin(), found.end());
    for (const auto& path : found) {
      std::ifstream in(path);
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(in);
        total.runs += j.at("runs").get<uint64_t>();
        total.passed += j.at("passed").get<uint64_t>();
        total.failed += j.at("failed").get<uint64_t>();
        total.errors += j.at("errors").get<uint64_t>();
        total.wall_seconds += j.at("wall_seconds").get<double>();
        total.simulated_seconds += j.at("simulated_seconds").get<double>();
        for (const auto& f : j.at("failures")) {
          SeedOutcome o;
          o.scenario = f.at("scenario").get<std::string>();
          o.file = f.at("file").get<std::string>();
          o.seed = std::stoull(f.at("seed").get<std::string>());
          o.exit_code = f.at("exit_code").get<int>();
          o.why = f.at("why").get<std::string>();
          o.run_dir = f.at("run_dir").get<std::string>();
          o.swarm = f.value("swarm", std::vector<std::string>{});
          o.swarmed = j.value("swarm", false);
          o.knobs_seed = std::stoull(f.value("knobs_seed", std::string("0")));
          total.failures.push_back(std::move(o));
        }
      } catch (const std::exception& e) {
        return common::Status::invalid_argument(path + ": not a sim summary: " + e.what());
      }
      files->push_back(path);
    }
  }
  return total;
}

void print_summary(std::ostream& out, const SweepSummary& s) {
  out << "sim: " << s.runs << " runs, " << s.passed << " passed, " << s.failed << " failed, " << s.errors
      << " errors; " << std::fixed << std::setprecision(1) << s.simulated_seconds << " s simulated in "
      << s.wall_seconds << " s wall";
  if (s.wall_seconds > 0) out << " (" << std::setprecision(0) << s.runs * 60.0 / s.wall_seconds << " seeds/min)";
  if (s.deterministic) out << "; " << s.deterministic << "/" << s.runs << " seeds replayed identically";
  out << "\n";
}

}  // namespace sim
