#pragma once
// PowerCutFileSystem: a FileSystem decorator that keeps every byte written to a file but not yet
// fsynced inside the process, and hands it to the inner file system only when the file is synced.
// Killing the process (SIGKILL) then loses exactly the file contents a power cut would lose —
// what `kill -9` alone cannot show, because the page cache survives it (issue 14, "power cuts";
// `kvnode --power-cut-storage`). The process itself sees its own writes (read_file returns the
// synced bytes plus the unsynced ones), as it would through the page cache.
//
// Directory operations (create, rename, remove, truncate) reach the inner file system at once:
// the model covers file contents, not directory entries the kernel has not synced yet. DiskStorage
// follows every rename with sync_dir() at once, so the difference is a window of one call.
//
// Thread-safe (one mutex): the snapshot worker writes the snapshot file on its own thread. `inner`
// must outlive it.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/node/storage/file_system.h"

namespace storage {

class PowerCutFileSystem : public FileSystem {
 public:
  explicit PowerCutFileSystem(FileSystem* inner) : inner_(inner) {}

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

  // Bytes written and not yet synced, over all files.
  uint64_t unsynced_bytes() const;
  // A torn write: hands the first `keep` unsynced bytes of `path` to the inner file system without
  // a sync, and forgets the rest (what a power cut in the middle of the kernel's write-back
  // leaves). For tests and for a driver that tears and then exits.
  common::Status tear(const std::string& path, size_t keep);
  // The power cut of `kvnode --power-cut-storage` when the harness asks for a torn write
  // (SIGUSR1): the file appended to last keeps the first `random % (pending + 1)` of its unsynced
  // bytes (tear()); every other unsynced byte is lost with the process. Returns what it did;
  // `path` is empty when nothing was pending.
  struct Torn {
    std::string path;
    size_t kept = 0;
    size_t pending = 0;
  };
  common::Result<Torn> tear_last(uint64_t random);
  // Paths with unsynced bytes, and how many.
  std::vector<std::pair<std::string, size_t>> unsynced() const;

 private:
  class File;
  friend class File;
  // Appends what `path` has pending to `file` and syncs it; the pending bytes are dropped only
  // once the inner sync succeeded.
  common::Status sync_path(const std::string& path, WritableFile& file);

  FileSystem* inner_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> pending_;  // path -> bytes written since its last sync
  std::string last_path_;                        // the file appended to last
};

}  // namespace storage
