#include "cluster/node/log_store.h"

namespace node {

// Adapter over cluster/node/storage; until that library lands, a disk-backed node cannot start.
common::Result<std::unique_ptr<LogStore>> open_disk_log_store(const std::string& data_dir, bool) {
  return common::Status::unavailable("data dir " + data_dir +
                                     ": durable storage is not available in this build");
}

}  // namespace node
