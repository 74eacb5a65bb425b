#pragma once
// The report's time series: a run's completed operations put into evenly spaced time buckets,
// per operation type (get, put, append, ...): throughput, and latency percentiles. Pure functions of
// the parsed history; any thread.
#include <cstdint>
#include <string>
#include <vector>

#include "checker/history.h"

namespace harness {

// One operation type's buckets. A bucket with no completed operation of this type has NaN
// percentiles (a gap in the line, not a zero).
struct OpTypeSeries {
  std::string f;                 // "get", "append", ...
  std::vector<double> ops_per_s; // completed (ok) operations per second, by return time
  std::vector<double> p50_ms;    // latency (call to return) of those operations
  std::vector<double> p99_ms;
};

struct RunSeries {
  double end = 0;                    // seconds since origin covered by the buckets
  std::vector<double> ops_per_s;     // all types together
  std::vector<double> unknown;       // operations with unknown outcome, by call time
  std::vector<OpTypeSeries> by_type; // ordered by name
};

// `origin` is the history clock at the run's start; `end` at least the run's length in seconds
// (widened to the last completion). `buckets` >= 1.
RunSeries bucket_operations(const checker::History& history, int64_t origin, double end,
                            int buckets);

// The q-quantile (0 < q <= 1) of `values` by the nearest-rank method; NaN when empty. Reorders.
double quantile(std::vector<double>& values, double q);

}  // namespace harness
