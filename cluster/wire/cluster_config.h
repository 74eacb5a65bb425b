#pragma once
// The cluster file (YAML, docs/protocol.md "Cluster file"): the members, the addresses used to
// reach them, timing and the safety-relevant modes. Shared by kvnode, kvctl and the harness, so it
// lives beside the protocol. Parsing reports errors as "file:line: field: reason". Value type.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace wire {

struct NodeAddresses {
  uint64_t id = 0;
  std::string listen;                     // where the node binds its ROUTER socket
  std::string address;                    // where peers reach it (default: listen)
  std::string client_address;             // where clients reach it (default: address)
  std::map<uint64_t, std::string> peers;  // address THIS node uses to reach a peer (overrides)
};

enum class FsyncMode { kAlways, kNever };
enum class ReadMode { kReadIndex, kLog, kLocal };
enum class StorageMode { kDisk, kMemory };
enum class Security { kNone, kCurve };

constexpr uint64_t kDefaultMaxMessageBytes = 8 << 20;  // > 1 MiB entry + 256 KiB batch + chunk

struct ClusterConfig {
  std::string path;  // where it was read from, for messages
  // Names the cluster in every member's data dir (storage identity): a data dir of another cluster
  // is refused. Default: derived from the member ids ("ids-1-2-3").
  std::string cluster_id;
  std::vector<NodeAddresses> nodes;
  int tick_ms = 10;
  int election_timeout_min_ms = 150;
  int election_timeout_max_ms = 300;
  int heartbeat_ms = 30;
  FsyncMode fsync = FsyncMode::kAlways;
  ReadMode read_mode = ReadMode::kReadIndex;
  StorageMode storage = StorageMode::kDisk;
  bool dedup = true;
  // Raft's election safeguards (both safe either way): PreVote (a candidate first asks whether it
  // could win, so a node rejoining after a partition does not depose a working leader) and
  // CheckQuorum (a leader that has not heard from a majority for an election timeout steps down;
  // followers then ignore candidates while they hear from a leader).
  bool pre_vote = true;
  bool check_quorum = true;
  uint64_t compaction_bytes = 0;  // 0: never compact (issue 6)
  // Every socket refuses a frame larger than this (ZMQ_MAXMSGSIZE, see wire::limit_message_size).
  uint64_t max_message_bytes = kDefaultMaxMessageBytes;
  // `security: curve`: every socket uses CURVE with the keys in curve_keys_dir (wire/curve.h).
  Security security = Security::kNone;
  std::string curve_keys_dir;  // `curve_keys:`, relative to the cluster file's directory

  const NodeAddresses* find(uint64_t id) const;
  // The address node `from` uses to send to node `to` (its per-peer override, else to's address).
  std::string peer_address(uint64_t from, uint64_t to) const;
  std::vector<std::string> client_addresses() const;  // in node order
  std::vector<uint64_t> ids() const;
  // Settings that break a guarantee ("read_mode: local", ...); empty when the config is safe.
  std::vector<std::string> unsafe_settings() const;
};

const char* read_mode_name(ReadMode m);

// Parses YAML text; `name` is used in error messages (a file path).
common::Result<ClusterConfig> parse_cluster_config(const std::string& text,
                                                   const std::string& name);
common::Result<ClusterConfig> load_cluster_config(const std::string& path);

}  // namespace wire
