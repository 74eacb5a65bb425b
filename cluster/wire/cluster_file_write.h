#pragma once
// Writing the cluster file (docs/protocol.md "Cluster file"): the other half of
// parse_cluster_config() in cluster_config.h, so the file's format has one home. Plain functions.
#include <string>

#include "cluster/wire/cluster_config.h"
#include "common/status.h"

namespace wire {

// The YAML text of `config`; parse_cluster_config() of it gives the same config back (but `path`;
// an empty cluster_id is left out, so the reader derives its default from the member ids).
std::string cluster_config_yaml(const ClusterConfig& config);

// Writes cluster_config_yaml(config) to `path` through a temporary file beside it and a rename, so
// a reader never sees half a file.
common::Status write_cluster_config(const ClusterConfig& config, const std::string& path);

}  // namespace wire
