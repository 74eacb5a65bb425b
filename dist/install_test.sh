#!/usr/bin/env bash
# The install, tested: `cmake --install` into a temporary staging directory (DESTDIR, prefix
# /opt/faultline), then the installed programs are run from there with no build tree on PATH and no
# $FAULTLINE_KVNODE, so only the installed files can be used.
#   install_test.sh BUILD_DIR VERSION [--run]
# Without --run: --version, validating the installed scenarios, the man pages and the completion.
# With --run: the installed faultline runs the installed 4-second example scenario with the
# installed kvnode (the only one it can find: faultline looks beside its own executable), and says
# clearly when that kvnode is missing.
set -euo pipefail
build=$1 version=$2 mode=${3:-}
stage=$(mktemp -d "${TMPDIR:-/tmp}/faultline-install-test.XXXXXX")
trap 'rm -rf "$stage"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DESTDIR=$stage cmake --install "$build" --prefix /opt/faultline >"$stage/install.log" ||
  { cat "$stage/install.log"; fail "cmake --install"; }
prefix=$stage/opt/faultline
bin=$prefix/bin share=$prefix/share
unset FAULTLINE_KVNODE
export PATH=/usr/local/bin:/usr/bin:/bin
cd "$stage"

for program in faultline kvnode kvctl; do
  [ -x "$bin/$program" ] || fail "$bin/$program not installed"
done

if [ "$mode" != --run ]; then
  out=$("$bin/faultline" --version)
  [ "$out" = "faultline $version" ] || fail "faultline --version said '$out', expected 'faultline $version'"

  scenario=$share/faultline/scenarios/examples/reliable-short.yaml
  [ -f "$scenario" ] || fail "$scenario not installed"
  "$bin/faultline" run --validate "$scenario" >/dev/null || fail "faultline run --validate $scenario"
  mapfile -t scenarios < <(find "$share/faultline/scenarios" -name '*.yaml' | sort)
  [ ${#scenarios[@]} -gt 20 ] || fail "only ${#scenarios[@]} scenarios installed"
  "$bin/faultline" run --validate "${scenarios[@]}" >/dev/null ||
    fail "faultline run --validate: an installed scenario is invalid"

  for program in faultline kvnode kvctl; do
    page=$share/man/man1/$program.1
    [ -s "$page" ] || fail "$page missing or empty"
    grep -q "^\.TH ${program^^} " "$page" || fail "$page has no .TH ${program^^} header"
    grep -q "$version" "$page" || fail "$page does not name version $version"
  done
  grep -q '^\.SS "faultline run"' "$share/man/man1/faultline.1" ||
    fail "faultline.1 has no section for 'faultline run'"

  # Outside a source tree, `faultline list` shows the installed scenarios.
  out=$(cd "$stage" && "$bin/faultline" list --tag demo) || fail "installed faultline list exited $?"
  [[ $out == *demo-memory-kill-all* ]] || fail "installed faultline list --tag demo gave: $out"

  for program in faultline kvctl; do
    completion=$share/bash-completion/completions/$program
    [ -s "$completion" ] || fail "$completion missing or empty"
  done
  # The completion, as bash runs it on Tab: subcommands, then a subcommand's options.
  complete_words() {
    PATH=$bin:$PATH bash -c 'source "$1"; shift
      COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _faultline; echo "${COMPREPLY[*]}"' \
      _ "$share/bash-completion/completions/faultline" "$@"
  }
  out=$(complete_words faultline "")
  for word in check run report list cluster; do
    [[ " $out " == *" $word "* ]] || fail "completing 'faultline ' gave '$out', no '$word'"
  done
  out=$(complete_words faultline run --s)
  [[ " $out " == *" --seed "* ]] || fail "completing 'faultline run --s' gave '$out', no --seed"
  out=$(complete_words faultline run --fail)
  [[ " $out " == *" --fail-fast "* ]] || fail "completing 'faultline run --fail' gave '$out', no --fail-fast"
  out=$(complete_words faultline cluster "")
  [[ " $out " == *" up "* ]] || fail "completing 'faultline cluster ' gave '$out', no up"
  out=$(complete_words faultline cluster up --no)
  [[ " $out " == *" --nodes "* ]] || fail "completing 'faultline cluster up --no' gave '$out', no --nodes"
  out=$(complete_words kvctl "")
  [[ " $out " == *" status "* ]] || fail "completing 'kvctl ' gave '$out', no status"
  echo "install ok: $prefix"
  exit 0
fi

scenario=$share/faultline/scenarios/examples/reliable-short.yaml
status=0
"$bin/faultline" run --quiet --runs-dir "$stage/runs" "$scenario" || status=$?
[ $status = 0 ] || fail "installed faultline run $scenario exited $status"
[ -s "$stage/runs/latest/results.json" ] || fail "no results.json in $stage/runs/latest"
[ -s "$stage/runs/latest/report.html" ] || fail "no report.html in $stage/runs/latest"

# Without the kvnode beside it, the installed faultline finds none and says so (exit 2).
mv "$bin/kvnode" "$stage/kvnode.away"
status=0
err=$("$bin/faultline" run --runs-dir "$stage/runs" "$scenario" 2>&1) || status=$?
[ $status = 2 ] || fail "with no kvnode installed, faultline run exited $status (expected 2): $err"
[[ $err == *kvnode* ]] || fail "with no kvnode installed, the error does not name kvnode: $err"
echo "installed run ok"
