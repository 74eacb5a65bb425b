# Thin front for CMake. `make run` builds and runs the reference scenario suite; `make test` builds
# and runs the unit and process tests. Missing Debian packages are installed when run as root,
# otherwise the exact apt-get line is printed.
BUILD ?= build
JOBS ?= $(shell nproc)
PKGS := cmake g++ make pkg-config libzmq3-dev cppzmq-dev libyaml-cpp-dev libboost-dev \
        libboost-filesystem-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev \
        libgtest-dev libgmock-dev libbenchmark-dev jq help2man
SCENARIOS ?= scenarios/reference scenarios/reference/snapshots
PREFIX ?= /usr/local

.PHONY: all deps build test run demo soak ci-scenarios bench asan tsan format clean install

all: build

deps:
	@missing=$$(for p in $(PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing packages; run:"; echo "  sudo apt-get install -y $$missing"; exit 1; \
	  fi; \
	fi

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The reference suite (lab-tests.md parts A and B), then its table beside the reference run's figures
# (scripts/compare-reference.sh, needs jq). Exit status: faultline's (0 only if every check passed).
run: build
	@status=0; $(BUILD)/app/faultline run $(SCENARIOS) || status=$$?; \
	if command -v jq >/dev/null; then echo; echo "beside the reference run (lab-tests.md):"; \
	  scripts/compare-reference.sh --runs-dir runs $(SCENARIOS) || true; \
	else echo "(apt-get install jq to see the table beside the reference run's figures)"; fi; \
	exit $$status

# Runs that must FAIL: exit 0 only if every demo was caught with a violation or lost/duplicated data
# whose report names the offending operations (scripts/run-demos.sh, needs jq).
demo: build
	FAULTLINE=$(BUILD)/app/faultline scripts/run-demos.sh --runs-dir runs scenarios/demo

# The Jepsen set, round after round with fresh seeds (SOAK_ROUNDS, default 10); not part of CI.
soak: build
	FAULTLINE=$(BUILD)/app/faultline scripts/soak.sh --runs-dir runs scenarios/jepsen

# The CI gate after `make test`: the reference suite must pass, every demo must be caught.
# A run that ended in ERROR because a kvnode could not bind its port (a known harness race) is rerun
# once; the gate is then the newest run of every scenario (compare-reference.sh --strict).
ci-scenarios: build
	-$(BUILD)/app/faultline run --runs-dir runs/ci $(SCENARIOS)
	FAULTLINE=$(BUILD)/app/faultline scripts/rerun-bind-errors.sh --runs-dir runs/ci $(SCENARIOS)
	scripts/compare-reference.sh --strict --runs-dir runs/ci $(SCENARIOS)
	FAULTLINE=$(BUILD)/app/faultline scripts/run-demos.sh --runs-dir runs/ci scenarios/demo

bench: build
	$(BUILD)/bench/kvbench
	$(BUILD)/bench/checker_bench

asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFL_SANITIZE=address,undefined
	cmake --build build-asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j $(JOBS) -L unit

tsan: deps
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFL_SANITIZE=thread
	cmake --build build-tsan -j $(JOBS)
	ctest --test-dir build-tsan --output-on-failure -j $(JOBS) -L unit

# faultline, kvnode, kvctl, the scenarios, man pages and bash completion under PREFIX (DESTDIR for
# staging, as usual); see dist/CMakeLists.txt.
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

format:
	find common cluster checker harness app bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-asan build-tsan
