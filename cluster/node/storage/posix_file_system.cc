#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "cluster/node/storage/file_system.h"

namespace storage {

namespace {

common::Status errno_error(const char* op, const std::string& path, int err) {
  return common::Status::io_error(std::string(op) + " " + path + ": " + std::strerror(err));
}

// A file descriptor opened for writing at the end. Closes on destruction.
class PosixWritableFile : public WritableFile {
 public:
  PosixWritableFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  common::Status append(std::string_view data) override {
    const char* p = data.data();
    size_t left = data.size();
    for (int attempts = 0; left > 0; ++attempts) {
      if (attempts > 1000) return common::Status::io_error("write " + path_ + ": no progress");
      ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno_error("write", path_, errno);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    return common::Status::ok();
  }

  common::Status sync() override {
    if (::fdatasync(fd_) != 0) return errno_error("fdatasync", path_, errno);
    return common::Status::ok();
  }

  common::Status close() override {
    if (fd_ < 0) return common::Status::ok();
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return errno_error("close", path_, errno);
    return common::Status::ok();
  }

 private:
  int fd_;
  std::string path_;
};

common::Result<std::unique_ptr<WritableFile>> open_with(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno_error("open", path, errno);
  return std::unique_ptr<WritableFile>(std::make_unique<PosixWritableFile>(fd, path));
}

class PosixFileLock : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override { ::close(fd_); }  // closing the descriptor releases the flock

 private:
  int fd_;
};

}  // namespace

common::Result<std::unique_ptr<FileLock>> PosixFileSystem::lock(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno_error("open", path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err != EWOULDBLOCK) return errno_error("flock", path, err);
    std::string holder;
    if (auto pid = read_file(path); pid && !pid.value().empty() && pid.value().size() < 32)
      holder = " (process " + pid.value() + ")";
    return common::Status::unavailable(path + " is locked by another process" + holder);
  }
  std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    int err = errno;
    ::close(fd);
    return errno_error("write", path, err);
  }
  return std::unique_ptr<FileLock>(std::make_unique<PosixFileLock>(fd));
}

common::Status PosixFileSystem::create_dirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return common::Status::io_error("create directory " + dir + ": " + ec.message());
  if (!std::filesystem::is_directory(dir, ec)) {
    return common::Status::io_error("create directory " + dir + ": not a directory");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return errno_error("write to directory", dir, errno);
  return common::Status::ok();
}

common::Result<std::unique_ptr<WritableFile>> PosixFileSystem::open_append(
    const std::string& path) {
  return open_with(path, O_APPEND);
}

common::Result<std::unique_ptr<WritableFile>> PosixFileSystem::create(const std::string& path) {
  return open_with(path, O_TRUNC);
}

common::Result<std::string> PosixFileSystem::read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error("open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return errno_error("stat", path, err);
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return errno_error("read", path, err);
    }
    if (n == 0) break;  // shrank under us: return what is there
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

common::Status PosixFileSystem::rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    return errno_error("rename", from + " -> " + to, errno);
  return common::Status::ok();
}

common::Status PosixFileSystem::sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_error("open directory", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return errno_error("fsync directory", dir, err);
  return common::Status::ok();
}

common::Result<std::vector<std::string>> PosixFileSystem::list(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return common::Status::io_error("list " + dir + ": " + ec.message());
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return common::Status::io_error("list " + dir + ": " + ec.message());
    if (it->is_regular_file(ec)) names.push_back(it->path().filename().string());
  }
  return names;
}

common::Status PosixFileSystem::remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return errno_error("remove", path, errno);
  return common::Status::ok();
}

common::Status PosixFileSystem::truncate(const std::string& path, uint64_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno_error("open", path, errno);
  common::Status s;
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    s = errno_error("truncate", path, errno);
  } else if (::fsync(fd) != 0) {
    s = errno_error("fsync", path, errno);
  }
  ::close(fd);
  return s;
}

bool PosixFileSystem::exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace storage
