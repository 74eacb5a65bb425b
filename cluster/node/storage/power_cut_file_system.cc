#include "cluster/node/storage/power_cut_file_system.h"

#include <algorithm>

namespace storage {

// A handle whose appends stay in the file system's pending bytes of its path until sync().
class PowerCutFileSystem::File : public WritableFile {
 public:
  File(PowerCutFileSystem* fs, std::unique_ptr<WritableFile> inner, std::string path)
      : fs_(fs), inner_(std::move(inner)), path_(std::move(path)) {}

  common::Status append(std::string_view data) override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    fs_->pending_[path_].append(data);
    fs_->last_path_ = path_;
    return common::Status::ok();
  }
  common::Status sync() override { return fs_->sync_path(path_, *inner_); }
  // Closing does not write: what was not synced stays pending (and is lost with the process).
  common::Status close() override { return inner_->close(); }

 private:
  PowerCutFileSystem* fs_;
  std::unique_ptr<WritableFile> inner_;
  std::string path_;
};

common::Status PowerCutFileSystem::sync_path(const std::string& path, WritableFile& file) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pending_.find(path);
  if (it != pending_.end() && !it->second.empty()) {
    if (common::Status s = file.append(it->second); !s) return s;
    pending_.erase(it);
  }
  return file.sync();
}

common::Status PowerCutFileSystem::create_dirs(const std::string& dir) {
  return inner_->create_dirs(dir);
}

common::Result<std::unique_ptr<WritableFile>> PowerCutFileSystem::open_append(
    const std::string& path) {
  common::Result<std::unique_ptr<WritableFile>> f = inner_->open_append(path);
  if (!f) return f.status();
  return std::unique_ptr<WritableFile>(std::make_unique<File>(this, std::move(f.value()), path));
}

common::Result<std::unique_ptr<WritableFile>> PowerCutFileSystem::create(const std::string& path) {
  common::Result<std::unique_ptr<WritableFile>> f = inner_->create(path);
  if (!f) return f.status();
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.erase(path);
  }
  return std::unique_ptr<WritableFile>(std::make_unique<File>(this, std::move(f.value()), path));
}

common::Result<std::string> PowerCutFileSystem::read_file(const std::string& path) {
  common::Result<std::string> bytes = inner_->read_file(path);
  if (!bytes) return bytes;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = pending_.find(path); it != pending_.end()) bytes.value().append(it->second);
  return bytes;
}

common::Status PowerCutFileSystem::rename(const std::string& from, const std::string& to) {
  common::Status s = inner_->rename(from, to);
  if (!s) return s;
  std::lock_guard<std::mutex> lock(mu_);
  pending_.erase(to);
  if (auto it = pending_.find(from); it != pending_.end()) {
    pending_[to] = std::move(it->second);
    pending_.erase(from);
  }
  return s;
}

common::Status PowerCutFileSystem::sync_dir(const std::string& dir) {
  return inner_->sync_dir(dir);
}

common::Result<std::vector<std::string>> PowerCutFileSystem::list(const std::string& dir) {
  return inner_->list(dir);
}

common::Status PowerCutFileSystem::remove(const std::string& path) {
  common::Status s = inner_->remove(path);
  if (!s) return s;
  std::lock_guard<std::mutex> lock(mu_);
  pending_.erase(path);
  return s;
}

common::Status PowerCutFileSystem::truncate(const std::string& path, uint64_t size) {
  // Recovery cuts torn tails of synced files; pending bytes past `size` go, earlier ones are made
  // part of the file (truncate is durable by contract).
  std::string keep;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = pending_.find(path); it != pending_.end()) {
      keep = std::move(it->second);
      pending_.erase(it);
    }
  }
  common::Result<std::string> synced = inner_->read_file(path);
  if (!synced) return synced.status();
  const uint64_t have = synced.value().size();
  if (size <= have || keep.empty()) return inner_->truncate(path, std::min(size, have));
  common::Result<std::unique_ptr<WritableFile>> f = inner_->open_append(path);
  if (!f) return f.status();
  common::Status s = f.value()->append(std::string_view(keep).substr(0, size - have));
  if (s) s = f.value()->sync();
  if (s) s = f.value()->close();
  return s;
}

bool PowerCutFileSystem::exists(const std::string& path) { return inner_->exists(path); }

common::Result<std::unique_ptr<FileLock>> PowerCutFileSystem::lock(const std::string& path) {
  return inner_->lock(path);
}

uint64_t PowerCutFileSystem::unsynced_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t n = 0;
  for (const auto& [path, bytes] : pending_) n += bytes.size();
  return n;
}

std::vector<std::pair<std::string, size_t>> PowerCutFileSystem::unsynced() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, size_t>> out;
  for (const auto& [path, bytes] : pending_)
    if (!bytes.empty()) out.emplace_back(path, bytes.size());
  return out;
}

common::Result<PowerCutFileSystem::Torn> PowerCutFileSystem::tear_last(uint64_t random) {
  Torn t;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(last_path_);
    if (it == pending_.end() || it->second.empty()) return t;
    t.path = last_path_;
    t.pending = it->second.size();
  }
  t.kept = static_cast<size_t>(random % (t.pending + 1));
  if (common::Status s = tear(t.path, t.kept); !s) return s;
  return t;
}

common::Status PowerCutFileSystem::tear(const std::string& path, size_t keep) {
  std::string bytes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(path);
    if (it == pending_.end()) return common::Status::ok();
    bytes = std::move(it->second);
    pending_.erase(it);
  }
  bytes.resize(std::min(keep, bytes.size()));
  if (bytes.empty()) return common::Status::ok();
  common::Result<std::unique_ptr<WritableFile>> f = inner_->open_append(path);
  if (!f) return f.status();
  common::Status s = f.value()->append(bytes);  // no sync: the torn bytes are in the page cache
  if (s) s = f.value()->close();
  return s;
}

}  // namespace storage
