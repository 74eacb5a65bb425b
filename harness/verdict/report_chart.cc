#include "harness/verdict/report_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "common/markup.h"

namespace harness {
namespace {

std::string esc(const std::string& s) { return common::escape_markup(s); }

// The step (1, 2 or 5 times a power of ten) that divides [0, max] into about `target` parts.
double nice_step(double max, int target) {
  const double raw = max / std::max(1, target);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (raw <= m * magnitude * (1 + 1e-9)) return m * magnitude;
  }
  return 10 * magnitude;
}

}  // namespace

std::vector<double> nice_ticks(double max, int target) {
  if (!(max > 0) || !std::isfinite(max)) return {0, 1};
  const double step = nice_step(max, target);
  std::vector<double> ticks;
  // Bounded: step >= max / target, so at most target + 2 ticks.
  for (int i = 0;; ++i) {
    const double v = step * i;
    ticks.push_back(v);
    if (v >= max * (1 - 1e-9)) break;
  }
  return ticks;
}

std::string tick_label(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", value);
  std::string s = buf;
  if (s.find('e') != std::string::npos) {  // 1.5e+03 and the like: print the plain number
    std::snprintf(buf, sizeof buf, "%.0f", value);
    s = buf;
  }
  return s;
}

std::string svg_chart(const ChartInput& in) {
  // The right margin leaves room for the last time label, centred on the right edge.
  const double w = 960, h = 250, left = 60, right = 28, top = 44, bottom = 36;
  const double pw = w - left - right, ph = h - top - bottom;
  const double end = in.end > 0 ? in.end : 1;
  double ymax = 0;
  for (const auto& s : in.series) {
    for (double v : s.values) {
      if (std::isfinite(v)) ymax = std::max(ymax, v);
    }
  }
  const std::vector<double> yticks = nice_ticks(ymax, 4);
  const double ytop = yticks.back();
  auto x = [&](double t) { return left + std::clamp(t / end, 0.0, 1.0) * pw; };
  auto y = [&](double v) { return top + ph - v / ytop * ph; };
  std::ostringstream o;
  o.precision(6);
  o << "<svg class=chart viewBox='0 0 " << w << " " << h << "' width='" << w << "' height='" << h
    << "'>";
  o << "<text x='" << left << "' y='14' class=ct>" << esc(in.title) << " (" << esc(in.unit)
    << ")</text>";
  if (in.baseline) {
    o << "<rect class=baseline x='" << left << "' y='" << top << "' width='" << pw << "' height='"
      << ph << "'><title>" << esc(in.baseline->label) << "</title></rect>";
  }
  for (const auto& f : in.faults) {
    o << "<rect class=fault x='" << x(f.from) << "' y='" << top << "' width='"
      << std::max(1.0, x(f.to) - x(f.from)) << "' height='" << ph << "'><title>" << esc(f.label)
      << " (" << f.from << "s - " << f.to << "s)</title></rect>";
  }
  for (double m : in.phase_marks) {
    o << "<line class=phase x1='" << x(m) << "' x2='" << x(m) << "' y1='" << top << "' y2='"
      << top + ph << "'/>";
  }
  o << "<rect class=frame x='" << left << "' y='" << top << "' width='" << pw << "' height='" << ph
    << "'/>";
  for (double v : yticks) {
    o << "<line class=grid x1='" << left << "' x2='" << left + pw << "' y1='" << y(v) << "' y2='"
      << y(v) << "'/><text class=ax x='" << left - 4 << "' y='" << y(v) + 4
      << "' text-anchor=end>" << tick_label(v) << "</text>";
  }
  for (double t : nice_ticks(end, 10)) {
    if (t > end * (1 + 1e-9)) break;  // the last tick may pass the end: not drawn
    o << "<text class=ax x='" << x(t) << "' y='" << h - 8 << "' text-anchor=middle>"
      << tick_label(t) << "s</text>";
  }
  // Legend, right-aligned in its own row between the title and the plot: a swatch and the name in
  // the series' colour. The colour is an inline style, which no stylesheet rule overrides.
  double lx = left + pw;
  for (auto it = in.series.rbegin(); it != in.series.rend(); ++it) {
    const ChartSeries& s = *it;
    o << "<text class=legend x='" << lx << "' y='32' text-anchor=end style='fill:" << esc(s.color)
      << "'>" << esc(s.name) << "</text>";
    const double width = 7.0 * static_cast<double>(s.name.size()) + 4;
    o << "<line class=swatch x1='" << lx - width - 18 << "' x2='" << lx - width - 4
      << "' y1='28' y2='28' style='stroke:" << esc(s.color) << "'"
      << (s.dashed ? " stroke-dasharray='4 3'" : "") << "/>";
    lx -= width + 30;
  }
  for (const auto& s : in.series) {
    if (s.values.empty()) continue;
    const double step = end / static_cast<double>(s.values.size());
    std::ostringstream d;
    d.precision(6);
    bool pen_down = false;
    for (size_t i = 0; i < s.values.size(); ++i) {
      if (!std::isfinite(s.values[i])) {
        pen_down = false;
        continue;
      }
      d << (pen_down ? "L" : "M") << x((static_cast<double>(i) + 0.5) * step) << ","
        << y(s.values[i]) << " ";
      pen_down = true;
    }
    o << "<path class=series data-series='" << esc(s.name) << "' fill=none style='stroke:"
      << esc(s.color) << "' stroke-width=1.5" << (s.dashed ? " stroke-dasharray='4 3'" : "")
      << " d='" << d.str() << "'/>";
  }
  if (in.violation) {
    const double x0 = x(in.violation->from);
    const double x1 = std::max(x0 + 2, x(in.violation->to));
    o << "<g class=violation><rect x='" << x0 << "' y='" << top << "' width='" << x1 - x0
      << "' height='" << ph << "'/><path d='M" << x0 - 6 << "," << top + ph + 9 << " L" << x0 + 6
      << "," << top + ph + 9 << " L" << x0 << "," << top + ph << " Z'/><title>"
      << esc(in.violation->label) << "</title></g>";
  }
  o << "</svg>";
  return o.str();
}

}  // namespace harness
