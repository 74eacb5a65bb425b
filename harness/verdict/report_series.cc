#include "harness/verdict/report_series.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace harness {

double quantile(std::vector<double>& values, double q) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double rank = std::ceil(q * static_cast<double>(values.size()));
  const size_t k = static_cast<size_t>(std::clamp(rank, 1.0, static_cast<double>(values.size()))) - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

RunSeries bucket_operations(const checker::History& history, int64_t origin, double end,
                            int buckets) {
  buckets = std::max(1, buckets);
  const size_t n = static_cast<size_t>(buckets);
  auto seconds = [&](int64_t t) { return static_cast<double>(t - origin) / 1e9; };
  RunSeries out;
  out.end = end;
  for (const auto& op : history.ops) {
    if (op.status == checker::OpStatus::kOk) out.end = std::max(out.end, seconds(op.return_time));
  }
  if (!(out.end > 0)) out.end = 1;
  const double width = out.end / static_cast<double>(n);
  auto bucket_of = [&](double t) {
    return static_cast<size_t>(std::clamp(static_cast<int64_t>(t / width), int64_t{0},
                                          static_cast<int64_t>(n) - 1));
  };
  out.ops_per_s.assign(n, 0);
  out.unknown.assign(n, 0);
  std::map<std::string, std::vector<std::vector<double>>> latencies;  // f -> bucket -> ms
  for (const auto& op : history.ops) {
    if (op.status == checker::OpStatus::kOk) {
      const size_t b = bucket_of(seconds(op.return_time));
      out.ops_per_s[b] += 1 / width;
      auto& per_bucket = latencies[op.f];
      per_bucket.resize(n);
      per_bucket[b].push_back(static_cast<double>(op.return_time - op.call_time) / 1e6);
    } else if (op.status == checker::OpStatus::kUnknown) {
      out.unknown[bucket_of(seconds(op.call_time))] += 1;
    }
  }
  for (auto& [f, per_bucket] : latencies) {
    OpTypeSeries s;
    s.f = f;
    s.ops_per_s.assign(n, 0);
    s.p50_ms.assign(n, std::numeric_limits<double>::quiet_NaN());
    s.p99_ms.assign(n, std::numeric_limits<double>::quiet_NaN());
    for (size_t b = 0; b < n; ++b) {
      s.ops_per_s[b] = static_cast<double>(per_bucket[b].size()) / width;
      s.p50_ms[b] = quantile(per_bucket[b], 0.5);
      s.p99_ms[b] = quantile(per_bucket[b], 0.99);
    }
    out.by_type.push_back(std::move(s));
  }
  return out;
}

}  // namespace harness
