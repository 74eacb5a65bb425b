#include "harness/run/select.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <set>

namespace harness {

std::string Selection::describe() const {
  // Appends only: GCC 12 warns falsely on "literal" + std::string.
  std::string out;
  auto add = [&](const char* flag, const std::string& word) {
    if (!out.empty()) out += ' ';
    out += flag;
    out += word;
  };
  for (const auto& p : patterns) add("-k ", p);
  for (const auto& t : tags) add("--tag ", t);
  return out;
}

bool name_matches(const std::string& name, const std::string& pattern) {
  if (pattern.find_first_of("*?[") != std::string::npos) {
    return ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
  }
  return name.find(pattern) != std::string::npos;
}

bool selected(const Scenario& s, const Selection& sel) {
  const bool named = sel.patterns.empty() ||
                     std::any_of(sel.patterns.begin(), sel.patterns.end(),
                                 [&](const std::string& p) { return name_matches(s.name, p); });
  const bool tagged = std::all_of(sel.tags.begin(), sel.tags.end(),
                                  [&](const std::string& t) { return s.has_tag(t); });
  return named && tagged;
}

std::vector<Scenario> select_scenarios(const std::vector<Scenario>& all, const Selection& sel) {
  std::vector<Scenario> out;
  std::set<std::string> files;
  for (const Scenario& s : all) {
    std::error_code ec;
    const std::filesystem::path canonical = std::filesystem::weakly_canonical(s.file, ec);
    if (!files.insert(ec ? s.file : canonical.string()).second) continue;
    if (selected(s, sel)) out.push_back(s);
  }
  return out;
}

}  // namespace harness
