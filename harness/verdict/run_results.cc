#include "harness/verdict/run_results.h"

#include <fstream>
#include <sstream>

#include "common/markup.h"

namespace harness {

bool RunResults::passed() const {
  if (!error.empty()) return false;
  for (const auto& c : checks) {
    if (!c.passed()) return false;
  }
  return true;
}

int RunResults::exit_code() const {
  if (!error.empty()) return 2;
  return passed() ? 0 : 1;
}

nlohmann::json to_json(const RunResults& r) {
  nlohmann::json j;
  j["schema_version"] = kResultsSchemaVersion;
  j["scenario"] = r.scenario;
  j["file"] = r.file;
  // A string: seeds use all 64 bits, and jq or JavaScript would round a number above 2^53.
  j["seed"] = std::to_string(r.seed);
  j["started_utc"] = r.started_utc;
  j["run_dir"] = r.run_dir;
  j["passed"] = r.passed();
  j["error"] = r.error.empty() ? nlohmann::json() : nlohmann::json(r.error);
  j["figures"] = {{"seconds", r.figures.seconds},
                  {"peers", r.figures.peers},
                  {"messages", r.figures.messages},
                  {"dropped_messages", r.figures.dropped},
                  {"completed_ops", r.figures.completed_ops},
                  {"unknown_ops", r.figures.unknown_ops},
                  {"checker_seconds", r.figures.checker_seconds}};
  j["checks"] = nlohmann::json::array();
  for (const auto& c : r.checks) j["checks"].push_back(to_json(c));
  j["phases"] = nlohmann::json::array();
  for (const auto& p : r.phases) {
    j["phases"].push_back({{"name", p.name}, {"iteration", p.iteration}, {"start_ns", p.start_ns},
                           {"end_ns", p.end_ns}});
  }
  j["origin_ns"] = r.origin_ns;
  return j;
}

common::Result<RunResults> results_from_json(const nlohmann::json& j) {
  try {
    RunResults r;
    if (const int version = j.value("schema_version", 0); version > kResultsSchemaVersion) {
      return common::Status::invalid_argument("results.json schema_version " + std::to_string(version) +
                                              " is newer than this faultline reads (" +
                                              std::to_string(kResultsSchemaVersion) + ")");
    }
    r.scenario = j.at("scenario").get<std::string>();
    r.file = j.value("file", "");
    const auto& seed = j.at("seed");
    r.seed = seed.is_string() ? std::stoull(seed.get<std::string>()) : seed.get<uint64_t>();
    r.started_utc = j.value("started_utc", "");
    r.run_dir = j.value("run_dir", "");
    if (j.contains("error") && j["error"].is_string()) r.error = j["error"].get<std::string>();
    const auto& f = j.at("figures");
    r.figures.seconds = f.at("seconds").get<double>();
    r.figures.peers = f.at("peers").get<int>();
    r.figures.messages = f.at("messages").get<uint64_t>();
    r.figures.dropped = f.value("dropped_messages", uint64_t{0});
    r.figures.completed_ops = f.at("completed_ops").get<int64_t>();
    r.figures.unknown_ops = f.value("unknown_ops", int64_t{0});
    r.figures.checker_seconds = f.value("checker_seconds", 0.0);
    for (const auto& c : j.at("checks")) {
      CheckOutcome o;
      o.name = c.at("name").get<std::string>();
      const std::string word = c.at("verdict").get<std::string>();
      const auto verdict = parse_check_verdict(word);
      if (!verdict) {
        return common::Status::corruption("results.json: check '" + o.name + "': unknown verdict '" +
                                          word + "'");
      }
      o.verdict = *verdict;
      o.summary = c.value("summary", "");
      if (c.contains("details")) o.details = c["details"];
      r.checks.push_back(std::move(o));
    }
    for (const auto& p : j.at("phases")) {
      r.phases.push_back(PhaseSpan{p.at("name").get<std::string>(), p.at("iteration").get<int>(),
                                   p.at("start_ns").get<int64_t>(), p.at("end_ns").get<int64_t>()});
    }
    r.origin_ns = j.value("origin_ns", int64_t{0});
    return r;
  } catch (const std::exception& e) {
    return common::Status::corruption(std::string("results.json: ") + e.what());
  }
}

common::Status write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::out | std::ios::trunc);
  if (!out) return common::Status::io_error(path + ": cannot create file");
  out << text;
  out.close();
  if (!out) return common::Status::io_error(path + ": write failed");
  return common::Status::ok();
}

common::Status write_results_json(const RunResults& r, const std::string& path) {
  return write_text_file(path, to_json(r).dump(2) + "\n");
}

common::Result<RunResults> read_results_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return common::Status::not_found(path + ": cannot open");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) return common::Status::corruption(path + ": not valid JSON");
  auto r = results_from_json(j);
  if (!r) return common::Status::corruption(path + ": " + r.status().message());
  return r;
}

std::string junit_xml(const RunResults& r) {
  int failures = 0;
  for (const auto& c : r.checks) failures += c.passed() ? 0 : 1;
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x << "<testsuites>\n<testsuite name=\"" << common::escape_markup(r.scenario) << "\" tests=\""
    << r.checks.size() + (r.error.empty() ? 0 : 1) << "\" failures=\"" << failures << "\" errors=\""
    << (r.error.empty() ? 0 : 1) << "\" time=\"" << r.figures.seconds << "\">\n";
  x << "  <properties><property name=\"seed\" value=\"" << r.seed << "\"/></properties>\n";
  if (!r.error.empty()) {
    x << "  <testcase classname=\"" << common::escape_markup(r.scenario) << "\" name=\"harness\">\n"
      << "    <error message=\"" << common::escape_markup(r.error) << "\"/>\n  </testcase>\n";
  }
  for (const auto& c : r.checks) {
    x << "  <testcase classname=\"" << common::escape_markup(r.scenario) << "\" name=\"" << common::escape_markup(c.name) << "\"";
    if (c.passed()) {
      x << "/>\n";
    } else {
      x << ">\n    <failure message=\"" << common::escape_markup(std::string(to_string(c.verdict)) + ": " + c.summary) << "\">"
        << common::escape_markup(c.details.dump(2)) << "</failure>\n  </testcase>\n";
    }
  }
  x << "</testsuite>\n</testsuites>\n";
  return x.str();
}

}  // namespace harness
