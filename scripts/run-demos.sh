#!/usr/bin/env bash
# Runs demo scenarios that must FAIL and asserts that each one did, for the right reason: the run
# exits 1 (a check failed; 0 or 2 is a failure of this script), and its results.json holds a
# linearizability violation whose explanation (linearizability.txt) names operations, or an appends
# check whose problems name the offending values. Prints one line per run and the evidence.
#   usage: scripts/run-demos.sh [--runs-dir DIR] [--rounds N] [--faultline BIN] DEMO.yaml|DIR...
# Each demo runs N times (default 1), each time with a fresh random seed (printed). Exit 0 only if
# every run was caught; 1 otherwise; 2 on bad usage. Needs jq.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

runs_dir=runs
rounds=1
faultline=${FAULTLINE:-build/app/faultline}
paths=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs-dir) runs_dir="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --faultline) faultline="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) paths+=("$1"); shift ;;
  esac
done
[ ${#paths[@]} -gt 0 ] || { echo "usage: $0 [--runs-dir DIR] [--rounds N] DEMO.yaml|DIR..." >&2; exit 2; }
command -v jq >/dev/null || { echo "$0: needs jq (apt-get install -y jq)" >&2; exit 2; }
[ -x "$faultline" ] || { echo "$0: $faultline: not an executable (build first, or --faultline)" >&2; exit 2; }

files=()
while IFS= read -r f; do files+=("$f"); done < <(scenario_files "${paths[@]}")

# Prints what the run's report names as offending; returns 1 if a violation names no operation.
evidence() {
  local run="$1" results="$1/results.json"
  if jq -e '.checks[] | select(.name == "linearizable" and .verdict == "violation")' "$results" \
       >/dev/null; then
    jq -r '.checks[] | select(.name == "linearizable") | .summary' "$results"
    # The checker's explanation must name concrete operations (process, f, key, value, times).
    if ! grep -Eq '^ *p[0-9]+ (get|put|append) key=' "$run/linearizability.txt" 2>/dev/null; then
      echo "    (violation, but linearizability.txt is missing or names no operation)"
      return 1
    fi
    # The first violating key and the operations no linearization can place next.
    awk '/cannot be linearized/ && !k { k = 1; print "    " $0 }
         /can follow it/ && !n { n = 1; next }
         n == 1 && /^ *p[0-9]+ (get|put|append) key=/ && c < 3 { c++; sub(/^ */, "      "); print }
         n == 1 && /^$/ { n = 2 }' "$run/linearizability.txt"
  fi
  jq -r '[.checks[] | select(.name == "appends" and .verdict != "pass") | .details.problems[]?][:4][] |
         "    appends: key \(.key): \(.problem) \(.value // "")" + (if .read_line then
         " (read at history line \(.read_line))" else "" end)' "$results"
}

mkdir -p "$runs_dir" || { echo "$0: cannot create $runs_dir" >&2; exit 2; }
caught=0
missed=0
for f in "${files[@]}"; do
  for ((r = 1; r <= rounds; r++)); do
    name=$(scenario_name "$f")
    "$faultline" run --runs-dir "$runs_dir" -q "$f" >/dev/null 2>"$runs_dir/.demo-$name.err"
    status=$?
    run=$(latest_run_dir "$runs_dir" "$name")
    seed=$( [ -n "$run" ] && sed -n 's/^seed: *\([0-9]*\).*/\1/p' "$run/scenario.yaml" | head -1)
    if [ "$status" -ne 1 ] || [ -z "$run" ]; then
      echo "MISSED $name (round $r, seed ${seed:-?}): faultline exited $status, expected 1 (a check failed)"
      tail -3 "$runs_dir/.demo-$name.err" | sed 's/^/    /'
      missed=$((missed + 1))
      continue
    fi
    ev=$(evidence "$run")
    ev_status=$?
    if [ $ev_status -ne 0 ] || ! grep -Eq '(violation|appends:)' <<<"$ev"; then
      echo "MISSED $name (round $r, seed $seed): failed, but not with a violation or lost/duplicated data"
      jq -r '.checks[] | select(.passed | not) | "    \(.name): \(.summary)"' "$run/results.json"
      missed=$((missed + 1))
      continue
    fi
    echo "CAUGHT $name (round $r, seed $seed): $run"
    echo "$ev" | sed 's/^\([^ ]\)/    \1/'
    caught=$((caught + 1))
  done
done
echo "demos: $caught caught, $missed missed"
[ $missed -eq 0 ]
