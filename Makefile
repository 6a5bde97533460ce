# Front door for a fresh Debian 12 machine: every target installs what is
# missing first, so `make run` and `make test` work from a clean checkout.

JOBS   ?= $(shell nproc)
BUILD  ?= build
ASAN   ?= build-asan
FUZZB  ?= build-fuzz
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all deps build build-asan run run-dev test net-deps e2e-deps fuzz fuzz-run bench bench-evm bench-net clean

all: build

deps:
	@sh scripts/deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDURE_WERROR=ON

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN)/CMakeCache.txt: | deps
	cmake -S . -B $(ASAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DDURE_WERROR=ON -DDURE_SANITIZE=ON

build-asan: deps $(ASAN)/CMakeCache.txt
	cmake --build $(ASAN) -j $(JOBS)

# Starts a 4-node proof-of-work devnet on loopback (node 1's JSON-RPC on
# 127.0.0.1:8545), its nodes' LMDB data directories under DATADIR; extra
# flags in ARGS, e.g. ARGS="--miners 2". `make run-dev` starts the
# single-node dev chain (`dure dev`, like Anvil) on DEVDIR instead.
DATADIR ?= $(HOME)/.dure/devnet
DEVDIR ?= $(HOME)/.dure/dev
run: build
	./$(BUILD)/dure devnet -n 4 --datadir $(DATADIR) $(ARGS)

run-dev: build
	./$(BUILD)/dure dev --datadir $(DEVDIR) $(ARGS)

# Every CTest test in the release build, then the unit tests (and fuzz
# corpus replays) again under AddressSanitizer + UBSan.
test: build build-asan net-deps e2e-deps
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	ctest --test-dir $(ASAN) --output-on-failure -j $(JOBS) -L unit

# The independent devp2p implementation the network tests talk to, pinned
# by tests/net/package-lock.json.
net-deps: deps
	npm ci --prefix tests/net --no-audit --no-fund --loglevel=error

# The clients the dev node's end-to-end tests drive (ethers, viem, solc,
# Foundry's cast; a Hardhat project), pinned by the package-lock.json files
# of tests/e2e/dev and tests/e2e/hardhat, and Foundry's Anvil, the
# independent implementation the trace test compares dure's traces with
# step by step in the same run.
e2e-deps: deps
	npm ci --prefix tests/e2e/dev --no-audit --no-fund --loglevel=error
	npm ci --prefix tests/e2e/hardhat --no-audit --no-fund --loglevel=error

fuzz: deps
	cmake -S . -B $(FUZZB) $(CMAKE_GEN) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DDURE_WERROR=ON -DDURE_SANITIZE=ON -DDURE_FUZZ=ON
	cmake --build $(FUZZB) -j $(JOBS)

bench: build
	@for b in $(BUILD)/bench_*; do echo "== $$b"; $$b; done

# Every EVM benchmark in EVM_BENCHMARKS, each answer checked, timed against
# evmone's figures; extra flags in ARGS (e.g. ARGS="--run ^main/").
EVM_BENCHMARKS ?= ../shared/evm-benchmarks
# The network benchmarks: sync throughput from 4 seeders and from 1
# (ARGS="--blocks 2000" for a quick run), then block and transaction
# propagation on 16 nodes. Not tests: nothing here is timed by CTest.
bench-net: build net-deps
	python3 bench/net/sync.py --dure $(BUILD)/dure $(ARGS)
	node bench/net/propagation.mjs --dure $(BUILD)/dure

bench-evm: build
	./$(BUILD)/dure evm bench $(ARGS) $(EVM_BENCHMARKS)

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZB)

# Runs every libFuzzer target for FUZZ_SECONDS each (default 600), growing a
# scratch corpus seeded from fuzz/corpus/<name>.
FUZZ_SECONDS ?= 600
fuzz-run: fuzz
	@mkdir -p $(FUZZB)/corpus
	@for t in $(FUZZB)/fuzz_*; do n=$${t##*/fuzz_}; mkdir -p $(FUZZB)/corpus/$$n; \
		echo "== $$n ($(FUZZ_SECONDS)s)"; \
		$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(FUZZB)/corpus/$$n fuzz/corpus/$$n \
			2>&1 | grep -E 'stat::number_of_executed_units|stat::new_units_added|ERROR|SUMMARY' ; done
