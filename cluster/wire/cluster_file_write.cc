#include "cluster/wire/cluster_file_write.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace wire {

namespace {
// Endpoints (tcp://host:port, ipc://@name) are quoted so YAML reads nothing else into them.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string cluster_config_yaml(const ClusterConfig& c) {
  std::ostringstream out;
  out << "# written by faultline\n";
  if (!c.cluster_id.empty()) out << "cluster_id: " << quoted(c.cluster_id) << "\n";
  out << "nodes:\n";
  for (const NodeAddresses& n : c.nodes) {
    out << "  - id: " << n.id << "\n";
    out << "    listen: " << quoted(n.listen) << "\n";
    if (!n.address.empty()) out << "    address: " << quoted(n.address) << "\n";
    if (!n.client_address.empty())
      out << "    client_address: " << quoted(n.client_address) << "\n";
    if (!n.peers.empty()) {
      out << "    peers:\n";
      for (const auto& [id, addr] : n.peers) out << "      " << id << ": " << quoted(addr) << "\n";
    }
  }
  out << "timing:\n";
  out << "  tick_ms: " << c.tick_ms << "\n";
  out << "  election_timeout_ms: [" << c.election_timeout_min_ms << ", "
      << c.election_timeout_max_ms << "]\n";
  out << "  heartbeat_ms: " << c.heartbeat_ms << "\n";
  out << "fsync: " << (c.fsync == FsyncMode::kAlways ? "always" : "never") << "\n";
  out << "read_mode: " << read_mode_name(c.read_mode) << "\n";
  out << "storage: " << (c.storage == StorageMode::kDisk ? "disk" : "memory") << "\n";
  out << "dedup: " << (c.dedup ? "on" : "off") << "\n";
  // Only when off: a system under test of its own that knows no such key still reads the file.
  if (!c.pre_vote) out << "pre_vote: off\n";
  if (!c.check_quorum) out << "check_quorum: off\n";
  out << "compaction_bytes: " << c.compaction_bytes << "\n";
  out << "max_message_bytes: " << c.max_message_bytes << "\n";
  if (c.security == Security::kCurve) {
    out << "security: curve\n";
    out << "curve_keys: " << quoted(c.curve_keys_dir) << "\n";
  }
  return out.str();
}

common::Status write_cluster_config(const ClusterConfig& config, const std::string& path) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) return common::Status::io_error("cannot write " + tmp);
    f << cluster_config_yaml(config);
    f.flush();
    if (!f) return common::Status::io_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return common::Status::io_error("cannot rename " + tmp + " to " + path);
  }
  return common::Status::ok();
}

}  // namespace wire
