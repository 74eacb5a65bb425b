// `faultline sim SCENARIO.yaml|DIR...`: run scenarios in the deterministic simulation over many
// seeds; `faultline summary DIR...`: merge the summaries of sharded sweeps.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/commands.h"
#include "harness/run/select.h"
#include "harness/run/suite.h"
#include "harness/nemesis/registry.h"
#include "harness/scenario/scenario_loader.h"
#include "harness/scenario/yaml_fields.h"
#include "sim/shrink.h"
#include "sim/sweep.h"

namespace app {

namespace {

struct SimArgs {
  std::vector<std::string> paths;
  uint64_t seeds = 1;
  int jobs = 1;
  std::string seed;
  bool swarm = false;
  std::string shard;
  std::string runs_dir = "runs";
  bool keep = false;
  bool stop_on_failure = false;
  bool determinism = false;
  double budget = 0;
  bool quiet = false;
  std::string shrink;
  uint64_t knobs_seed = 0;
  std::string out;
  int shrink_runs = 400;
  harness::Selection selection;  // -k / --tag, as `faultline run`
};

bool parse_shard(const std::string& text, int* k, int* n) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return false;
  try {
    size_t used = 0;
    *k = std::stoi(text.substr(0, slash), &used);
    if (used != slash) return false;
    *n = std::stoi(text.substr(slash + 1), &used);
    if (used != text.size() - slash - 1) return false;
  } catch (const std::exception&) {
    return false;
  }
  return *n >= 1 && *k >= 1 && *k <= *n;
}

int run_sim(const SimArgs& a, bool seed_given) {
  auto files = harness::collect_scenario_files(a.paths);
  if (!files) {
    std::cerr << "faultline sim: " << files.status().message() << "\n";
    return 2;
  }
  std::vector<harness::Scenario> scenarios;
  for (const auto& f : *files) {
    auto s = harness::load_scenario_file(f, harness::fault_registry());
    if (!s) {
      std::cerr << s.status().message() << "\n";
      return 2;
    }
    scenarios.push_back(std::move(*s));
  }
  const size_t given = scenarios.size();
  scenarios = harness::select_scenarios(scenarios, a.selection);
  if (scenarios.empty()) {
    std::cerr << "faultline sim: no scenario of the " << given << " given matches " << a.selection.describe() << "\n";
    return 2;
  }
  sim::SweepOptions o;
  o.seeds = a.seeds;
  o.jobs = a.jobs;
  o.swarm = a.swarm;
  o.runs_dir = a.runs_dir;
  o.keep_passing = a.keep;
  o.knobs_seed = a.knobs_seed;
  o.stop_on_failure = a.stop_on_failure;
  o.check_determinism = a.determinism;
  o.budget_seconds = a.budget;
  if (seed_given) {
    std::string error;
    auto s = harness::parse_uint64(a.seed, &error);
    if (!s) {
      std::cerr << "faultline sim: --seed: " << error << "\n";
      return 2;
    }
    o.first_seed = *s;
    if (a.seeds == 1) o.keep_passing = true;  // a replay keeps its run directory
  }
  if (!a.shard.empty() && !parse_shard(a.shard, &o.shard, &o.shards)) {
    std::cerr << "faultline sim: --shard: expected K/N with 1 <= K <= N, got '" << a.shard << "'\n";
    return 2;
  }
  if (!a.shrink.empty()) {
    std::string error;
    auto s = harness::parse_uint64(a.shrink, &error);
    if (!s) {
      std::cerr << "faultline sim: --shrink: " << error << "\n";
      return 2;
    }
    if (scenarios.size() != 1) {
      std::cerr << "faultline sim: --shrink takes exactly one scenario file\n";
      return 2;
    }
    sim::ShrinkOptions so;
    so.seed = *s;
    so.swarm = a.swarm;
    so.runs_dir = a.runs_dir;
    so.max_runs = a.shrink_runs;
    so.out = a.out;
    auto r = sim::shrink(scenarios[0], so, a.quiet ? nullptr : &std::cerr);
    if (!r) {
      std::cerr << "faultline sim: --shrink: " << r.status().message() << "\n";
      return 2;
    }
    std::cout << "smallest failing scenario: " << r->file << " (" << r->faults << " faults, was "
              << r->faults_before << "; " << r->clients << " clients; " << r->runs << " runs tried)\n";
    if (r->sim_faults > 0) {
      std::cout << "  plus " << r->sim_faults
                << " episodes of the simulation's own faults from the knobs seed (slow node, clock "
                   "drift, slow disk, a crash at an election or right after a restart)\n";
    }
    for (const auto& f : r->fault_lines) std::cout << "  fault: " << f << "\n";
    std::cout << "  " << r->why << "\n  replay: " << r->replay << "\n";
    if (!r->replayed) {
      std::cout << "  WARNING: the written file run as the replay command runs it did not fail the "
                   "same check ("
                << r->replay_why << ")\n";
    }
    return 1;
  }
  const bool single = o.seeds == 1 && scenarios.size() == 1;
  auto on_result = [&](const sim::SeedOutcome& r) {
    if (r.exit_code == 0) {
      if (single && !a.quiet) std::cerr << "[" << r.scenario << "] seed " << r.seed << " PASS  run dir " << r.run_dir << "\n";
      return;
    }
    std::cerr << "[" << r.scenario << "] seed " << r.seed << (r.exit_code == 1 ? " FAIL " : " ERROR ") << r.why
              << "\n  replay: " << sim::replay_command(r) << "\n  run dir: " << r.run_dir << "\n";
    if (!r.swarm.empty() && !a.quiet) {
      for (const auto& n : r.swarm) std::cerr << "  swarm: " << n << "\n";
    }
  };
  sim::SweepSummary summary = sim::run_sweep(scenarios, o, on_result);
  std::error_code ec;
  std::filesystem::create_directories(o.runs_dir, ec);
  const std::string path = o.runs_dir + "/" + sim::summary_file_name(o);
  if (auto st = harness::write_text_file(path, sim::to_json(summary, o).dump(2) + "\n"); !st) {
    std::cerr << "faultline sim: " << st.message() << "\n";
    return 2;
  }
  sim::print_summary(std::cout, summary);
  if (!a.quiet) std::cout << "summary: " << path << "\n";
  return summary.exit_code();
}

}  // namespace

