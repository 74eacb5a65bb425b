#!/bin/sh
# Writes the man page of one of the installed programs with help2man (run at build time).
#   man-page.sh BIN_DIR PROGRAM VERSION SECTION_NAME OUT
# PROGRAM is run from BIN_DIR by its bare name, so the page says "faultline", not the build path.
# When the program has subcommands, each one's --help becomes a SUBCOMMANDS subsection.
set -eu
bin_dir=$1 program=$2 version=$3 name=$4 out=$5
PATH=$bin_dir:$PATH
export PATH
include=$out.include
: >"$include"
# CLI11 lists subcommands under "Subcommands:", one per line, indented by two spaces.
subcommands=$("$program" --help | awk '/^Subcommands:/ {s=1; next} s && /^  [a-z]/ {print $1} s && /^$/ {s=0}')
if [ -n "$subcommands" ]; then
  printf '[SUBCOMMANDS]\n' >>"$include"
  # section WORDS...: one subsection with `PROGRAM WORDS... --help`.
  section() {
    printf '.SS "%s %s"\n.nf\n' "$program" "$*" >>"$include"
    # roff: a backslash is \e; a line starting with . or ' needs \& before it.
    "$program" "$@" --help | sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" >>"$include"
    printf '.fi\n' >>"$include"
  }
  for sub in $subcommands; do
    section "$sub"
    # A subcommand's own subcommands (`faultline cluster up`) get their subsection too.
    for inner in $("$program" "$sub" --help | awk '/^Subcommands:/ {s=1; next} s && /^  [a-z]/ {print $1} s && /^$/ {s=0}'); do
      section "$sub" "$inner"
    done
  done
fi
printf '[SEE ALSO]\nfaultline(1), kvnode(1), kvctl(1); the README and docs/ of the faultline sources.\n' \
  >>"$include"
help2man --no-info --no-discard-stderr --version-string="$version" --name="$name" \
  --include="$include" --output="$out" "$program"
rm -f "$include"
