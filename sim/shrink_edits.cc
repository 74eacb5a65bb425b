#include "sim/shrink_edits.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/nemesis/fault.h"
#include "harness/nemesis/registry.h"
#include "harness/nemesis/schedule.h"
#include "harness/run/seeds.h"
#include "sim/swarm.h"

namespace sim {

namespace {

YAML::Node erase_at(const YAML::Node& seq, size_t k) {
  YAML::Node kept(YAML::NodeType::Sequence);
  for (size_t i = 0; i < seq.size(); ++i) {
    if (i != k) kept.push_back(seq[i]);
  }
  return kept;
}

size_t phase_count(const YAML::Node& root) {
  const YAML::Node phases = root["phases"];
  return phases && phases.IsSequence() ? phases.size() : 0;
}

int repeat_of(const YAML::Node& phase) { return phase["repeat"] ? phase["repeat"].as<int>() : 1; }

std::string text_of(const YAML::Node& n) {
  YAML::Emitter e;
  e << n;
  return e.c_str();
}

// Appends `edit(clone of root)` when it returns true.
class CandidateList {
 public:
  explicit CandidateList(const YAML::Node& root) : root_(root) {}
  void add(const std::string& what, const std::function<bool(YAML::Node&)>& edit) {
    YAML::Node c = YAML::Clone(root_);
    if (edit(c)) out_.push_back({c, what, false});
  }
  void push(YAML::Node root, const std::string& what) {
    out_.push_back({std::move(root), what, false});
  }
  void mark_schedule_cut() {
    if (!out_.empty()) out_.back().cuts_schedule = true;
  }
  std::vector<Candidate> take() { return std::move(out_); }

