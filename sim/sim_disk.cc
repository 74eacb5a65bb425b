#include "sim/sim_disk.h"

#include <filesystem>

namespace sim {

namespace {
std::string parent_of(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}
common::Status stale(const std::string& what) {
  return common::Status::io_error(what + ": Bad file descriptor (the process that opened it died)");
}
}  // namespace

// A descriptor on an inode: writes reach the inode even after a rename, like a real one. It
// belongs to one process incarnation; after a kill or power cut it fails every call.
class SimDisk::File : public storage::WritableFile {
 public:
  File(SimDisk* disk, std::shared_ptr<Inode> inode, std::string path)
      : disk_(disk), inode_(std::move(inode)), path_(std::move(path)),
        incarnation_(disk->incarnation_) {}

  common::Status append(std::string_view data) override {
    if (incarnation_ != disk_->incarnation_) return stale("write " + path_);
    inode_->data.append(data);
    ++disk_->counters_.writes;
    disk_->counters_.bytes_written += data.size();
    disk_->charge_bytes(data.size());
    return common::Status::ok();
  }

  common::Status sync() override {
    if (incarnation_ != disk_->incarnation_) return stale("fdatasync " + path_);
    disk_->charge(disk_->rng_.uniform(disk_->timing_.fsync_min,
                                      std::max(disk_->timing_.fsync_min, disk_->timing_.fsync_max)));
    if (disk_->fail_next_sync_) {
      disk_->fail_next_sync_ = false;
      return common::Status::io_error("fdatasync " + path_ + ": Input/output error (simulated)");
    }
    ++disk_->counters_.syncs;
    disk_->last_sync_ = SyncUndo{inode_, inode_->synced_len, inode_->promised_len, inode_->platter, {}};
    inode_->sync();
    return common::Status::ok();
  }

  common::Status close() override { return common::Status::ok(); }

