#include "app/programs.h"

#include <cstdlib>
#include <filesystem>

namespace app {

std::string find_program(const std::string& given, const char* env, const std::string& name,
                         const std::string& build_subdir) {
  namespace fs = std::filesystem;
  if (!given.empty()) return given;
  if (env != nullptr) {
    if (const char* value = std::getenv(env); value && *value) return value;
  }
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& candidate : {self.parent_path() / name, self.parent_path().parent_path() / build_subdir / name}) {
      if (fs::is_regular_file(candidate, ec)) return candidate.string();
    }
  }
  return name;
}

}  // namespace app