 private:
  const YAML::Node& root_;
  std::vector<Candidate> out_;
};

std::string at_phase(size_t p) { return " of phase " + std::to_string(p); }

// The end of a periodic entry's window in microseconds (0: unknown).
int64_t window_end(const YAML::Node& phase, const YAML::Node& entry) {
  if (entry["until"]) return micros_of(entry["until"].as<std::string>());
  const YAML::Node dur = phase["workload"]["duration"];
  return dur ? micros_of(dur.as<std::string>()) : 0;
}

// A periodic entry's window and period edits (for entries materialize() could not write out, or
// before it ran): a later start, an earlier end, the period doubled.
void window_edits(const YAML::Node& root, size_t p, CandidateList* list) {
  const YAML::Node nem = root["phases"][p]["nemesis"];
  for (size_t k = 0; nem && nem.IsSequence() && k < nem.size(); ++k) {
    if (!nem[k]["every"]) continue;
    const int64_t from = nem[k]["from"] ? micros_of(nem[k]["from"].as<std::string>()) : 0;
    const int64_t end = window_end(root["phases"][p], nem[k]);
    if (end <= from + 2000) continue;
    const std::string where = " of nemesis " + std::to_string(k) + at_phase(p);
    auto set = [&](const char* field, int64_t us) {
      const std::string text = duration_text(harness::Micros(us / 1000 * 1000));
      list->add(std::string(field) + where + ": " + text, [&](YAML::Node& c) {
        c["phases"][p]["nemesis"][k][field] = text;
        return true;
      });
      list->mark_schedule_cut();
    };
    // An earlier end keeps the first firings exactly as they were (the periods are drawn in order
    // from `from`); a later start redraws them.
    set("until", (from + end) / 2);
    set("until", from + 3 * (end - from) / 4);
    set("from", (from + end) / 2);
    set("from", from + (end - from) / 4);
    if (nem[k]["every"].IsSequence() && nem[k]["every"].size() == 2) {
      const int64_t lo = micros_of(nem[k]["every"][0].as<std::string>());
      const int64_t hi = micros_of(nem[k]["every"][1].as<std::string>());
      if (lo > 0 && hi >= lo && 2 * lo < end - from) {
        list->add("period" + where + " doubled", [&](YAML::Node& c) {
          YAML::Node period(YAML::NodeType::Sequence);
          period.push_back(duration_text(harness::Micros(2 * lo)));
          period.push_back(duration_text(harness::Micros(2 * hi)));
          period.SetStyle(YAML::EmitterStyle::Flow);
          c["phases"][p]["nemesis"][k]["every"] = period;
          return true;
        });
        list->mark_schedule_cut();
      }
    }
  }
}

// Whether an event of `entry` draws something that depends on its place in the list.
bool draws_randomness(const harness::NemesisEntry& entry) {
  const harness::Step& a = entry.action;
  if (a.kind != harness::Step::Kind::kFault || !a.fault.args) return false;
  const harness::Fault* f = harness::fault_registry().find(a.fault.name);
  if (f && f->draws_sides(*a.fault.args)) return true;
  const auto* t = a.fault.as<harness::TargetArgs>();
  return t && t->target.kind == harness::NodeTarget::Kind::kRandom;
}

// The `do:` of one scheduled event with its drawn sides or node written in.
YAML::Node concrete_do(const YAML::Node& original, const harness::ScheduledEvent& e) {
  YAML::Node out = YAML::Clone(original);
  const harness::Step& a = e.action;
  if (a.kind != harness::Step::Kind::kFault || !out.IsMap() || !out[a.fault.name]) return out;
  YAML::Node value = out[a.fault.name];
  const harness::Fault* f = harness::fault_registry().find(a.fault.name);
  if (f && a.fault.args && f->draws_sides(*a.fault.args) && !e.sides.empty()) {
    YAML::Node sets(YAML::NodeType::Sequence);
    for (const auto& side : e.sides) {
      YAML::Node s(YAML::NodeType::Sequence);
      for (int n : side) s.push_back(n);
      s.SetStyle(YAML::EmitterStyle::Flow);
      sets.push_back(s);
    }
    sets.SetStyle(YAML::EmitterStyle::Flow);
    YAML::Node shape(YAML::NodeType::Map);
    if (value.IsMap()) shape = value;
    shape["kind"] = "sets";
    shape["sets"] = sets;
    out[a.fault.name] = shape;
  }
  const auto* t = a.fault.as<harness::TargetArgs>();
  if (t && t->target.kind == harness::NodeTarget::Kind::kRandom) {
    if (value.IsMap() && value["target"]) {
      value["target"] = e.random_node;
    } else {
      out[a.fault.name] = e.random_node;
    }
  }
  out.SetStyle(YAML::EmitterStyle::Flow);
  return out;
}

}  // namespace

int64_t micros_of(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  if (i == 0) return 0;
  double v = 0;
  try {
    v = std::stod(text.substr(0, i));
  } catch (const std::exception&) {
    return 0;
  }
  const std::string unit = text.substr(i);
  if (unit == "us") return static_cast<int64_t>(v);
  if (unit == "ms") return static_cast<int64_t>(v * 1e3);
  if (unit == "s") return static_cast<int64_t>(v * 1e6);
  if (unit == "min") return static_cast<int64_t>(v * 60e6);
  return 0;
}

size_t scheduled_faults(const harness::Scenario& s, uint64_t seed) {
  const harness::RunSeeds seeds(seed);
  size_t n = 0;
  for (size_t p = 0; p < s.phases.size(); ++p) {
    if (!s.phases[p].workload) continue;
    const int pi = static_cast<int>(p);
    for (int i = 0; i < s.phases[p].repeat; ++i) {
      auto schedule = harness::generate_schedule(s.phases[p], s.cluster.nodes,
                                                 seeds.schedule(pi, i), seeds.faults(pi, i));
      if (!schedule) continue;
      for (const auto& e : *schedule) n += e.undo ? 0 : 1;
    }
  }
  return n;
}

std::vector<Candidate> coarse_candidates(const YAML::Node& root) {
  CandidateList list(root);
  const size_t np = phase_count(root);
  for (size_t p = 0; p < np && np > 1; ++p) {
    list.add("phase " + std::to_string(p) + " dropped", [&](YAML::Node& c) {
      c["phases"] = erase_at(c["phases"], p);
      return true;
    });
  }
  for (size_t p = 0; p < np; ++p) {
    const int rep = repeat_of(root["phases"][p]);
    if (rep > 1) {
      list.add("repeat" + at_phase(p) + ": 1", [&](YAML::Node& c) {
        c["phases"][p].remove("repeat");
        return true;
      });
      if (rep > 2) {
        list.add("repeat" + at_phase(p) + ": " + std::to_string(rep / 2), [&](YAML::Node& c) {
          c["phases"][p]["repeat"] = rep / 2;
          return true;
        });
      }
    }
  }
  // A failure in a later iteration of a repeated phase: the iterations as phases of their own, so
  // materialize() can write each one's schedule out (the workload's draws change with the phase's
  // place, so this only helps when the failure does not hang on them).
  for (size_t p = 0; p < np; ++p) {
    const int rep = repeat_of(root["phases"][p]);
    if (rep < 2 || rep > 8) continue;
    list.add("phase " + std::to_string(p) + " unrolled into " + std::to_string(rep) + " phases",
             [&](YAML::Node& c) {
               YAML::Node phases(YAML::NodeType::Sequence);
               for (size_t q = 0; q < np; ++q) {
                 const int copies = q == p ? rep : 1;
                 for (int i = 0; i < copies; ++i) {
                   YAML::Node one = YAML::Clone(root["phases"][q]);
                   if (q == p) one.remove("repeat");
                   phases.push_back(one);
                 }
               }
               c["phases"] = phases;
               return true;
             });
  }
  if (root["clients"]["count"]) {
    const int n = root["clients"]["count"].as<int>();
    std::vector<int> counts;
    for (int to : {1, n / 2, n - 1}) {
      if (to >= 1 && to < n && std::find(counts.begin(), counts.end(), to) == counts.end()) {
        counts.push_back(to);
      }
    }
    for (int to : counts) {
      list.add("clients: " + std::to_string(to), [&](YAML::Node& c) {
        c["clients"]["count"] = to;
        return true;
      });
    }
  }
  for (size_t p = 0; p < np; ++p) {
    const YAML::Node dur = root["phases"][p]["workload"]["duration"];
    if (!dur) continue;
    const int64_t us = micros_of(dur.as<std::string>());
    if (us < 2'000'000) continue;
    const int64_t half = us / 2 / 1000 * 1000;
    const std::string text = duration_text(harness::Micros(half));
    list.add("workload" + at_phase(p) + ": " + text, [&](YAML::Node& c) {
      c["phases"][p]["workload"]["duration"] = text;
      // The `at:` faults past the new end go with it (the loader refuses them).
      const YAML::Node nem = root["phases"][p]["nemesis"];
      if (nem && nem.IsSequence()) {
        YAML::Node kept(YAML::NodeType::Sequence);
        for (size_t k = 0; k < nem.size(); ++k) {
          if (!nem[k]["at"] || micros_of(nem[k]["at"].as<std::string>()) < half)
            kept.push_back(YAML::Clone(nem[k]));
        }
        if (kept.size() == 0) {
          c["phases"][p].remove("nemesis");
        } else {
          c["phases"][p]["nemesis"] = kept;
        }
      }
      return true;
    });
  }
  if (root["network"]) {
    list.add("baseline network dropped", [&](YAML::Node& c) {
      c.remove("network");
      return true;
    });
  }
  for (size_t p = 0; p < np; ++p) {
    for (const char* field : {"steps", "after"}) {
      const YAML::Node seq = root["phases"][p][field];
      for (size_t k = 0; seq && seq.IsSequence() && k < seq.size(); ++k) {
        list.add(std::string(field) + "[" + std::to_string(k) + "]" + at_phase(p) + " dropped (" +
                     text_of(seq[k]) + ")",
                 [&](YAML::Node& c) {
                   YAML::Node rest = erase_at(c["phases"][p][field], k);
                   if (rest.size() == 0) {
                     c["phases"][p].remove(field);
                   } else {
                     c["phases"][p][field] = rest;
                   }
                   return true;
                 });
      }
    }
  }
  return list.take();
}

std::optional<YAML::Node> materialize(const YAML::Node& root, const harness::Scenario& s,
                                      uint64_t seed) {
  const harness::RunSeeds seeds(seed);
  YAML::Node out = YAML::Clone(root);
  bool changed = false;
  for (size_t p = 0; p < s.phases.size() && p < phase_count(root); ++p) {
    const harness::Phase& phase = s.phases[p];
    const YAML::Node nem = root["phases"][p]["nemesis"];
    if (phase.repeat != 1 || !phase.workload || !nem || !nem.IsSequence() ||
        nem.size() != phase.nemesis.size()) {
      continue;
    }
    bool needed = false;
    for (const auto& entry : phase.nemesis)
      needed = needed || entry.periodic() || draws_randomness(entry);
    if (!needed) continue;
    const int pi = static_cast<int>(p);
    auto schedule = harness::generate_schedule(phase, s.cluster.nodes, seeds.schedule(pi, 0),
                                               seeds.faults(pi, 0));
    if (!schedule) continue;
    YAML::Node entries(YAML::NodeType::Sequence);
    for (const harness::ScheduledEvent& e : *schedule) {
      if (e.undo) continue;
      const size_t k = static_cast<size_t>(e.entry);
      const harness::NemesisEntry& entry = phase.nemesis[k];
      if (!entry.periodic() && !draws_randomness(entry)) {
        entries.push_back(YAML::Clone(nem[k]));
        continue;
      }
      YAML::Node one(YAML::NodeType::Map);
      one["at"] = duration_text(e.at);
      one["do"] = concrete_do(nem[k]["do"], e);
      if (nem[k]["undo_after"]) one["undo_after"] = YAML::Clone(nem[k]["undo_after"]);
      entries.push_back(one);
    }
    out["phases"][p]["nemesis"] = entries;
    changed = true;
  }
  if (!changed) return std::nullopt;
  return out;
}

std::vector<std::pair<size_t, size_t>> nemesis_entries(const YAML::Node& root) {
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t p = 0; p < phase_count(root); ++p) {
    const YAML::Node nem = root["phases"][p]["nemesis"];
    for (size_t k = 0; nem && nem.IsSequence() && k < nem.size(); ++k) out.emplace_back(p, k);
  }
  return out;
}

