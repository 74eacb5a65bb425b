#!/usr/bin/env bash
# Soak: runs the Jepsen scenario set (or the given scenarios) round after round, each round with
# fresh random seeds, and stops at the first round with a failure so its run directories are kept
# for reading. Not part of CI (it takes ROUNDS x about 5 minutes).
#   usage: scripts/soak.sh [--rounds N] [--runs-dir DIR] [--faultline BIN] [SCENARIO.yaml|DIR...]
# Defaults: 10 rounds, runs/, build/app/faultline, scenarios/jepsen. Exit 0 if every round passed,
# otherwise faultline's exit status of the failing round (1 a check failed, 2 an error).
set -uo pipefail

rounds=${SOAK_ROUNDS:-10}
runs_dir=runs
faultline=${FAULTLINE:-build/app/faultline}
paths=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --runs-dir) runs_dir="$2"; shift 2 ;;
    --faultline) faultline="$2"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) paths+=("$1"); shift ;;
  esac
done
[ ${#paths[@]} -gt 0 ] || paths=(scenarios/jepsen)
[ -x "$faultline" ] || { echo "$0: $faultline: not an executable (build first, or --faultline)" >&2; exit 2; }

start=$(date +%s)
for ((r = 1; r <= rounds; r++)); do
  echo "=== soak round $r/$rounds ($(( $(date +%s) - start )) s so far)"
  "$faultline" run --runs-dir "$runs_dir" "${paths[@]}"
  status=$?
  if [ $status -ne 0 ]; then
    echo "=== soak: round $r failed (exit $status); the failing runs are under $runs_dir/ (seed in each scenario.yaml)"
    exit $status
  fi
done
echo "=== soak: $rounds rounds passed in $(( $(date +%s) - start )) s"
