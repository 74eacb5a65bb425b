#!/usr/bin/env bash
# Fails when a folder includes a header from a folder it must not depend on (see docs/architecture.md).
set -u
root=${1:-.}
cd "$root"
status=0
excludes=()
check() {  # check <folder> <forbidden include prefix>...   (skips the folders in $excludes)
  local dir=$1; shift
  [ -d "$dir" ] || return 0
  for bad in "$@"; do
    hits=$(grep -rnE "#include \"$bad/" "$dir" --include='*.h' --include='*.cc' "${excludes[@]}" 2>/dev/null)
    if [ -n "$hits" ]; then
      echo "layering violation: $dir must not include $bad/:"; echo "$hits"; status=1
    fi
  done
}
check common cluster checker harness sim app
check cluster/raft cluster/kv cluster/node cluster/client cluster/wire checker harness sim app
check cluster/kv cluster/raft cluster/node cluster/client checker harness sim app
check cluster/wire cluster/kv cluster/node cluster/client checker harness sim app
check cluster/node checker harness sim app
# node_core_sim_test drives NodeCores with ClerkCores: a test above both cores, not node code.
excludes=(--exclude=node_core_sim_test.cc)
check cluster/node cluster/client
excludes=()
check cluster/client cluster/raft cluster/kv cluster/node checker harness sim app
check cluster/launch cluster/raft cluster/kv cluster/node checker harness sim app
check checker cluster harness sim app
check harness cluster/raft cluster/kv cluster/node sim app
# Inside harness/ (docs/architecture.md): sut is the seam and knows no user of it and no
# implementation; each folder points only down the list sut < scenario < record < nemesis <
# verdict < workload < run; run (the runner) knows no implementation of the seam, only its tests
# may pick one; net and process know nothing of the harness above them.
h=harness
above_sut="$h/scenario $h/record $h/nemesis $h/verdict $h/workload $h/run"
impl="$h/net $h/process $h/sut/process"
excludes=(--exclude-dir=process)
check $h/sut $above_sut $impl cluster checker sim app
excludes=()
check $h/sut/process $above_sut sim app
check $h/scenario $h/record $h/nemesis $h/verdict $h/workload $h/run $impl cluster checker sim app
check $h/record $h/scenario $h/nemesis $h/verdict $h/workload $h/run $h/sut $impl cluster sim app
check $h/nemesis $h/verdict $h/workload $h/run $impl cluster checker sim app
check $h/verdict $h/workload $h/run $impl cluster sim app
check $h/workload $h/nemesis $h/run $impl cluster checker sim app
excludes=(--exclude='*_test.cc')
check $h/run $impl cluster sim app
excludes=()
check $h/net $above_sut $h/sut $h/process cluster checker sim app
check $h/process $above_sut $h/sut checker sim app
check sim app
[ $status = 0 ] && echo "layering ok"
exit $status
