#include "sim/scenario_run.h"

#include <filesystem>
#include <fstream>

#include "harness/run/runner.h"
#include "sim/sim_clock.h"

namespace sim {

SimRunOutcome run_sim_scenario(const harness::Scenario& scenario, const SimRunOptions& options) {
  SimRunOutcome out;
  WorldOptions world = options.world;
  world.write_logs = options.write_logs;
  world.power_loss = options.faults.power_loss;
  world.slow_node = options.faults.slow_node;
  world.slow_fraction = options.faults.slow_fraction;
  world.clock_drift = options.faults.clock_drift;
  world.drift_max = options.faults.drift_max;
  world.slow_disk = options.faults.slow_disk;
  world.bit_rot = options.faults.bit_rot;
  world.election_crash = options.faults.election_crash;
  world.restart_crash = options.faults.restart_crash;
  world.seed = options.seed;
  world.fingerprint = std::make_shared<WorldOptions::Fingerprint>();
  harness::RunOptions ro;
  ro.system = sim_system_factory(world);
  // One directory per (scenario, seed): seeds of several scenarios run at once on --jobs threads.
  ro.runs_dir = options.runs_dir + "/" + scenario.name + "/sim-" + std::to_string(options.seed);
  if (!options.label.empty()) ro.runs_dir += "-" + options.label;
  ro.seed = options.seed;
  ro.quiet = true;
  ro.report_only_on_failure = options.report_only_on_failure;
  std::error_code ec;
  std::filesystem::remove_all(ro.runs_dir, ec);
  try {
    out.results = harness::run_scenario(scenario, ro);
  } catch (const SimStalled& e) {
    out.results.scenario = scenario.name;
    out.results.file = scenario.file;
    out.results.seed = options.seed;
    out.results.error = std::string("simulation: ") + e.what();
  }
  out.event_hash = world.fingerprint->event_hash;
  out.events = world.fingerprint->events;
  out.simulated_seconds = static_cast<double>(world.fingerprint->now_ns) / 1e9;
  out.sim_faults = world.fingerprint->faults;
  return out;
}

}  // namespace sim
