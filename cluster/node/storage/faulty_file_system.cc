#include "cluster/node/storage/faulty_file_system.h"

#include <filesystem>

namespace storage {

namespace {
std::string parent_of(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}
}  // namespace

// A handle on an inode; writes reach the inode even after a rename, like a real descriptor.
class FaultyFileSystem::File : public WritableFile {
 public:
  File(FaultyFileSystem* fs, std::shared_ptr<Inode> inode, std::string path)
      : fs_(fs), inode_(std::move(inode)), path_(std::move(path)) {}

  common::Status append(std::string_view data) override {
    if (!fs_->step()) return fs_->crashed_error("write " + path_);
    if (fs_->tear_keep_ >= 0) {
      size_t keep = std::min(data.size(), static_cast<size_t>(fs_->tear_keep_));
      inode_->data.append(data.substr(0, keep));
      fs_->tear_keep_ = -1;
      fs_->crashed_ = true;
      return fs_->crashed_error("write " + path_ + " (torn after " + std::to_string(keep) +
                                " bytes)");
    }
    inode_->data.append(data);
    return common::Status::ok();
  }

  common::Status sync() override {
    if (!fs_->step()) return fs_->crashed_error("fdatasync " + path_);
    if (fs_->fail_next_sync_) {
      fs_->fail_next_sync_ = false;
      return common::Status::io_error("fdatasync " + path_ + ": Input/output error (injected)");
    }
    inode_->synced = inode_->data;
    return common::Status::ok();
  }

  common::Status close() override { return common::Status::ok(); }