YAML::Node keep_nemesis_entries(const YAML::Node& root, const std::vector<size_t>& keep) {
  const auto all = nemesis_entries(root);
  YAML::Node out = YAML::Clone(root);
  // One sequence each (copies of a YAML::Node share one node).
  std::vector<YAML::Node> kept;
  for (size_t p = 0; p < phase_count(root); ++p) kept.emplace_back(YAML::NodeType::Sequence);
  for (size_t i : keep) {
    if (i < all.size())
      kept[all[i].first].push_back(
          YAML::Clone(root["phases"][all[i].first]["nemesis"][all[i].second]));
  }
  for (size_t p = 0; p < phase_count(root); ++p) {
    if (!root["phases"][p]["nemesis"]) continue;
    if (kept[p].size() == 0) {
      out["phases"][p].remove("nemesis");
    } else {
      out["phases"][p]["nemesis"] = kept[p];
    }
  }
  return out;
}

// The shrinker's one-edit list before the schedule was written out (kept as the second search
// order: its path sometimes ends smaller): drop a phase, cut repeats, drop a nemesis entry or a
// step, narrow or thin a periodic entry, halve the workload and the clients, drop the network.
std::vector<Candidate> legacy_candidates(const YAML::Node& root) {
  std::vector<Candidate> out;
  auto variant = [&](const std::function<bool(YAML::Node&)>& edit) {
    YAML::Node c = YAML::Clone(root);
    if (edit(c))
      out.push_back({c, "edit " + std::to_string(out.size()) + " of the one-edit list", false});
  };
  const YAML::Node phases = root["phases"];
  const size_t np = phases && phases.IsSequence() ? phases.size() : 0;
  for (size_t p = 0; p < np && np > 1; ++p) {
    variant([&](YAML::Node& c) {
      c["phases"] = erase_at(c["phases"], p);
      return true;
    });
  }
  for (size_t p = 0; p < np; ++p) {
    if (phases[p]["repeat"] && phases[p]["repeat"].as<int>() > 1) {
      const int rep = phases[p]["repeat"].as<int>();
      variant([&](YAML::Node& c) {
        c["phases"][p]["repeat"] = 1;
        return true;
      });
      if (rep > 2)
        variant([&](YAML::Node& c) {
          c["phases"][p]["repeat"] = rep / 2;
          return true;
        });
    }
    for (const char* list : {"nemesis", "steps", "after"}) {
      const YAML::Node seq = phases[p][list];
      if (!seq || !seq.IsSequence()) continue;
      for (size_t k = 0; k < seq.size(); ++k) {
        variant([&](YAML::Node& c) {
          c["phases"][p][list] = erase_at(c["phases"][p][list], k);
          return true;
        });
      }
    }
    const YAML::Node nem = phases[p]["nemesis"];
    for (size_t k = 0; nem && nem.IsSequence() && k < nem.size(); ++k) {
      if (!nem[k]["every"]) continue;
      // Fewer firings: a later start.
      const int64_t from = nem[k]["from"] ? micros_of(nem[k]["from"].as<std::string>()) : 0;
      const YAML::Node dur = phases[p]["workload"]["duration"];
      const int64_t end = nem[k]["until"] ? micros_of(nem[k]["until"].as<std::string>())
                          : dur           ? micros_of(dur.as<std::string>())
                                          : 0;
      if (end > from + 2000) {
        const harness::Micros mid((from + end) / 2 / 1000 * 1000);
        variant([&](YAML::Node& c) {
          c["phases"][p]["nemesis"][k]["from"] = duration_text(mid);
          return true;
        });
        // Or an earlier end (the failure may come from the first firings).
        variant([&](YAML::Node& c) {
          c["phases"][p]["nemesis"][k]["until"] = duration_text(mid);
          return true;
        });
        // Fewer firings in the same window: the period doubled.
        if (nem[k]["every"].IsSequence() && nem[k]["every"].size() == 2) {
          const int64_t lo = micros_of(nem[k]["every"][0].as<std::string>());
          const int64_t hi = micros_of(nem[k]["every"][1].as<std::string>());
          if (lo > 0 && hi >= lo && 2 * lo < end - from) {
            variant([&](YAML::Node& c) {
              YAML::Node period(YAML::NodeType::Sequence);
              period.push_back(duration_text(harness::Micros(2 * lo)));
              period.push_back(duration_text(harness::Micros(2 * hi)));
              c["phases"][p]["nemesis"][k]["every"] = period;
              return true;
            });
          }
        }
        // Smaller steps when halving loses the failure: a quarter of the window off either end.
        const harness::Micros quarter((from + (end - from) / 4) / 1000 * 1000);
        const harness::Micros three_quarters((from + 3 * (end - from) / 4) / 1000 * 1000);
        variant([&](YAML::Node& c) {
          c["phases"][p]["nemesis"][k]["until"] = duration_text(three_quarters);
          return true;
        });
        variant([&](YAML::Node& c) {
          c["phases"][p]["nemesis"][k]["from"] = duration_text(quarter);
          return true;
        });
      }
    }
    const YAML::Node dur = phases[p]["workload"]["duration"];
    if (dur) {
      const int64_t us = micros_of(dur.as<std::string>());
      if (us >= 2'000'000) {
        variant([&](YAML::Node& c) {
          c["phases"][p]["workload"]["duration"] =
              duration_text(harness::Micros(us / 2 / 1000 * 1000));
          return true;
        });
      }
    }
  }
  if (root["clients"]["count"]) {
    const int n = root["clients"]["count"].as<int>();
    if (n > 1) {
      variant([&](YAML::Node& c) {
        c["clients"]["count"] = n / 2;
        return true;
      });
      if (n / 2 != n - 1)
        variant([&](YAML::Node& c) {
          c["clients"]["count"] = n - 1;
          return true;
        });
    }
  }
  if (root["network"]) {
    variant([&](YAML::Node& c) {
      c.remove("network");
      return true;
    });
  }
  return out;
}

