#pragma once
// Choosing scenarios to run: `faultline run|sim|list -k PATTERN --tag TAG`. Pure functions.
#include <string>
#include <vector>

#include "harness/scenario/scenario.h"

namespace harness {

struct Selection {
  // -k: a scenario is chosen when its name matches one of these (none given: every name). A
  // pattern with a glob character (* ? [) matches the whole name as a glob, as `go test -run`'s
  // anchoring would; otherwise it matches any part of the name (pytest -k).
  std::vector<std::string> patterns;
  std::vector<std::string> tags;  // --tag: the scenario must carry every one of these
  bool empty() const { return patterns.empty() && tags.empty(); }
  std::string describe() const;   // "-k leader --tag partition"
};

bool name_matches(const std::string& name, const std::string& pattern);
bool selected(const Scenario& s, const Selection& sel);

// The scenarios of `all` that `sel` chooses, in their order, each file once (a file named twice,
// or by a directory and by itself, runs once).
std::vector<Scenario> select_scenarios(const std::vector<Scenario>& all, const Selection& sel);

}  // namespace harness