void add_sim_command(CLI::App& cli, int& exit_code) {
  auto a = std::make_shared<SimArgs>();
  CLI::App* sim = cli.add_subcommand(
      "sim", "Run scenarios in the deterministic simulation over many seeds; exit 0 every seed "
             "passed, 1 a seed failed (its replay command is printed), 2 scenario or harness error");
  sim->add_option("scenarios", a->paths, "scenario files or directories")->required();
  sim->add_option("--seeds", a->seeds, "seeds per scenario")->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  sim->add_option("--seed", a->seed, "the first seed (alone: replay exactly this seed)");
  sim->add_option("--jobs,-j", a->jobs, "seeds run at once, each on its own thread")->check(CLI::Range(1, 256));
  sim->add_flag("--swarm", a->swarm, "each seed also draws its fault mix, cluster knobs and simulation knobs");
  sim->add_option("--knobs-seed", a->knobs_seed,
                  "draw only the simulation's own knobs (latency, disk, size limits, power loss, slow "
                  "nodes, drift) from this swarm seed; the scenario stays as written");
  sim->add_option("--shard", a->shard, "K/N: run only this machine's share of the seeds (1 <= K <= N)");
  sim->add_option("--runs-dir", a->runs_dir, "where run directories and the summary go")->capture_default_str();
  sim->add_flag("--check-determinism", a->determinism,
                "run every seed twice; a history or event hash that differs is an error (exit 2)");
  sim->add_option("--time-budget", a->budget,
                  "seconds of wall time after which no new seed starts (the sweep ends cleanly)")
      ->check(CLI::NonNegativeNumber);
  sim->add_flag("--stop-on-failure", a->stop_on_failure, "start no new seed once one failed");
  sim->add_flag("--keep", a->keep, "keep the run directories of passing seeds too");
  sim->add_flag("--quiet,-q", a->quiet, "only failures and the summary");
  sim->add_option("--shrink", a->shrink, "reduce this failing seed's run and write the smallest failing scenario");
  sim->add_option("--out", a->out, "with --shrink: the YAML file to write (default RUNS_DIR/<scenario>-shrunk-<seed>.yaml)");
  sim->add_option("--shrink-runs", a->shrink_runs, "with --shrink: at most this many runs")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  sim->add_option("-k", a->selection.patterns, "only scenarios whose name matches PATTERN (as in `run -k`)")
      ->type_name("PATTERN")
      ->allow_extra_args(false);
  sim->add_option("--tag", a->selection.tags, "only scenarios tagged TAG (as in `run --tag`)")->type_name("TAG")
      ->allow_extra_args(false);
  sim->final_callback([a, sim, &exit_code] { exit_code = run_sim(*a, sim->count("--seed") > 0); });

  auto dirs = std::make_shared<std::vector<std::string>>();
  CLI::App* summary = cli.add_subcommand(
      "summary", "Merge the sim-summary*.json of sweeps (e.g. the shards of one sweep) and print the "
                 "totals and every failure with its replay command; exit 1 if a seed failed");
  summary->add_option("dirs", *dirs, "run directories (or summary files) of the sweeps")->required();
  summary->final_callback([dirs, &exit_code] {
    std::vector<std::string> files;
    auto merged = sim::merge_summaries(*dirs, &files);
    if (!merged) {
      std::cerr << "faultline summary: " << merged.status().message() << "\n";
      exit_code = 2;
      return;
    }
    for (const auto& f : merged->failures) {
      std::cout << "[" << f.scenario << "] seed " << f.seed << (f.exit_code == 1 ? " FAIL " : " ERROR ") << f.why
                << "\n  replay: " << sim::replay_command(f) << "\n";
    }
    std::cout << files.size() << " summaries merged\n";
    sim::print_summary(std::cout, *merged);
    exit_code = merged->exit_code();
  });
}

}  // namespace app