std::vector<Candidate> entry_candidates(const YAML::Node& root) {
  CandidateList list(root);
  const auto all = nemesis_entries(root);
  for (size_t i = 0; i < all.size(); ++i) {
    std::vector<size_t> keep;
    for (size_t k = 0; k < all.size(); ++k) {
      if (k != i) keep.push_back(k);
    }
    list.push(keep_nemesis_entries(root, keep),
              "nemesis " + std::to_string(all[i].second) + at_phase(all[i].first) + " dropped");
  }
  for (size_t p = 0; p < phase_count(root); ++p) window_edits(root, p, &list);
  return list.take();
}

std::vector<size_t> healable_entries(const YAML::Node& root) {
  const auto all = nemesis_entries(root);
  std::vector<size_t> out;
  for (size_t i = 0; i < all.size(); ++i) {
    const YAML::Node d = root["phases"][all[i].first]["nemesis"][all[i].second]["do"];
    if (!d.IsMap()) continue;
    const bool net =
        d["network"] && !(d["network"].IsScalar() && d["network"].as<std::string>() == "reliable");
    if (d["partition"] || d["clog"] || net) out.push_back(i);
  }
  return out;
}

YAML::Node heal_instead(const YAML::Node& root, const std::vector<size_t>& healed) {
  const auto all = nemesis_entries(root);
  YAML::Node out = YAML::Clone(root);
  for (size_t i : healed) {
    if (i >= all.size()) continue;
    YAML::Node entry = out["phases"][all[i].first]["nemesis"][all[i].second];
    entry["do"] = "heal";
    entry.remove("undo_after");
  }
  return out;
}

