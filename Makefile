# Ferry: `make run` starts everything on its embedded defaults; `make test` runs every test.
# Both install what is missing first (npm packages; nats-server from Debian's apt).

SHELL := /bin/bash
NODE ?= node
# dist/test/compat needs a Ceph cluster: `make test-compat` runs it.
TEST_FILES = $(shell find dist/test -name '*.test.js' -not -path 'dist/test/compat/*' | sort)
UNIT_FILES = $(shell find dist/test/unit -name '*.unit.test.js' | sort)
# Without --arrays/--objects/--oneofs: a handler's request holds only the fields that were sent (sanitizeMessage).
PROTO_TYPE_OPTIONS = --keepCase --longs=Number --enums=String --includeComments --grpcLib=@grpc/grpc-js --importFileExtension=.js

.PHONY: all deps nats-server openssl chromium build run test test-unit lint bench clean proto fuzz-xml fuzz-http

all: build

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# $(call apt-install,PROGRAM): installs the Debian package of that name with apt-get when PROGRAM is not on
# the PATH (nor in /usr/sbin), as root; otherwise says how and stops.
apt-install = @if ! command -v $(1) >/dev/null && [ ! -x /usr/sbin/$(1) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing $(1) with apt-get"; \
	    (apt-get install -y $(1) || (apt-get update && apt-get install -y $(1))) >/dev/null; \
	  else \
	    echo "$(1) is missing: install it with 'sudo apt-get install $(1)' (Debian) and run make again" >&2; exit 1; \
	  fi; \
	fi

nats-server:
	$(call apt-install,nats-server)

# The web console's browser tests (test/e2e/console.e2e.test.ts) drive Debian's chromium with playwright-core.
chromium:
	$(call apt-install,chromium)

# The tests make their certificate authorities with the openssl CLI (test/harness/testCertificates.ts).
openssl:
	$(call apt-install,openssl)

# The V8 flags every Ferry process starts with (services/nodeFlags.ts says why).
FERRY_NODE_FLAGS := --initial-old-space-size=64

deps: node_modules/.package-lock.json nats-server

# npm's build script also makes the CLI entry (package.json bin) executable, which a fresh dist/ needs for `npx ferry`.
build: deps
	npm run build --silent

# The API's TypeScript types (libs/api/generated), from proto/ by proto-loader's generator; committed, and
# test/unit/apiTypes.unit.test.ts fails when they are older than the proto. Run after changing the proto.
proto: deps
	rm -rf libs/api/generated
	npx proto-loader-gen-types $(PROTO_TYPE_OPTIONS) -I proto -I node_modules/google-proto-files -O libs/api/generated ferry/v1/jobs.proto
	@# Only ferry.v1's messages and service: the package index and google's descriptor types are not used.
	rm -rf libs/api/generated/jobs.ts libs/api/generated/google

run: build
	$(NODE) $(FERRY_NODE_FLAGS) dist/services/main.js --target all

test: build openssl chromium
	$(NODE) --test --test-concurrency=2 --test-reporter=spec $(TEST_FILES)

# Type-aware lint (eslint.config.js): no floating or misused promises, exhaustive switches, no any outside tests.
lint: deps
	npx eslint --max-warnings 0 .

test-unit: build openssl
	$(NODE) --test --test-reporter=spec $(UNIT_FILES)

# Every XML read (libs/s3/responseDocuments.ts) against generated and mutated S3 and STS answers
# (test/fuzz): prints each failing case's seed and input. `make test` runs 3,000 of these cases.
# make fuzz-xml FUZZ_ARGS='--seed 7 --count 1000000'; FUZZ_ARGS='--case <seed>' replays one case.
FUZZ_ARGS ?= --seed 1 --count 100000
fuzz-xml: build
	$(NODE) dist/test/fuzz/fuzzXml.js $(FUZZ_ARGS)

# Benchmarks: timing targets live here, not in tests. Run on a quiet machine.
bench: build
	$(NODE) dist/test/bench/copyEngine.bench.js --synthetic
	$(NODE) dist/test/bench/lister.bench.js 1000000
	$(NODE) dist/test/bench/lister.bench.js 1000000 --manifest
	$(NODE) dist/test/bench/rateLimit.bench.js --seconds 30
	$(NODE) dist/test/bench/replay.bench.js 1000000
	$(NODE) dist/test/bench/apiLoad.bench.js --rate 200 --seconds 30
	$(MAKE) bench-compare

clean:
	rm -rf dist

# The completion report writer on one run of 1,000,000 outcomes (issue 20 item 4): rows/s and the writer's
# peak RSS, which must not grow with the run. make bench-report REPORT_ARGS=100000 for a quick check.
REPORT_ARGS ?= 1000000
.PHONY: bench-report
bench-report: build
	$(NODE) dist/test/bench/completionReport.bench.js $(REPORT_ARGS)

# Side by side with rclone, a minimal SDK loop and the ceiling of Ferry's copy path (issues 11, 24):
# writes test/bench/RESULTS.md. For a quick check of the harness, without writing it:
# node dist/test/bench/compare/run.js --scale 0.05 --repeats 2 --datasets syn-4k,syn-4k-untagged
# (BENCH_COMPARE_ARGS=--datasets ... or --tools ... narrows make bench-compare). Run on a quiet machine.
BENCH_COMPARE_ARGS ?=
.PHONY: rclone bench-compare
rclone:
	$(call apt-install,rclone)

bench-compare: build rclone
	$(NODE) dist/test/bench/compare/run.js --write-results $(BENCH_COMPARE_ARGS)

# A million-object job through lister, copiers and projector on synthetic endpoints (issue 10):
# objects/s, peak RSS per process, peak JetStream store, messages per object, exact counts.
# make bench-scale SCALE_ARGS='--objects 100000 --copiers 3'; add --cluster for a 3-node JetStream cluster
# on loopback with replicas 3; --nats-profile PORT serves nats-server's Go pprof (deploy/CAPACITY.md). Run on a quiet machine.
SCALE_ARGS ?=
.PHONY: bench-scale
bench-scale: build
	$(NODE) dist/test/bench/scale.bench.js $(SCALE_ARGS)

# Differential fuzzing of Ferry's HTTP/1.1 response parser against node's llhttp (issue 23 item 8):
# prints every case the two read differently (seed, index, bytes as JSON) and fails if there is any.
# make fuzz-http SEED=7 COUNT=100000
SEED ?= 1
COUNT ?= 100000
.PHONY: fuzz-http
fuzz-http: build
	$(NODE) dist/test/fuzz/fuzzHttp.js --seed $(SEED) --count $(COUNT)

# Reliability suite (README "Reliability suite"): kills, broker failures and faulty storage over
# 5,000 objects per scenario; prints scenario | objects | result | lost | duplicated | time.
# make test-chaos CHAOS_ARGS='--objects 1000 --scenarios kill-copier,nats-restart'
.PHONY: test-chaos
test-chaos: build
	$(NODE) dist/test/chaos/run.js $(CHAOS_ARGS)

# Compatibility suite (README "Compatibility suite"): Ferry's copy suite against a throwaway
# single-node Ceph cluster (ceph-mon, memstore ceph-osd, radosgw) from Debian's packages.
CEPH_PACKAGES := ceph-mon ceph-osd radosgw ceph-common
COMPAT_FILES = $(shell find dist/test/compat -name '*.test.js' | sort)
.PHONY: ceph test-compat
ceph:
	@if ! command -v ceph-mon >/dev/null || ! command -v ceph-osd >/dev/null || ! command -v radosgw >/dev/null || ! command -v radosgw-admin >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing $(CEPH_PACKAGES) with apt-get"; \
	    (apt-get install -y --no-install-recommends $(CEPH_PACKAGES) || (apt-get update && apt-get install -y --no-install-recommends $(CEPH_PACKAGES))) >/dev/null; \
	  else \
	    echo "Ceph is missing: install it with 'sudo apt-get install --no-install-recommends $(CEPH_PACKAGES)' (Debian) and run make again" >&2; exit 1; \
	  fi; \
	fi

test-compat: build ceph openssl
	$(NODE) --test --test-reporter=spec $(COMPAT_FILES)

# The jobs page of the web console with 1,000 jobs in Chromium (issue 22): min/median/max of 5 loads,
# from navigation to the table drawn, at 50 and at 1,000 jobs a page. Run on a quiet machine.
.PHONY: bench-console
bench-console: build chromium
	$(NODE) dist/test/bench/console.bench.js
