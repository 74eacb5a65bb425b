// `faultline list [PATH...]`: every scenario with its name, expected duration, tags and description.
// Only parses arguments and calls the harness's loader and selection.
#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "harness/nemesis/registry.h"
#include "harness/run/progress.h"
#include "harness/run/select.h"
#include "harness/run/suite.h"
#include "harness/scenario/scenario_loader.h"

namespace app {
namespace {

namespace fs = std::filesystem;

struct ListArgs {
  std::vector<std::string> paths;
  harness::Selection selection;
  bool json = false;
};

// Every *.yaml under `root`, recursively, sorted (what `list` shows without a PATH).
std::vector<std::string> yaml_files_below(const fs::path& root) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string ext = it->path().extension().string();
    if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml")) out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The description's first sentence, at most `max` characters.
std::string first_sentence(const std::string& text, size_t max) {
  std::string out = text.substr(0, text.find(". ") == std::string::npos ? text.size() : text.find(". ") + 1);
  if (out.size() > max) out = out.substr(0, max - 3) + "...";
  return out;
}

std::string joined(const std::vector<std::string>& words, const char* sep) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += sep;
    out += w;
  }
  return out;
}

int list(const ListArgs& a) {
  std::vector<std::string> files;
  if (a.paths.empty()) {
    // ./scenarios (a source tree), else the installed ones beside this executable.
    files = yaml_files_below("scenarios");
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (files.empty() && !ec) files = yaml_files_below(self.parent_path().parent_path() / "share/faultline/scenarios");
    if (files.empty()) {
      std::cerr << "faultline list: no ./scenarios directory with *.yaml files here (nor installed "
                   "ones); name files or directories\n";
      return 2;
    }
  } else {
    auto collected = harness::collect_scenario_files(a.paths);
    if (!collected) {
      std::cerr << "faultline list: " << collected.status().message() << "\n";
      return 2;
    }
    files = *collected;
  }
  auto loaded = harness::load_scenarios(files, std::cerr);
  if (!loaded) {
    std::cerr << "faultline list: invalid scenario(s), named above\n";
    return 2;
  }
  const std::vector<harness::Scenario> chosen = harness::select_scenarios(*loaded, a.selection);
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : chosen) {
      const auto d = s.expected_duration();
      out.push_back({{"name", s.name}, {"file", s.file}, {"tags", s.tags},
                     {"description", harness::scenario_description(s)},
                     {"phase_seconds", d.seconds}, {"open_ended", d.open_ended},
                     {"expect_fail", s.expect_fail}, {"has_reference", s.reference.has_value()}});
    }
    std::cout << out.dump(2) << "\n";
    return chosen.empty() && !a.selection.empty() ? 1 : 0;
  }
  size_t name_w = 4, tags_w = 4;
  for (const auto& s : chosen) {
    name_w = std::max(name_w, s.name.size());
    tags_w = std::max(tags_w, joined(s.tags, ",").size());
  }
  std::cout << std::left << std::setw(static_cast<int>(name_w)) << "name" << "  " << std::setw(7) << "phases"
            << "  " << std::setw(static_cast<int>(tags_w)) << "tags" << "  description\n";
  double total = 0;
  for (const auto& s : chosen) {
    const auto d = s.expected_duration();
    total += d.seconds;
    std::string extra;
    if (!s.expect_fail.empty()) extra = "[must fail: " + joined(s.expect_fail, ", ") + "] ";
    std::cout << std::left << std::setw(static_cast<int>(name_w)) << s.name << "  " << std::setw(7) << d.text()
              << "  " << std::setw(static_cast<int>(tags_w)) << joined(s.tags, ",") << "  " << extra
              << first_sentence(harness::scenario_description(s), 100) << "\n";
  }
  std::cout << chosen.size() << " scenario" << (chosen.size() == 1 ? "" : "s");
  if (!a.selection.empty()) std::cout << " of " << loaded->size() << " matching " << a.selection.describe();
  std::cout << "; their phases take " << harness::SuiteEta::text(total)
            << " in all (a run adds start-up and checks; >= marks phases of no fixed length)\n";
  return chosen.empty() && !a.selection.empty() ? 1 : 0;
}

}  // namespace

void add_list_command(CLI::App& cli, int& exit_code) {
  auto a = std::make_shared<ListArgs>();
  CLI::App* cmd = cli.add_subcommand(
      "list", "List scenarios (files or directories of *.yaml; default: every *.yaml below "
              "./scenarios, else the installed ones) with name, phase time, tags and "
              "description; exit 2 if one is invalid, 1 if -k/--tag match none");
  cmd->add_option("paths", a->paths, "scenario files or directories (not searched recursively, as for run)");
  cmd->add_option("-k", a->selection.patterns, "only names matching PATTERN (as in `run -k`)")->type_name("PATTERN")
      ->allow_extra_args(false);
  cmd->add_option("--tag", a->selection.tags, "only scenarios tagged TAG (as in `run --tag`)")->type_name("TAG")
      ->allow_extra_args(false);
  cmd->add_flag("--json", a->json, "one JSON array instead of the table");
  cmd->final_callback([a, &exit_code] { exit_code = list(*a); });
}

}  // namespace app