std::vector<Candidate> fine_candidates(const YAML::Node& root) {
  CandidateList list(root);
  const size_t np = phase_count(root);
  // A fault that repeats the one before it (a partition into the same sets, a second kill of the
  // same node) adds nothing but a heal-and-cut of the same links: merge it into the first.
  for (size_t p = 0; p < np; ++p) {
    const YAML::Node nem = root["phases"][p]["nemesis"];
    for (size_t k = 1; nem && nem.IsSequence() && k < nem.size(); ++k) {
      const YAML::Node a = nem[k - 1], b = nem[k];
      if (!a["at"] || !b["at"] || a["undo_after"] || b["undo_after"]) continue;
      if (text_of(a["do"]) != text_of(b["do"])) continue;
      list.add("nemesis " + std::to_string(k) + at_phase(p) + " merged into the one before",
               [&](YAML::Node& c) {
                 c["phases"][p]["nemesis"] = erase_at(c["phases"][p]["nemesis"], k);
                 return true;
               });
    }
  }
  // End the workload soon after its last fault (the failure usually shows within a few seconds of
  // the fault that causes it; the after-steps still heal and verify).
  for (size_t p = 0; p < np; ++p) {
    const YAML::Node phase = root["phases"][p];
    const YAML::Node dur = phase["workload"]["duration"];
    const YAML::Node nem = phase["nemesis"];
    if (!dur || !nem || !nem.IsSequence() || nem.size() == 0) continue;
    int64_t last = 0;
    bool all_at = true;
    for (size_t k = 0; k < nem.size(); ++k) {
      if (!nem[k]["at"]) {
        all_at = false;
        break;
      }
      int64_t t = micros_of(nem[k]["at"].as<std::string>());
      if (nem[k]["undo_after"]) t += micros_of(nem[k]["undo_after"].as<std::string>());
      last = std::max(last, t);
    }
    if (!all_at) continue;
    const int64_t us = micros_of(dur.as<std::string>());
    for (int64_t extra : {500'000, 1'000'000, 2'000'000, 4'000'000}) {
      const int64_t end = (last + extra) / 100'000 * 100'000 + 100'000;
      if (end >= us) continue;
      const std::string text = duration_text(harness::Micros(end));
      list.add("workload" + at_phase(p) + ": " + text + " (its last fault + " +
                   duration_text(harness::Micros(extra)) + ")",
               [&](YAML::Node& c) {
                 c["phases"][p]["workload"]["duration"] = text;
                 return true;
               });
    }
  }
  for (size_t p = 0; p < np; ++p) window_edits(root, p, &list);
  return list.take();
}

std::vector<size_t> ddmin(size_t n, const std::function<bool(const std::vector<size_t>&)>& fails,
                          const std::function<bool()>& stop) {
  std::vector<size_t> items(n);
  for (size_t i = 0; i < n; ++i) items[i] = i;
  if (n == 0 || stop()) return items;
  if (fails({})) return {};
  size_t chunks = 2;
  while (items.size() >= 2 && !stop()) {
    chunks = std::min(chunks, items.size());
    std::vector<std::vector<size_t>> parts;
    for (size_t c = 0; c < chunks; ++c) {
      const size_t lo = items.size() * c / chunks, hi = items.size() * (c + 1) / chunks;
      parts.emplace_back(items.begin() + static_cast<std::ptrdiff_t>(lo),
                         items.begin() + static_cast<std::ptrdiff_t>(hi));
    }
    // Each chunk removed in turn. (Zeller's ddmin also tries each chunk alone; a failure that needs
    // faults spread over the run rarely lives in one chunk, and those runs are the budget.)
    bool reduced = false;
    for (size_t c = 0; c < parts.size() && !reduced && !stop(); ++c) {
      std::vector<size_t> rest;
      for (size_t d = 0; d < parts.size(); ++d) {
        if (d != c) rest.insert(rest.end(), parts[d].begin(), parts[d].end());
      }
      if (fails(rest)) {
        items = rest;
        chunks = std::max<size_t>(chunks - 1, 2);
        reduced = true;
      }
    }
    if (reduced) continue;
    if (chunks >= items.size()) break;
    chunks = std::min(items.size(), chunks * 2);
  }
  return items;
}

std::vector<std::string> applied_faults(const std::string& jsonl) {
  std::vector<std::string> out;
  std::istringstream in(jsonl);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const std::exception&) {
      continue;
    }
    const std::string phase = j.value("phase", "");
    const std::string action = j.value("action", "");
    const std::string detail = j.value("detail", "");
    if (phase == "final" || j.value("undo", false) || !j.value("ok", true)) continue;
    if (action == "heal" || action == "restart" || action == "resume") continue;
    if (action == "network" && detail.find("reliable") != std::string::npos) continue;
    std::ostringstream text;
    text.setf(std::ios::fixed);
    text.precision(3);
    text << phase;
    if (j.contains("iteration") && j["iteration"].is_number())
      text << " #" << j["iteration"].get<int>() + 1;
    text << " " << static_cast<double>(j.value("time", int64_t{0})) / 1e9 << " s: " << detail;
    out.push_back(text.str());
  }
  return out;
}

int sim_fault_episodes(const std::vector<std::string>& lines) {
  int n = 0;
  for (const auto& l : lines) {
    // The end of an episode (back to normal, a crashed node started again) and the per-node
    // power-loss totals are not episodes of their own.
    if (l.find("back to normal") == std::string::npos && l.find("power losses") == std::string::npos &&
        l.find(" started again") == std::string::npos && l.find(" refused to start") == std::string::npos)
      ++n;
  }
  return n;
}

}  // namespace sim
