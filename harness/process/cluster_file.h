#pragma once
// Writes a wire::ClusterConfig as the YAML cluster file kvnode reads (docs/protocol.md "Cluster
// file"); parse_cluster_config() of the result gives the same config back. Plain functions.
#include <string>

#include "cluster/wire/cluster_config.h"
#include "common/status.h"

namespace harness {

std::string cluster_yaml(const wire::ClusterConfig& config);

// Writes cluster_yaml(config) to `path` (via a temporary file and rename).
common::Status write_cluster_file(const wire::ClusterConfig& config, const std::string& path);

}  // namespace harness
