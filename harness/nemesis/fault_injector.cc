#include "harness/nemesis/fault_injector.h"

#include <algorithm>

#include "harness/nemesis/registry.h"

namespace harness {
namespace {

std::string set_text(const std::set<int>& nodes) {
  if (nodes.empty()) return "-";
  std::string out;
  for (int n : nodes) {
    out += out.empty() ? "n" : ",n";
    out += std::to_string(n);
  }
  return out;
}

// Marks the injector busy for one action; refuses a second caller instead of waiting for it.
class BusyGuard {
 public:
  explicit BusyGuard(std::atomic<bool>& busy) : busy_(busy), owned_(!busy.exchange(true)) {}
  ~BusyGuard() {
    if (owned_) busy_ = false;
  }
  bool owned() const { return owned_; }

 private:
  std::atomic<bool>& busy_;
  bool owned_;
};

}  // namespace

std::string active_faults_text(const NemesisState& s) {
  std::string out;
  auto add = [&](const std::string& text) {
    if (!out.empty()) out += "; ";
    out += text;
  };
  if (!s.partition_text.empty()) add("partition " + s.partition_text);
  if (!s.down.empty()) add("down " + set_text(s.down));
  if (!s.paused.empty()) add("paused " + set_text(s.paused));
  if (!s.network_text.empty()) add("net " + s.network_text);
  return out.empty() ? "none" : out;
}

FaultInjector::FaultInjector(sut::Nodes& nodes, sut::Network& network, sut::RunClock& clock,
                             NetworkRule baseline, JsonlWriter* log)
    : ctx_(nodes, network, clock, std::move(baseline)), clock_(clock), log_(log) {}

common::Status FaultInjector::apply_baseline() { return ctx_.apply_baseline(); }

void FaultInjector::set_context(const std::string& phase, int iteration) {
  phase_ = phase;
  iteration_ = iteration;
}

bool FaultInjector::fatal(const ScheduledEvent& event) {
  const Fault* f = fault_registry().find(event.action.fault.name);
  return f && f->failure_is_fatal(event.undo);
}

common::Status FaultInjector::run(const ScheduledEvent& event, std::vector<int>* nodes) {
  const Fault* fault = event.action.kind == Step::Kind::kFault
                           ? fault_registry().find(event.action.fault.name)
                           : nullptr;
  if (!fault) return common::Status::invalid_argument(event.action.name() + " is not a fault");
  if (event.undo) {
    // Revert exactly what the forward event of this entry did.
    return fault->undo(event, ctx_, last_nodes_[event.entry], nodes);
  }
  auto status = fault->apply(event, ctx_, nodes);
  if (status) last_nodes_[event.entry] = *nodes;
  return status;
}

common::Status FaultInjector::apply(const ScheduledEvent& event) {
  BusyGuard guard(busy_);
  if (!guard.owned()) {
    return common::Status::unavailable(event.describe() + ": another fault is being applied");
  }
  std::vector<int> nodes;
  common::Status status = run(event, &nodes);
  publish(true);
  log(event, nodes, status);
  return status;
}

common::Status FaultInjector::apply_step(const Step& step, common::Rng& rng) {
  ScheduledEvent event;
  event.action = step;
  event.entry = -1 - step.line;  // steps never undo; a distinct key per line
  draw_event_randomness(ctx_.num_nodes(), rng, &event);
  return apply(event);
}

common::Status FaultInjector::heal_everything() {
  BusyGuard guard(busy_);
  if (!guard.owned()) return common::Status::unavailable("heal: another fault is being applied");
  NemesisState& s = ctx_.state();
  common::Status first_error;
  for (int n : std::set<int>(s.paused)) {
    if (auto st = ctx_.nodes().resume(n); !st && first_error.is_ok()) first_error = st;
    s.paused.erase(n);
  }
  for (int n : std::set<int>(s.down)) {
    if (auto st = ctx_.nodes().start(n); !st && first_error.is_ok()) first_error = st;
    s.down.erase(n);
  }
  ctx_.heal_network();
  s.network_text.clear();
  publish(false);
  ScheduledEvent e;
  e.action.kind = Step::Kind::kFault;
  e.action.fault.name = "heal";
  log(e, {}, first_error);
  return first_error;
}

void FaultInjector::publish(bool count_action) {
  std::lock_guard lock(view_mu_);
  view_ = ctx_.state();
  if (count_action) ++actions_;
}

void FaultInjector::log(const ScheduledEvent& event, const std::vector<int>& nodes,
                        const common::Status& status) {
  if (!log_) return;
  nlohmann::json line;
  line["time"] = clock_.now_ns();
  line["phase"] = phase_;
  line["iteration"] = iteration_;
  line["action"] = event.action.name();
  line["undo"] = event.undo;
  line["detail"] = event.describe();
  line["nodes"] = nodes;
  nlohmann::json logs = nlohmann::json::array();
  for (int n : nodes) logs.push_back(ctx_.nodes().log_file(n));
  line["node_logs"] = logs;  // beside `nodes`: a user looking for n0's log finds logs/n1.log
  const NemesisState& s = ctx_.state();
  if (!s.sides.empty()) line["sides"] = s.sides;
  line["active"] = active_faults_text(s);
  line["ok"] = status.is_ok();
  if (!status.is_ok()) line["error"] = status.message();
  log_->write(line);
}

std::vector<std::vector<int>> FaultInjector::sides() const {
  std::lock_guard lock(view_mu_);
  return view_.sides;
}

std::set<int> FaultInjector::down() const {
  std::lock_guard lock(view_mu_);
  return view_.down;
}

int FaultInjector::actions() const {
  std::lock_guard lock(view_mu_);
  return actions_;
}

std::string FaultInjector::active_faults() const {
  std::lock_guard lock(view_mu_);
  return active_faults_text(view_);
}

}  // namespace harness
