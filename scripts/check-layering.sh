#!/usr/bin/env bash
# Fails when a folder includes a header from a folder it must not depend on (see docs/architecture.md).
set -u
root=${1:-.}
cd "$root"
status=0
check() {  # check <folder> <forbidden include prefix>...
  local dir=$1; shift
  [ -d "$dir" ] || return 0
  for bad in "$@"; do
    hits=$(grep -rnE "#include \"$bad/" "$dir" --include='*.h' --include='*.cc' 2>/dev/null)
    if [ -n "$hits" ]; then
      echo "layering violation: $dir must not include $bad/:"; echo "$hits"; status=1
    fi
  done
}
check common cluster checker harness sim app
check cluster/raft cluster/kv cluster/node cluster/client cluster/wire checker harness sim app
check cluster/kv cluster/raft cluster/node cluster/client checker harness sim app
check cluster/wire cluster/raft cluster/node cluster/client checker harness sim app
check cluster/node cluster/client checker harness sim app
check cluster/client cluster/raft cluster/kv cluster/node checker harness sim app
check checker cluster harness sim app
check harness cluster/raft cluster/kv cluster/node sim app
check sim app
[ $status = 0 ] && echo "layering ok"
exit $status
