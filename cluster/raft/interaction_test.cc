// Runs the interaction scripts in testdata/*.txt (etcd/raft datadriven style): each command is
// followed by "----" and its expected transcript, ended by a blank line. RAFT_REWRITE=1 rewrites
// the files with the actual transcripts (review the diff before committing it).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cluster/raft/testing/interaction.h"

namespace raft::testing {
namespace {

std::string trim_right(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Runs one script; returns the rewritten file and reports mismatches with file:line.
std::string run_script(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  Interaction env;
  std::ostringstream rewritten;
  size_t i = 0;
  while (i < lines.size()) {
    const std::string& line = lines[i];
    if (line.empty() || line[0] == '#') {
      rewritten << line << "\n";
      ++i;
      continue;
    }
    const size_t cmd_line = i + 1;
    ++i;
    if (i >= lines.size() || lines[i] != "----") {
      ADD_FAILURE() << path.string() << ":" << cmd_line << ": expected ---- after the command";
      return rewritten.str();
    }
    ++i;
    std::string expected;
    while (i < lines.size() && !lines[i].empty()) expected += lines[i++] + "\n";
    std::string actual = trim_right(env.run(line));
    if (actual.empty()) actual = "(no output)";
    EXPECT_EQ(trim_right(expected), actual) << path.string() << ":" << cmd_line << ": " << line;
    rewritten << line << "\n----\n" << actual << "\n\n";
    while (i < lines.size() && lines[i].empty()) ++i;
  }
  return rewritten.str();
}

TEST(Interaction, Scripts) {
  const std::filesystem::path dir = RAFT_TESTDATA_DIR;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".txt") continue;
    SCOPED_TRACE(entry.path().string());
    ++files;
    std::string out = run_script(entry.path());
    if (const char* rw = std::getenv("RAFT_REWRITE"); rw != nullptr && std::string(rw) == "1") {
      std::ofstream(entry.path()) << trim_right(out) << "\n";
    }
  }
  EXPECT_GT(files, 0) << "no scripts in " << dir;
}

}  // namespace
}  // namespace raft::testing
