#include "harness/record/run_dir.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <system_error>

namespace harness {
namespace fs = std::filesystem;
namespace {
std::string format_utc(const char* fmt) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}
}  // namespace

std::string utc_now_iso() { return format_utc("%Y-%m-%dT%H:%M:%SZ"); }
std::string utc_now_compact() { return format_utc("%Y%m%dT%H%M%SZ"); }

common::Result<std::string> create_run_dir(const std::string& runs_dir, const std::string& scenario) {
  const fs::path base = fs::path(runs_dir) / scenario;
  std::error_code ec;
  fs::create_directories(base, ec);
  if (ec) return common::Status::io_error(base.string() + ": cannot create: " + ec.message());
  const std::string stamp = utc_now_compact();
  for (int k = 0; k < 1000; ++k) {
    const fs::path dir = base / (k == 0 ? stamp : stamp + "-" + std::to_string(k));
    if (fs::create_directory(dir, ec)) {
      fs::create_directories(dir / "logs", ec);
      if (ec) return common::Status::io_error((dir / "logs").string() + ": " + ec.message());
      return dir.string();
    }
    if (ec) return common::Status::io_error(dir.string() + ": cannot create: " + ec.message());
  }
  return common::Status::io_error(base.string() + ": too many runs in one second");
}

common::Status update_latest_link(const std::string& runs_dir, const std::string& run_dir) {
  std::error_code ec;
  const fs::path link = fs::path(runs_dir) / "latest";
  const fs::path tmp = fs::path(runs_dir) / ".latest.tmp";
  const fs::path target = fs::relative(fs::absolute(run_dir), fs::absolute(runs_dir), ec);
  if (ec) return common::Status::io_error(run_dir + ": " + ec.message());
  fs::remove(tmp, ec);
  fs::create_directory_symlink(target, tmp, ec);
  if (ec) return common::Status::io_error(tmp.string() + ": " + ec.message());
  fs::rename(tmp, link, ec);
  if (ec) return common::Status::io_error(link.string() + ": " + ec.message());
  return common::Status::ok();
}

}  // namespace harness
