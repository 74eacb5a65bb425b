#include "harness/nemesis/schedule.h"

#include <algorithm>
#include <sstream>

#include "common/random.h"
#include "harness/nemesis/fault.h"
#include "harness/nemesis/registry.h"

namespace harness {

std::vector<std::vector<int>> random_halves(int nodes, common::Rng& rng) {
  std::vector<std::vector<int>> sides(2);
  for (int n = 0; n < nodes; ++n) sides[rng.chance(0.5) ? 0 : 1].push_back(n);
  // The reference draws sides independently; a one-sided draw is a no-op partition, which wastes a
  // period. Move one node across so every partition really cuts something.
  if (nodes >= 2 && (sides[0].empty() || sides[1].empty())) {
    auto& full = sides[0].empty() ? sides[1] : sides[0];
    auto& empty = sides[0].empty() ? sides[0] : sides[1];
    const size_t pick = static_cast<size_t>(rng.uniform(0, static_cast<int64_t>(full.size()) - 1));
    empty.push_back(full[pick]);
    full.erase(full.begin() + static_cast<std::ptrdiff_t>(pick));
  }
  return sides;
}

namespace {

ScheduledEvent draw(const NemesisEntry& entry, int index, Micros at, int nodes, common::Rng& rng) {
  ScheduledEvent e;
  e.at = at;
  e.action = entry.action;
  e.entry = index;
  draw_event_randomness(nodes, rng, &e);
  return e;
}

}  // namespace

void draw_event_randomness(int nodes, common::Rng& rng, ScheduledEvent* e) {
  e->order.resize(static_cast<size_t>(nodes));
  for (int n = 0; n < nodes; ++n) e->order[static_cast<size_t>(n)] = n;
  for (int n = nodes - 1; n > 0; --n) {  // Fisher-Yates with our own Rng (portable)
    std::swap(e->order[static_cast<size_t>(n)], e->order[static_cast<size_t>(rng.uniform(0, n))]);
  }
  const Fault* fault = e->action.kind == Step::Kind::kFault
                           ? fault_registry().find(e->action.fault.name)
                           : nullptr;
  if (fault && e->action.fault.args && fault->draws_sides(*e->action.fault.args)) {
    e->sides = random_halves(nodes, rng);
  }
  e->random_node = static_cast<int>(rng.uniform(0, nodes - 1));
}

common::Result<std::vector<ScheduledEvent>> generate_schedule(const Phase& phase, int nodes,
                                                              uint64_t seed, uint64_t faults_seed) {
  std::vector<ScheduledEvent> out;
  common::Rng rng(seed);
  common::Rng faults_rng(faults_seed);
  for (size_t i = 0; i < phase.nemesis.size(); ++i) {
    const NemesisEntry& entry = phase.nemesis[i];
    common::Rng entry_rng = rng.fork(i + 1);
    common::Rng draw_rng = faults_rng.fork(i + 1);
    std::vector<Micros> times;
    if (entry.at) {
      times.push_back(*entry.at);
    } else {
      const Micros end = entry.until.value_or(phase.workload && phase.workload->duration
                                                  ? *phase.workload->duration
                                                  : Micros(0));
      for (Micros t = entry.from; t < end;
           t += Micros(entry_rng.uniform(entry.period_min.count(), entry.period_max.count()))) {
        times.push_back(t);
        if (times.size() > kMaxScheduledEvents) {
          return common::Status::invalid_argument(
              "line " + std::to_string(entry.line) + ": nemesis period too short: more than " +
              std::to_string(kMaxScheduledEvents) + " events in one workload");
        }
      }
    }
    for (Micros t : times) {
      out.push_back(draw(entry, static_cast<int>(i), t, nodes, draw_rng));
      if (entry.undo_after) {
        ScheduledEvent undo = out.back();
        undo.at = t + *entry.undo_after;
        undo.undo = true;
        out.push_back(undo);
      }
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ScheduledEvent& a, const ScheduledEvent& b) { return a.at < b.at; });
  return out;
}

std::string ScheduledEvent::describe() const {
  std::ostringstream out;
  out << (undo ? "undo " : "") << action.describe();
  if (!sides.empty()) {
    out << " [";
    for (size_t s = 0; s < sides.size(); ++s) {
      out << (s ? " | " : "");
      for (size_t k = 0; k < sides[s].size(); ++k) out << (k ? "," : "") << sides[s][k];
    }
    out << "]";
  }
  const auto* target = action.fault.as<TargetArgs>();
  if (target && target->target.kind == NodeTarget::Kind::kRandom) out << " (n" << random_node << ")";
  return out.str();
}

}  // namespace harness
