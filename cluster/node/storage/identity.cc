#include "cluster/node/storage/identity.h"

#include "cluster/node/storage/log_format.h"
#include "cluster/node/storage/record.h"
#include "common/binary.h"

namespace storage {

namespace {
constexpr uint64_t kMaxClusterIdBytes = 256;
constexpr const char* kRecovery = " (see 'Recovery' in docs/storage-format.md)";
}  // namespace

std::string encode_identity(const Identity& id) {
  std::string out;
  common::BinaryWriter w(&out);
  w.u8(kFormatVersion);
  w.bytes(id.cluster_id);
  w.varint(id.node_id);
  w.varint(id.term);
  w.varint(id.last_index);
  w.varint(id.newest_segment);
  return out;
}

bool decode_identity(std::string_view payload, Identity* id, std::string* problem) {
  common::BinaryReader r(payload);
  uint8_t version = 0;
  if (!r.u8(&version)) return *problem = "truncated version", false;
  if (version != kFormatVersion) {
    *problem = "unsupported version " + std::to_string(version);
    return false;
  }
  if (!r.bytes(&id->cluster_id) || id->cluster_id.size() > kMaxClusterIdBytes)
    return *problem = "bad cluster id", false;
  if (!r.varint(&id->node_id) || !r.varint(&id->term) || !r.varint(&id->last_index) ||
      !r.varint(&id->newest_segment))
    return *problem = "truncated position", false;
  if (!r.at_end()) return *problem = "trailing bytes", false;
  return true;
}

common::Result<std::optional<Identity>> read_identity(FileSystem& fs, const std::string& dir) {
  const std::string path = dir + "/" + kIdentityName;
  if (!fs.exists(path)) return std::optional<Identity>();
  common::Result<std::string> bytes = fs.read_file(path);
  if (!bytes) return bytes.status();
  RecordRead rec = read_record(bytes.value(), 0);
  std::string problem = rec.problem;
  if (rec.outcome == ReadOutcome::kEnd) problem = "empty file";
  if (rec.outcome == ReadOutcome::kOk && rec.type != RecordType::kIdentity)
    problem = "not an identity record";
  if (rec.outcome == ReadOutcome::kOk && problem.empty() && rec.next != bytes.value().size())
    problem = "trailing bytes after the identity record";
  Identity id;
  if (problem.empty() && !decode_identity(rec.payload, &id, &problem))
    problem = "bad identity payload: " + problem;
  if (!problem.empty())
    return common::Status::corruption(path + " at byte offset 0: " + problem + kRecovery);
  return std::optional<Identity>(std::move(id));
}

common::Status write_identity(FileSystem& fs, const std::string& dir, const Identity& id) {
  std::string bytes;
  append_record(&bytes, RecordType::kIdentity, encode_identity(id));
  return write_file_atomically(fs, dir, dir + "/" + kIdentityName, bytes);
}

common::Status check_identity(const std::string& dir, const Identity& found,
                              const std::string& cluster_id, uint64_t node_id,
                              const LogPosition& log) {
  const std::string path = dir + "/" + kIdentityName;
  if (found.cluster_id != cluster_id) {
    return common::Status::invalid_argument("data dir " + dir + " belongs to cluster '" +
                                            found.cluster_id + "', not '" + cluster_id + "' (" +
                                            path + "); refusing to touch it");
  }
  if (found.node_id != node_id) {
    return common::Status::invalid_argument(
        "data dir " + dir + " belongs to node " + std::to_string(found.node_id) + ", not node " +
        std::to_string(node_id) + " (" + path + "); refusing to touch it");
  }
  std::string missing;
  auto add = [&](const std::string& what) { missing += (missing.empty() ? "" : "; ") + what; };
  if (log.newest_segment < found.newest_segment) {
    add(log.newest_segment == 0
            ? "every log segment (" + dir + "/log/ is empty or gone)"
            : "log segment " + dir + "/log/" + segment_name(found.newest_segment) +
                  " (newest found: " + segment_name(log.newest_segment) + ")");
  }
  if (log.term < found.term) {
    add("the hard state of term " + std::to_string(found.term) + " (the log's is term " +
        std::to_string(log.term) + ": the node would forget its vote)");
  }
  if (log.last_index < found.last_index) {
    add("entries " + std::to_string(log.last_index + 1) + ".." + std::to_string(found.last_index) +
        " (the node synced them, and may have acknowledged them)");
  }
  if (missing.empty()) return common::Status::ok();
  return common::Status::corruption("data dir " + dir + ": the log is behind what this node " +
                                    "durably promised (" + path + "): missing " + missing +
                                    "; refusing to start" + kRecovery);
}

}  // namespace storage
