#pragma once
// Finding the programs faultline starts: kvnode (run, cluster up) and kvctl (named in what
// `cluster up` prints). Beside this executable (an installed faultline), else in the same build tree.
#include <string>

namespace app {

// `given` if not empty, else $`env` if set, else `name` beside this executable or in the build
// tree's `build_subdir` (e.g. "cluster/node"), else the bare name (found on PATH).
std::string find_program(const std::string& given, const char* env, const std::string& name,
                         const std::string& build_subdir);

inline std::string find_kvnode(const std::string& given) {
  return find_program(given, "FAULTLINE_KVNODE", "kvnode", "cluster/node");
}

}  // namespace app
