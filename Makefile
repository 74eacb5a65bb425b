# Thin front for CMake. `make run` builds and runs the reference scenario suite; `make test` builds
# and runs the unit and process tests. Missing Debian packages are installed when run as root,
# otherwise the exact apt-get line is printed.
BUILD ?= build
JOBS ?= $(shell nproc)
PKGS := cmake g++ make pkg-config libzmq3-dev cppzmq-dev libyaml-cpp-dev libboost-dev \
        libboost-filesystem-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev \
        libgtest-dev libgmock-dev libbenchmark-dev libzstd-dev help2man
SCENARIOS ?= scenarios/reference scenarios/reference/snapshots
PREFIX ?= /usr/local

.PHONY: all deps build test run demo soak ci-scenarios bench asan tsan fuzz format clean install

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

# No test takes more than ~15 s alone: a test still running after TEST_TIMEOUT seconds is stuck,
# and fails with its output instead of holding CI up to its hard limit.
TEST_TIMEOUT ?= 300
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout $(TEST_TIMEOUT)

# The reference suite (lab-tests.md parts A and B), ending with the table beside the reference
# run's figures (each scenario's `reference:`). Exit status: faultline's (0 only if every check passed).
run: build
	$(BUILD)/app/faultline run --table $(SCENARIOS)

# Runs that must FAIL: each demo says which checks must fail (`expect: {fail: [...]}`); exit 0 only
# if every demo was caught, its report naming the offending operations or values.
demo: build
	$(BUILD)/app/faultline run scenarios/demo

# The Jepsen set, SOAK_ROUNDS (default 10) runs per scenario with fresh seeds; stops at the first
# failure and keeps only the failing runs' directories. Not part of CI.
SOAK_ROUNDS ?= 10
soak: build
	$(BUILD)/app/faultline run --repeat $(SOAK_ROUNDS) --fail-fast --keep-failed scenarios/jepsen

# The CI gate after `make test`: one invocation of the reference suite and the demos. It fails when a
# reference scenario fails or a demo is not caught (runs/ci/latest-summary/{summary.json,junit.xml}).
# No rerun: kvnodes listen on ipc endpoints the harness never has to pick (docs/architecture.md), so
# start-up cannot race. Two runs at a time (JOBS): a run mostly waits on its schedule (the whole
# suite used about 3.3 CPU-minutes, user and system, for some 7 minutes of runs), so the gate takes
# about half the time with the same verdicts.
ci-scenarios: build
	$(BUILD)/app/faultline run --table --jobs $(JOBS) --runs-dir runs/ci $(SCENARIOS) scenarios/demo

bench: build
	$(BUILD)/bench/kvbench
	$(BUILD)/bench/checker_bench

asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFL_SANITIZE=address,undefined
	cmake --build build-asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j $(JOBS) -L unit \
	  --timeout $$(( 3 * $(TEST_TIMEOUT) ))

tsan: deps
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFL_SANITIZE=thread
	cmake --build build-tsan -j $(JOBS)
	ctest --test-dir build-tsan --output-on-failure -j $(JOBS) -L unit --timeout $$(( 3 * $(TEST_TIMEOUT) ))

# faultline, kvnode, kvctl, the scenarios, man pages and bash completion under PREFIX (DESTDIR for
# staging, as usual); see dist/CMakeLists.txt.
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# The history parsers under libFuzzer, FUZZ_SECONDS (default 15) per target, in a separate clang
# tree (build-fuzz); needs clang. Exit status 1 if any input crashed (checker/fuzz/run.sh).
fuzz:
	BUILD_FUZZ=build-fuzz JOBS=$(JOBS) checker/fuzz/run.sh

format:
	find common cluster checker harness app bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz
