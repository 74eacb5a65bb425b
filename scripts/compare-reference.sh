#!/usr/bin/env bash
# Prints the scenario table of the newest runs beside the reference run's figures from
# ../shared/spec/lab-tests.md ("The reference run, for comparison"): for every scenario file given
# (files or directories of *.yaml), the newest RUNS_DIR/<name>/<time>/results.json.
#   usage: scripts/compare-reference.sh [--runs-dir DIR] [--strict] SCENARIO.yaml|DIR...
# Needs jq. Exit status 0 (the table is informational; with --strict: only if every newest run
# passed, else 1); 2 on bad usage or a missing run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

runs_dir=runs
strict=0
paths=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs-dir) runs_dir="$2"; shift 2 ;;
    --strict) strict=1; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) paths+=("$1"); shift ;;
  esac
done
[ ${#paths[@]} -gt 0 ] || { echo "usage: $0 [--runs-dir DIR] SCENARIO.yaml|DIR..." >&2; exit 2; }
command -v jq >/dev/null || { echo "$0: needs jq (apt-get install -y jq)" >&2; exit 2; }

# The reference run: seconds, peers, messages, completed operations, by test number.
reference() {
  case "$1" in
    01) echo "15.5 5 4576 903" ;;   02|05|06|07|08) echo "- - - -" ;;
    03) echo "15.9 5 5884 1160" ;;  04) echo "19.2 5 3083 441" ;;
    09) echo "23.8 5 4501 765" ;;   10) echo "23.5 5 5692 974" ;;
    11) echo "22.2 5 4721 908" ;;   12) echo "22.5 5 5490 1033" ;;
    13) echo "26.5 5 3532 474" ;;   14) echo "29.7 5 6122 1060" ;;
    15) echo "32.9 5 2967 317" ;;   16) echo "35.0 7 8249 746" ;;
    *) echo "- - - -" ;;
  esac
}

files=()
while IFS= read -r f; do files+=("$f"); done < <(scenario_files "${paths[@]}")

printf '%-60s %-7s %7s %5s %9s %7s %8s | %7s %5s %9s %6s %7s\n' \
  scenario verdict seconds peers messages ops checker ref_s peers messages ops ops/ref
missing=0
failed=0
for f in "${files[@]}"; do
  name=$(scenario_name "$f")
  run=$(latest_run_dir "$runs_dir" "$name")
  if [ -z "$run" ] || [ ! -f "$run/results.json" ]; then
    printf '%-60s %-7s (no run in %s)\n' "$name" "-" "$runs_dir/$name"
    missing=1
    continue
  fi
  read -r verdict secs peers msgs ops checker < <(jq -r '
    [(if .error then "ERROR" elif .passed then "PASS" else "FAIL" end),
     (.figures.seconds * 10 | round / 10), .figures.peers, .figures.messages,
     .figures.completed_ops, (.figures.checker_seconds * 100 | round / 100)] | @tsv' "$run/results.json")
  read -r rs rp rm ro < <(reference "${name:0:2}")
  ratio="-"
  [ "$verdict" = PASS ] || failed=1
  [ "$ro" != "-" ] && ratio=$(awk -v a="$ops" -v b="$ro" 'BEGIN { printf "%.1fx", a / b }')
  printf '%-60s %-7s %7s %5s %9s %7s %7ss | %7s %5s %9s %6s %7s\n' \
    "$name" "$verdict" "$secs" "$peers" "$msgs" "$ops" "$checker" "$rs" "$rp" "$rm" "$ro" "$ratio"
done
[ $missing -eq 0 ] || exit 2
[ $strict -eq 0 ] || [ $failed -eq 0 ] || exit 1
exit 0
