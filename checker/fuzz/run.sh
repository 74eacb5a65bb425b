#!/usr/bin/env bash
# Bounded fuzz run of the history parsers: builds the libFuzzer targets in a separate clang tree
# (BUILD_FUZZ, default build-fuzz; the normal g++ build is untouched), then runs each target for
# FUZZ_SECONDS (default 15) on a scratch copy of its seed corpus (checker/fuzz/corpus; the
# committed seeds are never modified). Prints executions and findings per target; exit status 1 if
# any target found a crash, leak, timeout or out-of-memory input (kept under $BUILD_FUZZ/findings).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD_FUZZ:-build-fuzz}
seconds=${FUZZ_SECONDS:-15}
jobs=${JOBS:-2}
command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (apt-get install clang)"; exit 2; }
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DFL_FUZZ=ON -DFL_SANITIZE=address,undefined,fuzzer-no-link >/dev/null
cmake --build "$build" -j "$jobs" --target fuzz_json fuzz_edn fuzz_jepsen_log fuzz_auto fuzz_compact
status=0
mkdir -p "$build/findings"
for pair in json:json edn:edn jepsen_log:jepsen auto:all compact:compact; do
  target=${pair%%:*}
  seeds=${pair##*:}
  work=$(mktemp -d)
  if [ "$seeds" = all ]; then cp checker/fuzz/corpus/*/* "$work"/; else cp checker/fuzz/corpus/"$seeds"/* "$work"/; fi
  log="$build/findings/fuzz_$target.log"
  set +e
  # -timeout: one input taking 10 s is a finding (a check is bounded to 50 ms per model);
  # -rss_limit_mb: so is one needing 2 GB.
  UBSAN_OPTIONS=halt_on_error=1 "$build/checker/fuzz/fuzz_$target" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -max_len=4096 -artifact_prefix="$build/findings/$target-" \
    "$work" >"$log" 2>&1
  rc=$?
  set -e
  rm -rf "$work"
  runs=$(grep -Eo 'Done [0-9]+ runs' "$log" | grep -Eo '[0-9]+' || true)
  if [ "$rc" -eq 0 ]; then
    echo "fuzz_$target: ${runs:-?} executions in ${seconds} s, no crash"
  else
    echo "fuzz_$target: FINDING (exit $rc); see $log and $build/findings/$target-*"
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 || true
    status=1
  fi
done
exit $status
