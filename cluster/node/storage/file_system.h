#pragma once
// FileSystem: every byte the durable storage reads or writes goes through this small interface, so
// tests can swap in FaultyFileSystem (failed syncs, torn writes, power cuts) and need no root and
// no special file system. Paths are plain strings joined with '/'. Implementations document their
// own thread-safety; DiskStorage uses one from its owning (event-loop) thread only.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace storage {

// An open file that only grows at its end. Owned by whoever opened it; one thread at a time.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends `data` at the end of the file with one write() (looping only on short writes).
  virtual common::Status append(std::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual common::Status sync() = 0;
  virtual common::Status close() = 0;
};

// An exclusive advisory lock on a file, held until this object is destroyed or the process dies.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Takes an exclusive lock on `path` (created if missing) without waiting; `unavailable` naming
  // the holder when another process (or another open store) has it. The default takes none: a
  // file system that only one process can see needs no lock.
  virtual common::Result<std::unique_ptr<FileLock>> lock(const std::string& path) {
    (void)path;
    return std::make_unique<FileLock>();
  }
  // mkdir -p. Fails with a clear io_error when a component is not a directory or not writable.
  virtual common::Status create_dirs(const std::string& dir) = 0;
  // Opens for appending, creating the file if it is missing.
  virtual common::Result<std::unique_ptr<WritableFile>> open_append(const std::string& path) = 0;
  // Creates the file, or empties an existing one.
  virtual common::Result<std::unique_ptr<WritableFile>> create(const std::string& path) = 0;
  virtual common::Result<std::string> read_file(const std::string& path) = 0;
  // Atomically replaces `to`. Durable only after sync_dir() of the directory.
  virtual common::Status rename(const std::string& from, const std::string& to) = 0;
  // Makes creations, renames and removals in `dir` durable (fsync of the directory).
  virtual common::Status sync_dir(const std::string& dir) = 0;
  // Names (not paths) of the regular files directly in `dir`, in no particular order.
  virtual common::Result<std::vector<std::string>> list(const std::string& dir) = 0;
  virtual common::Status remove(const std::string& path) = 0;
  // Cuts the file to `size` bytes and makes the new size durable.
  virtual common::Status truncate(const std::string& path, uint64_t size) = 0;
  virtual bool exists(const std::string& path) = 0;
};

// Writes `bytes` to `path` (in `dir`) crash-safely: create `path`.tmp, write, fsync, close, rename
// over `path`, fsync `dir`. After a crash `path` holds either the old bytes or the new ones; a
// leftover .tmp is garbage.
common::Status write_file_atomically(FileSystem& fs, const std::string& dir,
                                     const std::string& path, std::string_view bytes);

// The real thing: POSIX calls on the local file system. Stateless; any thread.
class PosixFileSystem : public FileSystem {
 public:
  // flock(LOCK_EX | LOCK_NB); the holder writes its pid into the file, and a refused caller
  // reads it back for its message.
  common::Result<std::unique_ptr<FileLock>> lock(const std::string& path) override;
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
};

}  // namespace storage
