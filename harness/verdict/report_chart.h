#pragma once
// The report's time charts: one inline SVG line chart over the run's seconds, with the faults
// shaded, the phase starts dashed, the whole run shaded when its baseline network is unreliable,
// and the first operation that cannot be linearized marked on the time axis. Pure functions of
// their input (no files, no clock); any thread.
#include <optional>
#include <string>
#include <vector>

namespace harness {

// One line. NaN values are gaps (a bucket with no operation has no latency).
struct ChartSeries {
  std::string name;   // legend text
  std::string color;  // CSS colour, used for both the line and its legend entry
  std::vector<double> values;  // evenly spaced buckets over [0, end]
  bool dashed = false;
};

struct ChartSpan {
  double from = 0;  // seconds since the run's origin
  double to = 0;
  std::string label;
};

struct ChartInput {
  std::string title;
  std::string unit;
  std::vector<ChartSeries> series;
  double end = 0;                     // seconds: the right edge
  std::vector<ChartSpan> faults;      // shaded, labelled on hover
  std::vector<double> phase_marks;    // dashed vertical lines
  std::optional<ChartSpan> baseline;  // the whole run's unreliable network (shaded lightly)
  std::optional<ChartSpan> violation; // the first operation that cannot be linearized
};

// Tick values 0, step, 2*step, ... with step 1, 2 or 5 times a power of ten, about `target` of
// them, the last one at or above `max` (so a tick labels the top of the chart). max <= 0 gives 0..1.
std::vector<double> nice_ticks(double max, int target);

// A tick label: at most 3 significant digits, no trailing zeros ("0.25", "1500", "6400").
std::string tick_label(double value);

std::string svg_chart(const ChartInput& input);

}  // namespace harness
