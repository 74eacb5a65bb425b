#include "harness/verdict/report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "checker/history.h"
#include "common/markup.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/scenario_loader.h"
#include "harness/nemesis/registry.h"
#include "harness/record/run_files.h"
#include "harness/verdict/report_chart.h"
#include "harness/verdict/report_series.h"
#include "harness/verdict/run_results.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

std::string esc(const std::string& s) { return common::escape_markup(s); }

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<ChartSpan> fault_intervals(const std::string& nemesis_path, int64_t origin, double end) {
  std::vector<ChartSpan> out;
  std::ifstream in(nemesis_path);
  std::string line;
  double open_at = -1;
  std::string open_label;
  // Bounded by the file's lines.
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("time") || !j["time"].is_number_integer()) continue;
    const double t = static_cast<double>(j["time"].get<int64_t>() - origin) / 1e9;
    const std::string active = j.value("active", "none");
    if (open_at >= 0) out.push_back(ChartSpan{open_at, t, open_label});
    open_at = active == "none" ? -1 : t;
    open_label = active;
  }
  if (open_at >= 0) out.push_back(ChartSpan{open_at, end, open_label});
  return out;
}

// One colour per operation type, the same in every chart.
std::string op_color(const std::string& f, size_t index) {
  if (f == "get" || f == "read") return "#2b6cb0";
  if (f == "append" || f == "cas") return "#c05621";
  if (f == "put" || f == "write") return "#2f855a";
  static const char* const kOthers[] = {"#6b46c1", "#b7791f", "#319795", "#97266d"};
  return kOthers[index % 4];
}

// The first operation (by call time) that cannot be linearized, from the checker's
// linearizability.json (partitions[].stuck_ops: the operations that cannot follow the longest
// linearizable prefix). Nothing when the file is absent or says nothing of the kind.
std::optional<ChartSpan> first_violation(const std::string& path, int64_t origin) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("partitions") || !j["partitions"].is_array()) {
    return std::nullopt;
  }
  std::optional<nlohmann::json> first;
  std::string first_key;
  for (const auto& p : j["partitions"]) {
    if (!p.is_object() || p.value("verdict", "") != "violation") continue;
    const nlohmann::json stuck = p.value("stuck_ops", nlohmann::json::array());
    if (!stuck.is_array()) continue;
    for (const auto& op : stuck) {
      if (!op.is_object() || !op.contains("call") || !op["call"].is_number_integer()) continue;
      if (!first || op["call"].get<int64_t>() < (*first)["call"].get<int64_t>()) {
        first = op;
        first_key = p.value("key", "");
      }
    }
  }
  if (!first) return std::nullopt;
  const int64_t call = (*first)["call"].get<int64_t>();
  const nlohmann::json ret = first->value("return", nlohmann::json());
  const int64_t returned = ret.is_number_integer() ? ret.get<int64_t>() : call;
  ChartSpan span;
  span.from = static_cast<double>(call - origin) / 1e9;
  span.to = static_cast<double>(std::max(call, returned) - origin) / 1e9;
  std::ostringstream label;
  label.precision(4);
  label << "first operation that cannot be linearized: p" << first->value("process", int64_t{-1})
        << " " << first->value("f", std::string("?")) << " key " << first_key;
  if (first->contains("output") && !(*first)["output"].is_null()) {
    std::string out = (*first)["output"].is_string() ? (*first)["output"].get<std::string>()
                                                     : (*first)["output"].dump();
    if (out.size() > 60) out = out.substr(0, 57) + "...";
    label << " -> \"" << out << "\"";
  }
  label << ", " << span.from << " s to " << span.to << " s";
  if (first->contains("line")) label << " (history line " << first->value("line", 0) << ")";
  span.label = label.str();
  return span;
}

// The unsafe modes a scenario turns on, each with what it may break.
std::vector<std::string> unsafe_settings(const ClusterSpec& c) {
  std::vector<std::string> out;
  if (c.fsync == sut::Fsync::kNever) out.push_back("fsync: never (acknowledged writes may be lost in a crash)");
  if (c.read_mode == sut::ReadMode::kLocal) out.push_back("read_mode: local (any node answers gets: reads may be stale)");
  if (c.storage == sut::Storage::kMemory) out.push_back("storage: memory (a restarted node forgets everything)");
  if (!c.dedup) out.push_back("dedup: off (a retried put or append may be applied twice)");
  return out;
}

