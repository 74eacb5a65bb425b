#include "cluster/wire/cluster_config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace wire {
namespace {

constexpr uint64_t kMinMaxMessageBytes = 2 << 20;
constexpr uint64_t kMaxMaxMessageBytes = 1ULL << 31;

// Thrown inside the parser only; turned into a Status at the boundary.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parser: walks one YAML document into a ClusterConfig, throwing ConfigError with
// "file:line: field: reason" at the first problem. One per parse; not shared.
class Parser {
 public:
  explicit Parser(std::string name) : name_(std::move(name)) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& field, const std::string& why) {
    int line = at.IsDefined() ? at.Mark().line + 1 : 0;
    throw ConfigError(name_ + ":" + std::to_string(line) + ": " + field + ": " + why);
  }

  void only_keys(const YAML::Node& map, const std::string& where, const std::set<std::string>& ok) {
    if (!map.IsMap()) fail(map, where, "expected a mapping");
    for (const auto& kv : map) {
      std::string k = kv.first.Scalar();
      if (!ok.count(k)) fail(kv.first, where.empty() ? k : where + "." + k, "unknown key");
    }
  }

  uint64_t u64(const YAML::Node& n, const std::string& field) {
    if (!n.IsScalar()) fail(n, field, "expected a non-negative integer");
    const std::string& s = n.Scalar();
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 19)
      fail(n, field, "expected a non-negative integer, got '" + s + "'");
    return std::stoull(s);
  }

  int positive_int(const YAML::Node& n, const std::string& field) {
    uint64_t v = u64(n, field);
    if (v == 0 || v > 3600000) fail(n, field, "must be between 1 and 3600000");
    return static_cast<int>(v);
  }

  std::string address(const YAML::Node& n, const std::string& field) {
    if (!n.IsScalar()) fail(n, field, "expected an address string");
    std::string s = n.Scalar();
    if (s.rfind("tcp://", 0) != 0 && s.rfind("ipc://", 0) != 0 && s.rfind("inproc://", 0) != 0)
      fail(n, field, "expected a ZeroMQ endpoint like tcp://127.0.0.1:5001, got '" + s + "'");
    if (s.rfind("tcp://", 0) == 0) {
      // ZeroMQ would take "99999" modulo 65536 without a word (issue 14): check it here.
      size_t colon = s.rfind(':');
      std::string port = colon == std::string::npos || colon < 6 ? "" : s.substr(colon + 1);
      if (port.empty()) fail(n, field, "no port in '" + s + "' (expected tcp://HOST:PORT)");
      if (port != "*" && (port.find_first_not_of("0123456789") != std::string::npos ||
                          port.size() > 5 || std::stoul(port) > 65535))
        fail(n, field, "port '" + port + "' is not a number from 0 to 65535 in '" + s + "'");
    }
    return s;
  }

  // Whether two nodes may not share this listen address: a fixed tcp port or an ipc path.
  static bool exclusive(const std::string& endpoint) {
    if (endpoint.rfind("tcp://", 0) != 0) return true;
    std::string port = endpoint.substr(endpoint.rfind(':') + 1);
    return port != "*" && port.find_first_not_of('0') != std::string::npos;  // not 0 or 00...
  }

  std::string choice(const YAML::Node& n, const std::string& field,
                     const std::vector<std::string>& allowed) {
    if (!n.IsScalar()) fail(n, field, "expected a string");
    for (const auto& a : allowed)
      if (n.Scalar() == a) return a;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : "|") + a;
    fail(n, field, "expected " + list + ", got '" + n.Scalar() + "'");
  }

  ClusterConfig parse(const YAML::Node& root) {
    ClusterConfig c;
    c.path = name_;
    if (!root.IsMap()) fail(root, "(top level)", "expected a mapping");
    only_keys(root, "",
              {"cluster_id", "nodes", "timing", "fsync", "read_mode", "storage", "dedup",
               "pre_vote", "check_quorum", "compaction_bytes", "max_message_bytes", "security", "curve_keys"});
    const YAML::Node nodes = root["nodes"];
    if (!nodes) fail(root, "nodes", "missing");
    if (!nodes.IsSequence() || nodes.size() == 0) fail(nodes, "nodes", "expected a non-empty list");
    std::set<uint64_t> seen;
    std::map<std::string, size_t> listens;  // listen address -> first node index using it
    for (size_t i = 0; i < nodes.size(); ++i) {
      const YAML::Node n = nodes[i];
      std::string where = "nodes[" + std::to_string(i) + "]";
      only_keys(n, where, {"id", "listen", "address", "client_address", "peers"});
      NodeAddresses a;
      if (!n["id"]) fail(n, where + ".id", "missing");
      a.id = u64(n["id"], where + ".id");
      if (a.id == 0) fail(n["id"], where + ".id", "must be >= 1");
      if (!seen.insert(a.id).second)
        fail(n["id"], where + ".id", "duplicate id " + std::to_string(a.id));
      if (!n["listen"]) fail(n, where + ".listen", "missing");
      a.listen = address(n["listen"], where + ".listen");
      if (exclusive(a.listen) && !listens.emplace(a.listen, i).second)
        fail(n["listen"], where + ".listen",
             "'" + a.listen + "' is also nodes[" + std::to_string(listens[a.listen]) +
                 "].listen: two nodes cannot bind one address");
      a.address = n["address"] ? address(n["address"], where + ".address") : a.listen;
      a.client_address =
          n["client_address"] ? address(n["client_address"], where + ".client_address") : a.address;
      if (const YAML::Node p = n["peers"]) {
        if (!p.IsMap()) fail(p, where + ".peers", "expected a mapping of peer id to address");
        for (const auto& kv : p) {
          uint64_t peer = u64(kv.first, where + ".peers");
          a.peers[peer] = address(kv.second, where + ".peers." + std::to_string(peer));
        }
      }
      c.nodes.push_back(std::move(a));
    }
    for (size_t i = 0; i < c.nodes.size(); ++i)
      for (const auto& [peer, addr] : c.nodes[i].peers)
        if (!seen.count(peer) || peer == c.nodes[i].id)
          fail(nodes[i]["peers"], "nodes[" + std::to_string(i) + "].peers." + std::to_string(peer),
               "not another member of the cluster");
    if (const YAML::Node t = root["timing"]) {
      only_keys(t, "timing", {"tick_ms", "election_timeout_ms", "heartbeat_ms"});
      if (t["tick_ms"]) c.tick_ms = positive_int(t["tick_ms"], "timing.tick_ms");
      if (t["heartbeat_ms"])
        c.heartbeat_ms = positive_int(t["heartbeat_ms"], "timing.heartbeat_ms");
      if (const YAML::Node e = t["election_timeout_ms"]) {
        if (!e.IsSequence() || e.size() != 2)
          fail(e, "timing.election_timeout_ms", "expected [min, max]");
        c.election_timeout_min_ms = positive_int(e[0], "timing.election_timeout_ms[0]");
        c.election_timeout_max_ms = positive_int(e[1], "timing.election_timeout_ms[1]");
        if (c.election_timeout_min_ms > c.election_timeout_max_ms)
          fail(e, "timing.election_timeout_ms", "min is greater than max");
      }
      if (c.heartbeat_ms < c.tick_ms) fail(t, "timing.heartbeat_ms", "shorter than tick_ms");
      if (c.election_timeout_min_ms <= c.heartbeat_ms)
        fail(t, "timing.election_timeout_ms", "must be longer than heartbeat_ms");
    }
    if (root["fsync"])
      c.fsync = choice(root["fsync"], "fsync", {"always", "never"}) == "always" ? FsyncMode::kAlways
                                                                                : FsyncMode::kNever;
    if (root["read_mode"]) {
      std::string m = choice(root["read_mode"], "read_mode", {"read_index", "log", "local"});
      c.read_mode = m == "read_index" ? ReadMode::kReadIndex
                    : m == "log"      ? ReadMode::kLog
                                      : ReadMode::kLocal;
    }
    if (root["storage"])
      c.storage = choice(root["storage"], "storage", {"disk", "memory"}) == "disk"
                      ? StorageMode::kDisk
                      : StorageMode::kMemory;
    for (auto [field, flag] : {std::pair{"dedup", &c.dedup}, std::pair{"pre_vote", &c.pre_vote},
                               std::pair{"check_quorum", &c.check_quorum}}) {
      if (!root[field]) continue;
      std::string d = choice(root[field], field, {"on", "off", "true", "false"});
      *flag = d == "on" || d == "true";
    }
    if (root["compaction_bytes"])
      c.compaction_bytes = u64(root["compaction_bytes"], "compaction_bytes");
    if (root["max_message_bytes"]) {
      c.max_message_bytes = u64(root["max_message_bytes"], "max_message_bytes");
      if (c.max_message_bytes < kMinMaxMessageBytes || c.max_message_bytes > kMaxMaxMessageBytes)
        fail(root["max_message_bytes"], "max_message_bytes",
             "must be between " + std::to_string(kMinMaxMessageBytes) + " (a 1 MiB request " +
                 "with its batch) and " + std::to_string(kMaxMaxMessageBytes));
    }
    if (root["security"] && choice(root["security"], "security", {"none", "curve"}) == "curve") {
      c.security = Security::kCurve;
      const YAML::Node keys = root["curve_keys"];
      if (!keys)
        fail(root["security"], "curve_keys", "missing (security: curve needs a key directory)");
      if (!keys.IsScalar() || keys.Scalar().empty())
        fail(keys, "curve_keys", "expected a directory");
      c.curve_keys_dir = keys.Scalar();
      const size_t slash = name_.rfind('/');
      if (c.curve_keys_dir[0] != '/' && slash != std::string::npos)
        c.curve_keys_dir = name_.substr(0, slash + 1) + c.curve_keys_dir;
    } else if (root["curve_keys"]) {
      fail(root["curve_keys"], "curve_keys", "only with security: curve");
    }
    if (const YAML::Node id = root["cluster_id"]) {
      if (!id.IsScalar() || id.Scalar().empty() || id.Scalar().size() > 128 ||
          id.Scalar().find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789._-") != std::string::npos)
        fail(id, "cluster_id", "expected 1 to 128 characters of [A-Za-z0-9._-]");
      c.cluster_id = id.Scalar();
    } else {
      c.cluster_id = "ids";
      for (uint64_t node : seen) c.cluster_id += "-" + std::to_string(node);
    }
    return c;
  }

 private:
  std::string name_;
};

}  // namespace

