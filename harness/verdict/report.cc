#include "harness/verdict/report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "checker/history.h"
#include "common/markup.h"
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

struct Interval {
  double from = 0;  // seconds since origin
  double to = 0;
  std::string label;
};

std::vector<Interval> fault_intervals(const std::string& nemesis_path, int64_t origin, double end) {
  std::vector<Interval> out;
  std::ifstream in(nemesis_path);
  std::string line;
  double open_at = -1;
  std::string open_label;
  // Bounded by the file's lines.
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("time")) continue;
    const double t = static_cast<double>(j["time"].get<int64_t>() - origin) / 1e9;
    const std::string active = j.value("active", "none");
    if (open_at >= 0) out.push_back(Interval{open_at, t, open_label});
    open_at = active == "none" ? -1 : t;
    open_label = active;
  }
  if (open_at >= 0) out.push_back(Interval{open_at, end, open_label});
  return out;
}

struct Series {
  std::string name;
  std::string color;
  std::vector<double> values;
};

// An SVG line chart over [0, end] seconds with shaded fault intervals and phase boundaries.
std::string chart(const std::string& title, const std::string& unit, const std::vector<Series>& series,
                  double end, const std::vector<Interval>& faults, const std::vector<double>& phase_marks) {
  const double w = 960, h = 220, left = 60, right = 10, top = 24, bottom = 28;
  const double pw = w - left - right, ph = h - top - bottom;
  double ymax = 0;
  for (const auto& s : series) {
    for (double v : s.values) ymax = std::max(ymax, v);
  }
  if (ymax <= 0) ymax = 1;
  ymax *= 1.1;
  auto x = [&](double t) { return left + (end > 0 ? t / end : 0) * pw; };
  auto y = [&](double v) { return top + ph - v / ymax * ph; };
  std::ostringstream o;
  o.precision(5);
  o << "<svg class=chart viewBox='0 0 " << w << " " << h << "' width='" << w << "' height='" << h << "'>";
  o << "<text x='" << left << "' y='16' class=ct>" << esc(title) << " (" << esc(unit) << ")</text>";
  for (const auto& f : faults) {
    o << "<rect class=fault x='" << x(f.from) << "' y='" << top << "' width='" << std::max(1.0, x(f.to) - x(f.from))
      << "' height='" << ph << "'><title>" << esc(f.label) << " (" << f.from << "s - " << f.to << "s)</title></rect>";
  }
  for (double m : phase_marks) {
    o << "<line class=phase x1='" << x(m) << "' x2='" << x(m) << "' y1='" << top << "' y2='" << top + ph << "'/>";
  }
  o << "<rect class=frame x='" << left << "' y='" << top << "' width='" << pw << "' height='" << ph << "'/>";
  for (int i = 0; i <= 4; ++i) {
    const double v = ymax * i / 4;
    o << "<text class=ax x='" << left - 4 << "' y='" << y(v) + 4 << "' text-anchor=end>" << std::round(v * 10) / 10
      << "</text>";
  }
  for (int i = 0; i <= 10; ++i) {
    const double t = end * i / 10;
    o << "<text class=ax x='" << x(t) << "' y='" << h - 10 << "' text-anchor=middle>" << std::round(t * 10) / 10
      << "s</text>";
  }
  double lx = left + pw - 10;
  for (const auto& s : series) {
    if (s.values.empty()) continue;
    const double step = end / static_cast<double>(s.values.size());
    o << "<polyline fill=none stroke='" << s.color << "' stroke-width=1.5 points='";
    for (size_t i = 0; i < s.values.size(); ++i) o << x((static_cast<double>(i) + 0.5) * step) << "," << y(s.values[i]) << " ";
    o << "'/>";
    o << "<text class=ax x='" << lx << "' y='16' text-anchor=end fill='" << s.color << "'>" << esc(s.name) << "</text>";
    lx -= 120;
  }
  o << "</svg>";
  return o.str();
}