// The table of settings at the top of the page: description, cluster, network, clients.
std::string settings_table(const Scenario& s) {
  std::ostringstream o;
  const std::string description = scenario_description(s);
  if (!description.empty()) o << "<p class=description>" << esc(description) << "</p>";
  const auto unsafe = unsafe_settings(s.cluster);
  if (!unsafe.empty()) {
    o << "<div class='banner unsafe'>Unsafe settings:<ul>";
    for (const auto& u : unsafe) o << "<li>" << esc(u) << "</li>";
    o << "</ul></div>";
  }
  const ClusterSpec& c = s.cluster;
  o << "<table class=settings><tr><th>cluster</th><td>" << c.nodes << " nodes; fsync " << to_string(c.fsync)
    << ", read_mode " << to_string(c.read_mode) << ", storage " << to_string(c.storage) << ", dedup "
    << (c.dedup ? "on" : "off") << (c.pre_vote ? "" : ", pre_vote off")
    << (c.check_quorum ? "" : ", check_quorum off") << ", compaction "
    << (c.compaction_bytes ? "at " + std::to_string(c.compaction_bytes) + " bytes" : std::string("off"))
    << "</td></tr><tr><th>network</th><td"
    << (s.network.is_reliable() ? ">reliable" : " class=unreliable>unreliable for the whole run: " + esc(describe(s.network)))
    << "</td></tr><tr><th>clients</th><td>" << s.clients.count << ", keys "
    << (s.clients.keys == ClientsSpec::Keys::kOwn ? "own"
        : s.clients.keys == ClientsSpec::Keys::kShared ? "shared (" + std::to_string(s.clients.key_count) + ")"
                                                       : "hot (" + esc(s.clients.hot_key) + ")")
    << ", mix get " << s.clients.get_weight << " / put " << s.clients.put_weight << " / append "
    << s.clients.append_weight;
  if (s.clients.rate > 0) o << ", " << s.clients.rate << " ops/s each";
  o << "</td></tr></table>";
  return o.str();
}

// The nodes a nemesis.jsonl line acted on, each with its log file: "  nodes: n0 (logs/n1.log)"
// (scenario indexes count from 0, Raft ids and so log files from 1). Empty for the faults whose
// shape the active-fault text already shows (the registry says which), and for lines without nodes.
std::string touched_nodes(const nlohmann::json& event) {
  const nlohmann::json nodes = event.value("nodes", nlohmann::json::array());
  const nlohmann::json logs = event.value("node_logs", nlohmann::json::array());
  const Fault* fault = fault_registry().find(event.value("action", ""));
  if ((fault && !fault->lists_nodes()) || !nodes.is_array()) return "";
  std::string out;
  for (size_t k = 0; k < nodes.size(); ++k) {
    if (!nodes[k].is_number_integer()) continue;
    out += (out.empty() ? "  nodes: n" : ", n") + std::to_string(nodes[k].get<int>());
    if (logs.is_array() && k < logs.size() && logs[k].is_string()) {
      out += " (" + logs[k].get<std::string>() + ")";
    }
  }
  return out;
}

}  // namespace

