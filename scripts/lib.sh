# Shared by the scripts in this folder (source it; it defines functions only).

# scenario_name FILE: the scenario's `name:`, or the file name without .yaml.
scenario_name() {
  local name
  name=$(sed -n 's/^name: *\([A-Za-z0-9_.-]*\).*/\1/p' "$1" | head -1)
  [ -n "$name" ] || name=$(basename "$1" .yaml)
  echo "$name"
}

# latest_run_dir RUNS_DIR NAME: the newest run directory of scenario NAME that has a results.json,
# or nothing. Run directories are UTC stamps, with -1, -2, ... for more runs in the same second;
# version order sorts those after the plain stamp (and -10 after -9).
latest_run_dir() {
  local d
  for d in $(ls -1d "$1/$2"/*/ 2>/dev/null | sed 's:/$::' | sort -V -r); do
    if [ -f "$d/results.json" ]; then echo "$d"; return 0; fi
  done
  return 0
}

# scenario_files PATH...: the scenario files named, directories expanded to their *.yaml (sorted,
# not recursive), one per line.
scenario_files() {
  local p
  for p in "$@"; do
    if [ -d "$p" ]; then find "$p" -maxdepth 1 -name '*.yaml' | sort; else echo "$p"; fi
  done
}