 private:
  SimDisk* disk_;
  std::shared_ptr<Inode> inode_;
  std::string path_;
  uint64_t incarnation_;
};

SimDisk::SimDisk(common::Rng rng, DiskTiming timing) : rng_(rng), timing_(timing) {}
SimDisk::~SimDisk() = default;

common::Status SimDisk::check_parent(const std::string& path) const {
  if (!dirs_.count(parent_of(path)))
    return common::Status::io_error("open " + path + ": No such file or directory");
  return common::Status::ok();
}

common::Status SimDisk::create_dirs(const std::string& dir) {
  charge(timing_.op);
  std::string prefix;
  for (const auto& part : std::filesystem::path(dir)) {
    prefix = prefix.empty() ? part.string() : (prefix == "/" ? "/" : prefix + "/") + part.string();
    if (files_.count(prefix))
      return common::Status::io_error("create directory " + dir + ": " + prefix + " is not a directory");
    dirs_.insert(prefix);
  }
  return common::Status::ok();
}

common::Result<std::unique_ptr<storage::WritableFile>> SimDisk::open(const std::string& path,
                                                                     bool truncate) {
  charge(timing_.op);
  auto it = files_.find(path);
  if (it == files_.end()) {
    if (auto s = check_parent(path); !s) return s;
    it = files_.emplace(path, std::make_shared<Inode>()).first;
  } else if (truncate) {
    Inode& inode = *it->second;
    if (!inode.platter && inode.synced_len > 0) inode.platter = inode.data.substr(0, inode.synced_len);
    inode.data.clear();
  }
  return std::unique_ptr<storage::WritableFile>(std::make_unique<File>(this, it->second, path));
}

common::Result<std::unique_ptr<storage::WritableFile>> SimDisk::open_append(const std::string& path) {
  return open(path, false);
}

common::Result<std::unique_ptr<storage::WritableFile>> SimDisk::create(const std::string& path) {
  return open(path, true);
}

common::Result<std::string> SimDisk::read_file(const std::string& path) {
  auto it = files_.find(path);
  if (it == files_.end()) return common::Status::io_error("open " + path + ": No such file or directory");
  charge_bytes(it->second->data.size());
  reads_.insert(path);
  return it->second->data;
}

bool SimDisk::read_not_durable() const {
  for (const auto& path : reads_) {
    auto it = files_.find(path);
    if (it != files_.end() && (it->second->platter || it->second->synced_len < it->second->data.size())) return true;
  }
  return false;
}

common::Status SimDisk::rename(const std::string& from, const std::string& to) {
  charge(timing_.op);
  auto it = files_.find(from);
  if (it == files_.end())
    return common::Status::io_error("rename " + from + ": No such file or directory");
  if (auto s = check_parent(to); !s) return s;
  std::shared_ptr<Inode> inode = it->second;
  files_.erase(it);
  files_[to] = std::move(inode);
  return common::Status::ok();
}

common::Status SimDisk::sync_dir(const std::string& dir) {
  if (!dirs_.count(dir))
    return common::Status::io_error("open directory " + dir + ": No such file or directory");
  charge(rng_.uniform(timing_.fsync_min, std::max(timing_.fsync_min, timing_.fsync_max)));
  last_sync_ = SyncUndo{nullptr, 0, 0, std::nullopt, durable_files_};
  for (auto it = durable_files_.begin(); it != durable_files_.end();) {
    it = (parent_of(it->first) == dir && !files_.count(it->first)) ? durable_files_.erase(it)
                                                                   : std::next(it);
  }
  for (const auto& [path, inode] : files_) {
    if (parent_of(path) == dir) durable_files_[path] = inode;
  }
  return common::Status::ok();
}

common::Result<std::vector<std::string>> SimDisk::list(const std::string& dir) {
  if (!dirs_.count(dir)) return common::Status::io_error("list " + dir + ": No such file or directory");
  charge(timing_.op);
  std::vector<std::string> names;
  for (const auto& [path, inode] : files_) {
    if (parent_of(path) == dir) names.push_back(std::filesystem::path(path).filename().string());
  }
  return names;
}

common::Status SimDisk::remove(const std::string& path) {
  charge(timing_.op);
  if (!files_.erase(path)) return common::Status::io_error("remove " + path + ": No such file or directory");
  return common::Status::ok();
}

common::Status SimDisk::truncate(const std::string& path, uint64_t size) {
  auto it = files_.find(path);
  if (it == files_.end())
    return common::Status::io_error("truncate " + path + ": No such file or directory");
  charge(rng_.uniform(timing_.fsync_min, std::max(timing_.fsync_min, timing_.fsync_max)));
  Inode& inode = *it->second;
  if (size < inode.data.size()) inode.data.resize(size);
  inode.sync();  // durable by contract (ftruncate + fsync)
  return common::Status::ok();
}

bool SimDisk::exists(const std::string& path) { return files_.count(path) > 0 || dirs_.count(path) > 0; }

void SimDisk::undo_step_syncs() {
  if (!last_sync_) return;
  if (last_sync_->inode) {
    last_sync_->inode->synced_len = last_sync_->synced_len;
    last_sync_->inode->promised_len = last_sync_->promised_len;
    last_sync_->inode->platter = std::move(last_sync_->platter);
  } else {
    durable_files_ = std::move(last_sync_->durable_files);
  }
  begin_step();
}

void SimDisk::kill() {
  ++incarnation_;
  fail_next_sync_ = false;
}

void SimDisk::power_cut() {
  ++incarnation_;
  ++counters_.power_cuts;
  fail_next_sync_ = false;
  files_ = durable_files_;
  for (auto& [path, inode] : files_) {
    std::string& data = inode->data;
    // Bytes past the synced length that the disk may already have written, when the written
    // bytes still extend the synced ones (not after a create() emptied the file).
    if (inode->platter) {
      data = *inode->platter;
    } else if (data.size() > inode->synced_len) {
      size_t keep = 0;
      if (rng_.chance(0.5)) keep = static_cast<size_t>(rng_.uniform(0, static_cast<int64_t>(data.size() - inode->synced_len)));
      counters_.torn_bytes_kept += keep;
      data.resize(inode->synced_len + keep);
    }
    inode->sync(false);  // the kept torn bytes are on the platter, but no fsync returned for them
  }
}

std::optional<std::string> SimDisk::corrupt_at_rest(const std::string& dir) {
  auto flip = flip_at_rest(dir);
  if (!flip) return std::nullopt;
  return flip->path + "@" + std::to_string(flip->offset);
}

std::optional<SimDisk::Flip> SimDisk::flip_at_rest(const std::string& dir) {
  std::vector<std::pair<std::string, Inode*>> candidates;
  for (auto& [path, inode] : files_) {
    if (inode->synced_size() > 0 && (dir.empty() || path.rfind(dir, 0) == 0)) candidates.push_back({path, inode.get()});
  }
  if (candidates.empty()) return std::nullopt;
  auto& [path, inode] = candidates[static_cast<size_t>(rng_.uniform(0, static_cast<int64_t>(candidates.size()) - 1))];
  const size_t offset = static_cast<size_t>(rng_.uniform(0, static_cast<int64_t>(inode->synced_size()) - 1));
  const char mask = static_cast<char>(1 << rng_.uniform(0, 7));
  if (inode->platter) {
    (*inode->platter)[offset] ^= mask;
  } else {
    inode->data[offset] ^= mask;  // the page cache holds the same bytes
  }
  ++counters_.bits_flipped;
  return Flip{path, offset, offset < inode->promised_len};
}

Nanos SimDisk::take_busy() {
  Nanos b = busy_;
  busy_ = 0;
  return b;
}

uint64_t SimDisk::bytes_under(const std::string& prefix) const {
  uint64_t n = 0;
  for (const auto& [path, inode] : files_) {
    if (path.rfind(prefix, 0) == 0) n += inode->data.size();
  }
  return n;
}

std::string SimDisk::contents(const std::string& path) const {
  auto it = files_.find(path);
  return it == files_.end() ? std::string() : it->second->data;
}

std::string SimDisk::synced_contents(const std::string& path) const {
  auto it = files_.find(path);
  return it == files_.end() ? std::string() : it->second->synced();
}

}  // namespace sim
