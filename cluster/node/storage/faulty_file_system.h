#pragma once
// FaultyFileSystem: an in-memory FileSystem for crash tests. It models what the kernel keeps apart:
// the page cache (what the process wrote) and the disk (what was synced). Each file has its written
// bytes and its synced bytes; each directory has its current entries and the entries made durable
// by sync_dir(). Faults:
//  - fail_next_sync(): the next file sync fails (the data stays unsynced);
//  - tear_next_append(k): the next append writes only its first k bytes, then the "process dies";
//  - crash_after(n): after n more mutating operations every operation fails (the process was killed
//    at that point); restart() lets a new "process" use the file system again, page cache intact
//    (what SIGKILL does);
//  - power_cut(): every file reverts to its synced bytes and every directory to its synced entries.
// lock() is exclusive per path among live holders; restart() and power_cut() release every lock
// (the process that held them is gone).
// Directories themselves are durable as soon as they are created. Single-threaded (tests only).
#include <map>
#include <memory>
#include <set>
#include <string>

#include "cluster/node/storage/file_system.h"

namespace storage {

class FaultyFileSystem : public FileSystem {
 public:
  FaultyFileSystem();
  ~FaultyFileSystem() override;

  common::Status create_dirs(const std::string& dir) override;
  common::Result<std::unique_ptr<WritableFile>> open_append(const std::string& path) override;
  common::Result<std::unique_ptr<WritableFile>> create(const std::string& path) override;
  common::Result<std::string> read_file(const std::string& path) override;
  common::Status rename(const std::string& from, const std::string& to) override;
  common::Status sync_dir(const std::string& dir) override;
  common::Result<std::vector<std::string>> list(const std::string& dir) override;
  common::Status remove(const std::string& path) override;
  common::Status truncate(const std::string& path, uint64_t size) override;
  bool exists(const std::string& path) override;
  common::Result<std::unique_ptr<FileLock>> lock(const std::string& path) override;

  void fail_next_sync() { fail_next_sync_ = true; }
  void tear_next_append(size_t keep_bytes) { tear_keep_ = static_cast<int64_t>(keep_bytes); }
  void crash_after(int64_t mutating_ops) { ops_left_ = mutating_ops; }
  void restart();
  void power_cut();
  // Refuses creations in `dir` (and below) as a read-only directory would.
  void set_read_only(const std::string& dir) { read_only_.insert(dir); }

  bool crashed() const { return crashed_; }
  int64_t mutating_ops() const { return mutating_ops_; }
  // Test access to the written (page-cache) bytes, e.g. to flip a bit or cut a file.
  std::string contents(const std::string& path) const;
  void set_contents(const std::string& path, std::string data, bool synced);

 private:
  struct Inode {
    std::string data;    // what the process wrote (page cache)
    std::string synced;  // what is on the disk
  };
  class File;
  friend class File;
  class Lock;
  friend class Lock;

  // Counts a mutating operation; false (and crashed) once the crash point is reached.
  bool step();
  common::Status crashed_error(const std::string& what) const;
  common::Status check_parent(const std::string& path) const;
  common::Result<std::unique_ptr<WritableFile>> open(const std::string& path, bool truncate);

  std::map<std::string, std::shared_ptr<Inode>> files_;          // current names
  std::map<std::string, std::shared_ptr<Inode>> durable_files_;  // names as of the last sync_dir
  std::set<std::string> dirs_;
  std::set<std::string> read_only_;
  bool fail_next_sync_ = false;
  int64_t tear_keep_ = -1;
  int64_t ops_left_ = -1;  // -1: no crash scheduled
  bool crashed_ = false;
  int64_t mutating_ops_ = 0;
  std::map<std::string, uint64_t> locks_;  // path -> token of its live holder
  uint64_t next_lock_token_ = 0;
};

}  // namespace storage