 private:
  FaultyFileSystem* fs_;
  std::shared_ptr<Inode> inode_;
  std::string path_;
};

FaultyFileSystem::FaultyFileSystem() = default;
FaultyFileSystem::~FaultyFileSystem() = default;

bool FaultyFileSystem::step() {
  if (crashed_) return false;
  if (ops_left_ == 0) {
    crashed_ = true;
    return false;
  }
  if (ops_left_ > 0) --ops_left_;
  ++mutating_ops_;
  return true;
}

common::Status FaultyFileSystem::crashed_error(const std::string& what) const {
  return common::Status::io_error(what + ": process crashed (injected)");
}

common::Status FaultyFileSystem::check_parent(const std::string& path) const {
  std::string dir = parent_of(path);
  if (!dirs_.count(dir))
    return common::Status::io_error("open " + path + ": No such file or directory");
  for (const std::string& ro : read_only_) {
    if (dir == ro || dir.rfind(ro + "/", 0) == 0) {
      return common::Status::io_error("open " + path + ": Permission denied");
    }
  }
  return common::Status::ok();
}

common::Status FaultyFileSystem::create_dirs(const std::string& dir) {
  if (crashed_) return crashed_error("mkdir " + dir);
  std::filesystem::path p(dir);
  std::string prefix;
  for (const auto& part : p) {
    prefix = prefix.empty() ? part.string() : (prefix == "/" ? "/" : prefix + "/") + part.string();
    if (files_.count(prefix)) {
      return common::Status::io_error("create directory " + dir + ": " + prefix +
                                      " is not a directory");
    }
    if (!dirs_.count(prefix)) {
      for (const std::string& ro : read_only_) {
        if (prefix.rfind(ro + "/", 0) == 0) {
          return common::Status::io_error("create directory " + dir + ": Permission denied");
        }
      }
      dirs_.insert(prefix);
    }
  }
  for (const std::string& ro : read_only_) {
    if (dir == ro)
      return common::Status::io_error("write to directory " + dir + ": Permission denied");
  }
  return common::Status::ok();
}

common::Result<std::unique_ptr<WritableFile>> FaultyFileSystem::open(const std::string& path,
                                                                     bool truncate) {
  if (!step()) return crashed_error("open " + path);
  auto it = files_.find(path);
  if (it == files_.end()) {
    common::Status s = check_parent(path);
    if (!s) return s;
    it = files_.emplace(path, std::make_shared<Inode>()).first;
  } else if (truncate) {
    it->second->data.clear();
  }
  return std::unique_ptr<WritableFile>(std::make_unique<File>(this, it->second, path));
}

common::Result<std::unique_ptr<WritableFile>> FaultyFileSystem::open_append(
    const std::string& path) {
  return open(path, false);
}

common::Result<std::unique_ptr<WritableFile>> FaultyFileSystem::create(const std::string& path) {
  return open(path, true);
}

common::Result<std::string> FaultyFileSystem::read_file(const std::string& path) {
  if (crashed_) return crashed_error("read " + path);
  auto it = files_.find(path);
  if (it == files_.end())
    return common::Status::io_error("open " + path + ": No such file or directory");
  return it->second->data;
}

common::Status FaultyFileSystem::rename(const std::string& from, const std::string& to) {
  if (!step()) return crashed_error("rename " + from);
  auto it = files_.find(from);
  if (it == files_.end())
    return common::Status::io_error("rename " + from + ": No such file or directory");
  std::shared_ptr<Inode> inode = it->second;
  files_.erase(it);
  files_[to] = std::move(inode);
  return common::Status::ok();
}

common::Status FaultyFileSystem::sync_dir(const std::string& dir) {
  if (!step()) return crashed_error("fsync directory " + dir);
  if (!dirs_.count(dir))
    return common::Status::io_error("open directory " + dir + ": No such file or directory");
  for (auto it = durable_files_.begin(); it != durable_files_.end();) {
    it = (parent_of(it->first) == dir && !files_.count(it->first)) ? durable_files_.erase(it)
                                                                   : std::next(it);
  }
  for (const auto& [path, inode] : files_) {
    if (parent_of(path) == dir) durable_files_[path] = inode;
  }
  return common::Status::ok();
}

common::Result<std::vector<std::string>> FaultyFileSystem::list(const std::string& dir) {
  if (crashed_) return crashed_error("list " + dir);
  if (!dirs_.count(dir))
    return common::Status::io_error("list " + dir + ": No such file or directory");
  std::vector<std::string> names;
  for (const auto& [path, inode] : files_) {
    if (parent_of(path) == dir) names.push_back(std::filesystem::path(path).filename().string());
  }
  return names;
}

common::Status FaultyFileSystem::remove(const std::string& path) {
  if (!step()) return crashed_error("remove " + path);
  if (!files_.erase(path))
    return common::Status::io_error("remove " + path + ": No such file or directory");
  return common::Status::ok();
}

common::Status FaultyFileSystem::truncate(const std::string& path, uint64_t size) {
  if (!step()) return crashed_error("truncate " + path);
  auto it = files_.find(path);
  if (it == files_.end())
    return common::Status::io_error("truncate " + path + ": No such file or directory");
  Inode& inode = *it->second;
  if (size < inode.data.size()) inode.data.resize(size);
  inode.synced = inode.data;  // truncate() is durable by contract (ftruncate + fsync)
  return common::Status::ok();
}

bool FaultyFileSystem::exists(const std::string& path) {
  return files_.count(path) > 0 || dirs_.count(path) > 0;
}

// Releases its path on destruction unless a restart() gave the path to a newer holder meanwhile.
class FaultyFileSystem::Lock : public FileLock {
 public:
  Lock(FaultyFileSystem* fs, std::string path, uint64_t token)
      : fs_(fs), path_(std::move(path)), token_(token) {}
  ~Lock() override {
    auto it = fs_->locks_.find(path_);
    if (it != fs_->locks_.end() && it->second == token_) fs_->locks_.erase(it);
  }

 private:
  FaultyFileSystem* fs_;
  std::string path_;
  uint64_t token_;
};

common::Result<std::unique_ptr<FileLock>> FaultyFileSystem::lock(const std::string& path) {
  if (crashed_) return crashed_error("lock " + path);
  if (locks_.count(path))
    return common::Status::unavailable(path + " is locked by another process");
  locks_[path] = ++next_lock_token_;
  return std::unique_ptr<FileLock>(std::make_unique<Lock>(this, path, next_lock_token_));
}

void FaultyFileSystem::restart() {
  locks_.clear();
  crashed_ = false;
  ops_left_ = -1;
  tear_keep_ = -1;
  fail_next_sync_ = false;
}

void FaultyFileSystem::power_cut() {
  files_ = durable_files_;
  for (auto& [path, inode] : files_) inode->data = inode->synced;
  restart();
}

std::string FaultyFileSystem::contents(const std::string& path) const {
  auto it = files_.find(path);
  return it == files_.end() ? std::string() : it->second->data;
}

void FaultyFileSystem::set_contents(const std::string& path, std::string data, bool synced) {
  std::shared_ptr<Inode>& inode = files_[path];
  if (!inode) inode = std::make_shared<Inode>();
  inode->data = std::move(data);
  if (synced) {
    inode->synced = inode->data;
    durable_files_[path] = inode;
  }
}

}  // namespace storage
