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
  uint64_t compaction_bytes = 0;  // 0: never compact (issue 6)
  // Every socket refuses a frame larger than this (ZMQ_MAXMSGSIZE, see wire::limit_message_size).
  uint64_t max_message_bytes = kDefaultMaxMessageBytes;

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
