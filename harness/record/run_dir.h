#pragma once
// Run directories: runs/<scenario>/<UTC time>/ with logs/ inside, and runs/latest pointing at the
// newest run. Plain functions; the caller serializes runs.
#include <string>

#include "common/status.h"

namespace harness {

// "2026-11-25T03:58:12Z" (now, UTC) and the directory-safe form "20261125T035812Z".
std::string utc_now_iso();
std::string utc_now_compact();

// Creates <runs_dir>/<scenario>/<stamp>[-k]/ and its logs/ (a suffix keeps two runs in one second
// apart). Returns the path.
common::Result<std::string> create_run_dir(const std::string& runs_dir, const std::string& scenario);

// Points <runs_dir>/latest at `run_dir` (relative link, replaced atomically).
common::Status update_latest_link(const std::string& runs_dir, const std::string& run_dir);

}  // namespace harness