const NodeAddresses* ClusterConfig::find(uint64_t id) const {
  for (const auto& n : nodes)
    if (n.id == id) return &n;
  return nullptr;
}

std::string ClusterConfig::peer_address(uint64_t from, uint64_t to) const {
  const NodeAddresses* f = find(from);
  if (f) {
    auto it = f->peers.find(to);
    if (it != f->peers.end()) return it->second;
  }
  const NodeAddresses* t = find(to);
  return t ? t->address : std::string();
}

std::vector<std::string> ClusterConfig::client_addresses() const {
  std::vector<std::string> out;
  for (const auto& n : nodes) out.push_back(n.client_address);
  return out;
}

std::vector<uint64_t> ClusterConfig::ids() const {
  std::vector<uint64_t> out;
  for (const auto& n : nodes) out.push_back(n.id);
  return out;
}

std::vector<std::string> ClusterConfig::unsafe_settings() const {
  std::vector<std::string> out;
  if (read_mode == ReadMode::kLocal) out.push_back("read_mode: local");
  if (fsync == FsyncMode::kNever) out.push_back("fsync: never");
  if (storage == StorageMode::kMemory) out.push_back("storage: memory");
  if (!dedup) out.push_back("dedup: off");
  return out;
}

const char* read_mode_name(ReadMode m) {
  switch (m) {
    case ReadMode::kReadIndex:
      return "read_index";
    case ReadMode::kLog:
      return "log";
    case ReadMode::kLocal:
      return "local";
  }
  return "?";
}

common::Result<ClusterConfig> parse_cluster_config(const std::string& text,
                                                   const std::string& name) {
  try {
    return Parser(name).parse(YAML::Load(text));
  } catch (const ConfigError& e) {
    return common::Status::invalid_argument(e.what());
  } catch (const YAML::Exception& e) {
    return common::Status::invalid_argument(name + ":" + std::to_string(e.mark.line + 1) +
                                            ": (syntax): " + e.msg);
  }
}

common::Result<ClusterConfig> load_cluster_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return common::Status::not_found(path + ": cannot open cluster file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_cluster_config(ss.str(), path);
}

}  // namespace wire