// The nodes a nemesis.jsonl line acted on, each with its log file: "  nodes: n0 (logs/n1.log)"
// (scenario indexes count from 0, Raft ids and so log files from 1). Empty for partitions, whose
// sides the active-fault text already shows, and for lines without nodes.
std::string touched_nodes(const nlohmann::json& event) {
  const nlohmann::json nodes = event.value("nodes", nlohmann::json::array());
  const nlohmann::json logs = event.value("node_logs", nlohmann::json::array());
  if (event.value("action", "") == "partition" || !nodes.is_array()) return "";
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

common::Status write_report(const std::string& run_dir) {
  auto results = read_results_json(run_dir + "/results.json");
  if (!results) return results.status();
  const RunResults& r = *results;
  auto history = checker::parse_history_file(run_dir + "/history.jsonl");
  const int64_t origin = r.origin_ns;
  double end = r.figures.seconds;
  const int kBuckets = 120;
  std::vector<double> throughput(kBuckets, 0), lat_sum(kBuckets, 0), lat_max(kBuckets, 0), lat_n(kBuckets, 0),
      unknown(kBuckets, 0);
  if (history) {
    for (const auto& op : history->ops) {
      if (op.status == checker::OpStatus::kOk) end = std::max(end, static_cast<double>(op.return_time - origin) / 1e9);
    }
    const double bucket = end / kBuckets;
    for (const auto& op : history->ops) {
      if (op.status == checker::OpStatus::kOk) {
        const double t = static_cast<double>(op.return_time - origin) / 1e9;
        const int b = std::clamp(static_cast<int>(t / bucket), 0, kBuckets - 1);
        throughput[static_cast<size_t>(b)] += 1.0 / bucket;
        const double ms = static_cast<double>(op.return_time - op.call_time) / 1e6;
        lat_sum[static_cast<size_t>(b)] += ms;
        lat_n[static_cast<size_t>(b)] += 1;
        lat_max[static_cast<size_t>(b)] = std::max(lat_max[static_cast<size_t>(b)], ms);
      } else if (op.status == checker::OpStatus::kUnknown) {
        const double t = static_cast<double>(op.call_time - origin) / 1e9;
        const int b = std::clamp(static_cast<int>(t / bucket), 0, kBuckets - 1);
        unknown[static_cast<size_t>(b)] += 1;
      }
    }
  }
  std::vector<double> lat_mean(kBuckets, 0);
  for (int b = 0; b < kBuckets; ++b) {
    if (lat_n[static_cast<size_t>(b)] > 0) lat_mean[static_cast<size_t>(b)] = lat_sum[static_cast<size_t>(b)] / lat_n[static_cast<size_t>(b)];
  }
  const auto faults = fault_intervals(run_dir + "/nemesis.jsonl", origin, end);
  std::vector<double> marks;
  for (const auto& p : r.phases) marks.push_back(static_cast<double>(p.start_ns - origin) / 1e9);

  const bool violation = fs::exists(run_dir + "/linearizability.txt");
  const bool timeline = fs::exists(run_dir + "/linearizability.html");
  std::ostringstream o;
  o << "<!doctype html><html><head><meta charset=utf-8><title>faultline: " << esc(r.scenario) << "</title><style>"
    << "body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}"
    << "h1{font-size:20px}h2{font-size:16px;margin-top:28px}"
    << ".banner{padding:10px 14px;border-radius:6px;font-weight:600;margin:12px 0}"
    << ".pass{background:#e3f6e5;color:#17612a}.fail{background:#fde4e4;color:#8a1616}"
    << "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}"
    << "td.v-pass,td.v-skipped{color:#17612a;font-weight:600}td.v-fail,td.v-violation,td.v-unknown{color:#8a1616;font-weight:600}"
    << ".chart .frame{fill:none;stroke:#999}.chart .fault{fill:#f4a3a3;opacity:.35}.chart .phase{stroke:#6a6;stroke-dasharray:3 3}"
    << ".chart .ax{font-size:10px;fill:#555}.chart .ct{font-size:13px;font-weight:600}"
    << "pre{background:#f6f6f6;padding:8px;overflow:auto;font-size:12px}iframe{width:100%;height:900px;border:1px solid #ccc}"
    << "</style></head><body>";
  o << "<h1>faultline run: " << esc(r.scenario) << "</h1>";
  o << "<div class='banner " << (r.passed() ? "pass'>PASSED" : "fail'>FAILED") << "</div>";
  if (violation) o << "<p><a href='#violation'>&#9888; Linearizability violation: see the checker's explanation below</a></p>";
  if (!r.error.empty()) o << "<p><b>Harness error:</b> " << esc(r.error) << "</p>";
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
    o << "<tr><td>" << esc(c.name) << "</td><td class='v-" << esc(c.verdict) << "'>" << esc(c.verdict) << "</td><td>"
      << esc(c.summary);
    if (!c.passed() && !c.details.empty()) o << "<details><summary>details</summary><pre>" << esc(c.details.dump(2)) << "</pre></details>";
    o << "</td></tr>";
  }
  o << "</table>";
  o << "<h2>Throughput and latency</h2><p>Shaded: intervals with an active fault (hover for which). Dashed: phase starts.</p>";
  if (!history) o << "<p>history.jsonl could not be read: " << esc(history.status().message()) << "</p>";
  o << chart("completed operations per second", "ops/s", {{"ok ops/s", "#2b6cb0", throughput}}, end, faults, marks);
  o << chart("latency of completed operations", "ms", {{"mean", "#2b6cb0", lat_mean}, {"max", "#c05621", lat_max}}, end,
             faults, marks);
  o << chart("operations with unknown outcome, by call time", "ops", {{"unknown", "#8a1616", unknown}}, end, faults, marks);
  o << "<h2>Phases</h2><table><tr><th>phase</th><th>iteration</th><th>from</th><th>to</th></tr>";
  for (const auto& p : r.phases) {
    o << "<tr><td>" << esc(p.name) << "</td><td>" << p.iteration << "</td><td>"
      << static_cast<double>(p.start_ns - origin) / 1e9 << " s</td><td>" << static_cast<double>(p.end_ns - origin) / 1e9
      << " s</td></tr>";
  }
  o << "</table><h2>Nemesis events</h2><pre>";
  {
    std::ifstream in(run_dir + "/nemesis.jsonl");
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
    const std::string text = read_file(run_dir + "/linearizability.txt");
    if (!text.empty()) o << "<pre>" << esc(text) << "</pre>";
    if (timeline) {
      o << "<p>The checker's timeline (also as <a href='linearizability.html'>linearizability.html</a>):</p>"
        << "<iframe srcdoc=\"" << esc(read_file(run_dir + "/linearizability.html")) << "\"></iframe>";
    }
  }
  o << "<h2>Files</h2><p><a href='scenario.yaml'>scenario.yaml</a> · <a href='history.jsonl'>history.jsonl</a> · "
    << "<a href='nemesis.jsonl'>nemesis.jsonl</a> · <a href='results.json'>results.json</a> · "
    << "<a href='junit.xml'>junit.xml</a> · <a href='logs/'>logs/</a></p></body></html>\n";
  return write_text_file(run_dir + "/report.html", o.str());
}

}  // namespace harness