common::Status write_report(const std::string& run_dir, const checker::History* in_memory) {
  auto results = read_results_json(RunFiles(run_dir).results());
  if (!results) return results.status();
  const RunResults& r = *results;
  const RunFiles files(run_dir);
  const std::string history_path = files.history_to_read();
  common::Result<checker::History> read = common::Status::not_found("");
  if (in_memory == nullptr) read = checker::parse_history_file(history_path);
  const checker::History empty;
  const checker::History& history = in_memory ? *in_memory : read ? *read : empty;
  auto scenario = load_scenario_file(RunFiles(run_dir).scenario(), fault_registry());
  const int64_t origin = r.origin_ns;
  RunSeries ops = bucket_operations(history, origin, r.figures.seconds, 120);
  RunSeries lat = bucket_operations(history, origin, r.figures.seconds, 60);
  const double end = ops.end;

  ChartInput base;
  base.end = end;
  base.faults = fault_intervals(RunFiles(run_dir).nemesis(), origin, end);
  for (const auto& p : r.phases) base.phase_marks.push_back(static_cast<double>(p.start_ns - origin) / 1e9);
  if (scenario && !scenario->network.is_reliable()) {
    base.baseline = ChartSpan{0, end, "unreliable network for the whole run: " + describe(scenario->network)};
  }
  base.violation = first_violation(RunFiles(run_dir).violation_json(), origin);

  ChartInput throughput = base;
  throughput.title = "completed operations per second, by operation";
  throughput.unit = "ops/s";
  throughput.series.push_back({"all", "#444444", ops.ops_per_s, false});
  for (size_t i = 0; i < ops.by_type.size(); ++i) {
    throughput.series.push_back({ops.by_type[i].f, op_color(ops.by_type[i].f, i), ops.by_type[i].ops_per_s, false});
  }
  ChartInput latency = base;
  latency.title = "latency of completed operations: p50 (solid) and p99 (dashed), by operation";
  latency.unit = "ms";
  for (size_t i = 0; i < lat.by_type.size(); ++i) {
    const std::string color = op_color(lat.by_type[i].f, i);
    latency.series.push_back({lat.by_type[i].f + " p50", color, lat.by_type[i].p50_ms, false});
    latency.series.push_back({lat.by_type[i].f + " p99", color, lat.by_type[i].p99_ms, true});
  }
  ChartInput unknown = base;
  unknown.title = "operations with unknown outcome, by call time";
  unknown.unit = "ops";
  unknown.series.push_back({"unknown", "#8a1616", ops.unknown, false});

  const bool violation = fs::exists(RunFiles(run_dir).violation_text());
  const bool timeline = fs::exists(RunFiles(run_dir).violation_html());
  std::ostringstream o;
  o << "<!doctype html><html><head><meta charset=utf-8><title>faultline: " << esc(r.scenario) << "</title><style>"
    << "body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}"
    << "h1{font-size:20px}h2{font-size:16px;margin-top:28px}"
    << ".banner{padding:10px 14px;border-radius:6px;font-weight:600;margin:12px 0}"
    << ".pass{background:#e3f6e5;color:#17612a}.fail{background:#fde4e4;color:#8a1616}"
    << ".unsafe{background:#fff4e0;color:#7b341e;font-weight:normal}.unsafe ul{margin:4px 0 0}"
    << "td.unreliable{color:#7b341e}.description{max-width:900px}"
    << "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}"
    << "td.v-pass,td.v-skipped{color:#17612a;font-weight:600}td.v-fail,td.v-violation,td.v-unknown{color:#8a1616;font-weight:600}"
    << ".chart .frame{fill:none;stroke:#999}.chart .grid{stroke:#eee}.chart .fault{fill:#f4a3a3;opacity:.35}"
    << ".chart .baseline{fill:#ecc94b;opacity:.16}.chart .phase{stroke:#6a6;stroke-dasharray:3 3}"
    << ".chart .violation rect{fill:#c53030;opacity:.5}.chart .violation path{fill:#c53030}"
    << ".chart .ax{font-size:10px;fill:#555}.chart .ct{font-size:13px;font-weight:600}"
    << ".chart .legend{font-size:11px;font-weight:600}.chart .swatch{stroke-width:2}"
    << ".key span{display:inline-block;width:14px;height:10px;margin:0 4px 0 12px;vertical-align:middle}"
    << "pre{background:#f6f6f6;padding:8px;overflow:auto;font-size:12px}iframe{width:100%;height:900px;border:1px solid #ccc}"
    << "</style></head><body>";
  o << "<h1>faultline run: " << esc(r.scenario) << "</h1>";
  o << "<div class='banner " << (r.passed() ? "pass'>PASSED" : "fail'>FAILED") << "</div>";
  if (violation) o << "<p><a href='#violation'>&#9888; Linearizability violation: see the checker's explanation below</a></p>";
  if (!r.error.empty()) o << "<p><b>Harness error:</b> " << esc(r.error) << "</p>";
  if (scenario) {
    o << settings_table(*scenario);
  } else {
    o << "<p>scenario.yaml could not be read: " << esc(scenario.status().message()) << "</p>";
  }
  o << "<table><tr><th>scenario file</th><td>" << esc(r.file) << "</td></tr><tr><th>seed</th><td>" << r.seed
    << " (rerun: <code>faultline run --seed " << r.seed << " " << esc(r.file) << "</code>)</td></tr>"
    << "<tr><th>started (UTC)</th><td>" << esc(r.started_utc) << "</td></tr></table>";
  o << "<h2>Figures</h2><table><tr><th>seconds</th><th>peers</th><th>messages</th><th>completed ops</th>"
    << "<th>unknown ops</th><th>dropped messages</th><th>checker time</th></tr><tr><td>" << r.figures.seconds << "</td><td>"
    << r.figures.peers << "</td><td>" << r.figures.messages << "</td><td>" << r.figures.completed_ops << "</td><td>"
    << r.figures.unknown_ops << "</td><td>" << r.figures.dropped << "</td><td>" << r.figures.checker_seconds
    << " s</td></tr></table>";
  o << "<h2>Checks</h2><table><tr><th>check</th><th>verdict</th><th>summary</th></tr>";
  for (const auto& c : r.checks) {
    o << "<tr><td>" << esc(c.name) << "</td><td class='v-" << to_string(c.verdict) << "'>" << to_string(c.verdict) << "</td><td>"
      << esc(c.summary);
    if (!c.passed() && !c.details.empty()) o << "<details><summary>details</summary><pre>" << esc(c.details.dump(2)) << "</pre></details>";
    o << "</td></tr>";
  }
  o << "</table>";
  o << "<h2>Throughput and latency</h2><p class=key>"
    << "<span style='background:#f4a3a3'></span>an active fault (hover for which)"
    << "<span style='border-left:2px dashed #6a6;width:0'></span>a phase starts";
  if (base.baseline) o << "<span style='background:#f8efc8'></span>unreliable network for the whole run";
  if (base.violation) {
    o << "<span style='background:#c53030'></span><b>the first operation that cannot be linearized</b>";
  }
  o << "</p>";
  if (base.violation) o << "<p>" << esc(base.violation->label) << "</p>";
  if (!in_memory && !read) o << "<p>The history could not be read: " << esc(read.status().message()) << "</p>";
  o << svg_chart(throughput) << svg_chart(latency) << svg_chart(unknown);
  o << "<h2>Phases</h2><table><tr><th>phase</th><th>iteration</th><th>from</th><th>to</th></tr>";
  for (const auto& p : r.phases) {
    o << "<tr><td>" << esc(p.name) << "</td><td>" << p.iteration << "</td><td>"
      << static_cast<double>(p.start_ns - origin) / 1e9 << " s</td><td>" << static_cast<double>(p.end_ns - origin) / 1e9
      << " s</td></tr>";
  }
  o << "</table><h2>Nemesis events</h2><pre>";
  {
    std::ifstream in(RunFiles(run_dir).nemesis());
    std::string line;
    int shown = 0;
    while (std::getline(in, line) && shown < 2000) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded()) continue;
      o << static_cast<double>(j.value("time", int64_t{0}) - origin) / 1e9 << "s  "
        << esc(j.value("detail", "")) << esc(touched_nodes(j))
        << (j.value("ok", true) ? "" : "  FAILED: " + esc(j.value("error", ""))) << "  ["
        << esc(j.value("active", "")) << "]\n";
      ++shown;
    }
  }
  o << "</pre>";
  if (violation) {
    o << "<h2 id=violation>Linearizability violation</h2>";
    const std::string text = read_file(RunFiles(run_dir).violation_text());
    if (!text.empty()) o << "<pre>" << esc(text) << "</pre>";
    if (timeline) {
      o << "<p>The checker's timeline (also as <a href='linearizability.html'>linearizability.html</a>):</p>"
        << "<iframe srcdoc=\"" << esc(read_file(RunFiles(run_dir).violation_html())) << "\"></iframe>";
    }
  }
  o << "<h2>Files</h2><p><a href='scenario.yaml'>scenario.yaml</a> · <a href='" << esc(std::filesystem::path(history_path).filename().string()) << "'>" << esc(std::filesystem::path(history_path).filename().string()) << "</a> · "
    << "<a href='nemesis.jsonl'>nemesis.jsonl</a> · <a href='results.json'>results.json</a> · "
    << "<a href='junit.xml'>junit.xml</a> · <a href='logs/'>logs/</a></p></body></html>\n";
  return write_text_file(RunFiles(run_dir).report(), o.str());
}

}  // namespace harness
