#include "harness/scenario/scenario.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace harness {
std::string ms_text(Micros d) {
  std::ostringstream out;
  if (d.count() % 1000 == 0) {
    out << d.count() / 1000 << "ms";
  } else {
    out << d.count() / 1000.0 << "ms";
  }
  return out.str();
}

// Node name "nN". (Built by appending: GCC 12 warns falsely on "literal" + std::string.)
std::string node_name(int node) {
  std::string out = "n";
  out += std::to_string(node);
  return out;
}

std::string node_set(const std::vector<int>& nodes) {
  std::string out = "{";
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(nodes[i]);
  }
  out += '}';
  return out;
}

std::string short_value(const std::string& value, size_t max) {
  if (value.size() <= max) return value;
  return value.substr(0, max) + "... (" + std::to_string(value.size()) + " bytes)";
}

const std::vector<std::string>& expectable_checks() {
  static const std::vector<std::string> names = {
      "linearizable", "appends",       "min_ops",     "mean_latency", "raft_state_bytes",
      "snapshot_bytes", "no_snapshot", "deadline",    "script"};
  return names;
}

std::string ExpectedDuration::text() const {
  std::ostringstream out;
  out << (open_ended ? ">=" : "") << std::llround(seconds) << "s";
  return out.str();
}

ExpectedDuration Scenario::expected_duration() const {
  ExpectedDuration d;
  auto steps = [&](const std::vector<Step>& list, double* secs) {
    for (const Step& s : list) {
      if (s.kind == Step::Kind::kWait) *secs += s.wait.count() / 1e6;
      if (s.kind == Step::Kind::kOp || s.kind == Step::Kind::kAwait) d.open_ended = true;
      if (s.kind == Step::Kind::kExpectPending) *secs += s.wait.count() / 1e6;
    }
  };
  for (const Phase& p : phases) {
    double once = 0;
    steps(p.steps, &once);
    steps(p.after, &once);
    if (p.workload) {
      if (p.workload->duration) once += p.workload->duration->count() / 1e6;
      if (!p.workload->duration) d.open_ended = true;
    }
    d.seconds += p.repeat * once;
  }
  return d;
}

std::string scenario_description(const Scenario& s) {
  if (!s.description.empty()) return s.description;
  std::istringstream in(s.source);
  std::string line, out;
  // Bounded by the source's lines.
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '#') break;
    line.erase(0, line.find_first_not_of("# "));
    if (!out.empty()) out += ' ';
    out += line;
  }
  return out;
}

bool Scenario::has_tag(const std::string& tag) const {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

bool ClusterSpec::uses_unsafe_mode() const {
  return fsync == sut::Fsync::kNever || read_mode == sut::ReadMode::kLocal ||
         storage == sut::Storage::kMemory || !dedup;
}

bool Scenario::uses_fault(const std::string& name) const {
  auto is = [&](const Step& s) { return s.kind == Step::Kind::kFault && s.fault.name == name; };
  for (const Phase& p : phases) {
    for (const Step& s : p.steps)
      if (is(s)) return true;
    for (const Step& s : p.after)
      if (is(s)) return true;
    for (const NemesisEntry& e : p.nemesis)
      if (is(e.action)) return true;
  }
  return false;
}

sut::ClusterSettings ClusterSpec::settings() const {
  sut::ClusterSettings out;
  out.tick_ns = std::chrono::nanoseconds(tick).count();
  out.election_min_ns = std::chrono::nanoseconds(election_min).count();
  out.election_max_ns = std::chrono::nanoseconds(election_max).count();
  out.heartbeat_ns = std::chrono::nanoseconds(heartbeat).count();
  out.fsync = fsync;
  out.read_mode = read_mode;
  out.storage = storage;
  out.dedup = dedup;
  out.pre_vote = pre_vote;
  out.check_quorum = check_quorum;
  out.compaction_bytes = compaction_bytes;
  out.curve = curve;
  return out;
}

const char* to_string(sut::Fsync mode) { return mode == sut::Fsync::kNever ? "never" : "always"; }
const char* to_string(sut::ReadMode mode) {
  switch (mode) {
    case sut::ReadMode::kReadIndex: return "read_index";
    case sut::ReadMode::kLog: return "log";
    case sut::ReadMode::kLocal: return "local";
  }
  return "?";
}
const char* to_string(sut::Storage mode) { return mode == sut::Storage::kMemory ? "memory" : "disk"; }

const char* to_string(Step::Kind kind) {
  switch (kind) {
    case Step::Kind::kWait: return "wait";
    case Step::Kind::kFault: return "fault";
    case Step::Kind::kOp: return "op";
    case Step::Kind::kExpectPending: return "expect_pending";
    case Step::Kind::kAwait: return "await";
    case Step::Kind::kVerifyAppends: return "verify_appends";
  }
  return "?";
}

std::string Step::name() const { return kind == Kind::kFault ? fault.name : to_string(kind); }

std::string describe(const NodeTarget& t) {
  switch (t.kind) {
    case NodeTarget::Kind::kNode: return node_name(t.node);
    case NodeTarget::Kind::kLeader: return "leader";
    case NodeTarget::Kind::kMinority: return "minority";
    case NodeTarget::Kind::kAll: return "all";
    case NodeTarget::Kind::kRandom: return "random";
    case NodeTarget::Kind::kDown: return "down";
  }
  return "?";
}

std::string describe(const NetworkRule& r) {
  if (r.is_reliable()) return "reliable";
  std::ostringstream out;
  out << "drop req " << r.drop_requests << " rep " << r.drop_replies << ", delay "
      << ms_text(r.delay_min) << ".." << ms_text(r.delay_max) << (r.reorder ? ", reorder" : "");
  switch (r.scope.kind) {
    case LinkScope::Kind::kAll: break;
    case LinkScope::Kind::kPeers: out << ", peer links"; break;
    case LinkScope::Kind::kClients: out << ", client links"; break;
    case LinkScope::Kind::kNodes: out << ", links of " << node_set(r.scope.nodes); break;
  }
  return out.str();
}

std::string Step::describe() const {
  switch (kind) {
    case Kind::kWait: return "wait " + ms_text(wait);
    case Kind::kFault: {
      const std::string args = fault.args ? fault.args->describe() : "";
      return args.empty() ? fault.name : fault.name + " " + args;
    }
    case Kind::kOp: {
      std::string out = "op " + op.client + " " + sut::op_name(op.f) + " " + op.key;
      if (op.f != sut::OpKind::kGet) out += " '" + short_value(op.value) + "'";
      if (op.side >= 0) out += " (side " + std::to_string(op.side) + ")";
      if (op.async) out += " async";
      return out;
    }
    case Kind::kExpectPending:
    case Kind::kAwait: {
      std::string out = kind == Kind::kAwait ? "await" : "expect_pending";
      for (const auto& c : clients) out += " " + c;
      return out + (kind == Kind::kAwait ? " within " : " for ") + ms_text(wait);
    }
    case Kind::kVerifyAppends: return "verify_appends";
  }
  return "?";
}

}  // namespace harness
