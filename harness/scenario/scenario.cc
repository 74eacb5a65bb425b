#include "harness/scenario/scenario.h"

#include <sstream>

namespace harness {
namespace {
std::string ms(Micros d) {
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

std::string join_set(const std::vector<int>& nodes) {
  std::string out = "{";
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(nodes[i]);
  }
  out += '}';
  return out;
}
}  // namespace

bool ClusterSpec::uses_unsafe_mode() const {
  return fsync == "never" || read_mode == "local" || storage == "memory" || !dedup;
}

const char* to_string(Step::Kind kind) {
  switch (kind) {
    case Step::Kind::kWait: return "wait";
    case Step::Kind::kHeal: return "heal";
    case Step::Kind::kPartition: return "partition";
    case Step::Kind::kKill: return "kill";
    case Step::Kind::kRestart: return "restart";
    case Step::Kind::kPause: return "pause";
    case Step::Kind::kResume: return "resume";
    case Step::Kind::kNetwork: return "network";
    case Step::Kind::kOp: return "op";
    case Step::Kind::kExpectPending: return "expect_pending";
    case Step::Kind::kAwait: return "await";
    case Step::Kind::kVerifyAppends: return "verify_appends";
  }
  return "?";
}

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

std::string describe(const PartitionSpec& p) {
  std::string out;
  switch (p.kind) {
    case PartitionSpec::Kind::kRandomHalves: out = "random_halves"; break;
    case PartitionSpec::Kind::kLeaderMinority: out = "leader_minority"; break;
    case PartitionSpec::Kind::kIsolateLeader: out = "isolate_leader"; break;
    case PartitionSpec::Kind::kIsolateNode: out = "isolate ";
      out += node_name(p.node); break;
    case PartitionSpec::Kind::kBridge: out = "bridge"; break;
    case PartitionSpec::Kind::kRing: out = "ring"; break;
    case PartitionSpec::Kind::kSets:
      out = "sets";
      for (const auto& s : p.sets) {
        out += ' ';
        out += join_set(s);
      }
      break;
  }
  if (p.clients_side >= 0) {
    out += ", clients on side ";
    out += std::to_string(p.clients_side);
  }
  return out;
}

std::string describe(const NetworkRule& r) {
  if (r.is_reliable()) return "reliable";
  std::ostringstream out;
  out << "drop req " << r.drop_requests << " rep " << r.drop_replies << ", delay "
      << ms(r.delay_min) << ".." << ms(r.delay_max) << (r.reorder ? ", reorder" : "");
  switch (r.scope.kind) {
    case LinkScope::Kind::kAll: break;
    case LinkScope::Kind::kPeers: out << ", peer links"; break;
    case LinkScope::Kind::kClients: out << ", client links"; break;
    case LinkScope::Kind::kNodes: out << ", links of " << join_set(r.scope.nodes); break;
  }
  return out.str();
}

std::string Step::describe() const {
  switch (kind) {
    case Kind::kWait: return "wait " + ms(wait);
    case Kind::kHeal: return "heal";
    case Kind::kPartition: return "partition " + harness::describe(partition);
    case Kind::kKill: return "kill " + harness::describe(target);
    case Kind::kRestart: return "restart " + harness::describe(target);
    case Kind::kPause: return "pause " + harness::describe(target);
    case Kind::kResume: return "resume " + harness::describe(target);
    case Kind::kNetwork: return "network " + harness::describe(network);
    case Kind::kOp: {
      std::string out = "op " + op.client + " " + op.f + " " + op.key;
      if (op.f != "get") out += " '" + op.value + "'";
      if (op.side >= 0) out += " (side " + std::to_string(op.side) + ")";
      if (op.async) out += " async";
      return out;
    }
    case Kind::kExpectPending:
    case Kind::kAwait: {
      std::string out = kind == Kind::kAwait ? "await" : "expect_pending";
      for (const auto& c : clients) out += " " + c;
      return out + (kind == Kind::kAwait ? " within " : " for ") + ms(wait);
    }
    case Kind::kVerifyAppends: return "verify_appends";
  }
  return "?";
}

}  // namespace harness
