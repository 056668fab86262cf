#!/usr/bin/env bash
# make bench: the load and speed figures the README reports.
#
#   1. sync push throughput through the real server on 127.0.0.1 with 1, 16
#      and 64 devices, against raw bbolt doing the same writes (fieldload bench);
#      then, on the queue those pushes filled, 200 callback claims against raw
#      bbolt moving a queue head the same way (claim p50/p99, server ÷ raw);
#   2. the photo upload pipeline against vipsthumbnail, and the same uploads
#      into an S3 bucket (a local versitygw) next to the local disk (photobench -s3);
#   3. one callback claim with a million pending tasks (BenchmarkClaim1M);
#   4. the server's peak RSS on a normal day of photo uploads next to a mix
#      of decompression bombs and big bodies (fieldload memmix, bound 512 MB).
#   5. a province's month (fieldload province-gen: BENCH_JOBS finished jobs
#      with callbacks and results, walkthroughs, spot checks, written in bulk
#      through the domains' write functions) and, on the real server, every report for a unit and the
#      province, the month's XLSX exports, push and claim latency against a
#      BENCH_SMALL_JOBS store, RSS while serving reports (province-bench);
#      then `fieldcheck rollups verify` and `rollups rebuild` on it, timed.
#
# Everything talks to 127.0.0.1 only and every step is bounded in time; it
# takes a few minutes. Figures are only comparable on a quiet machine: the
# load average is printed before each section so a noisy run shows.
#
#   BENCH_PHASE=8s     how long each fieldload phase runs (server, then raw)
#   BENCH_DEVICES=1,16,64
#   BENCH_PHOTOS=7     photobench iterations
#   BENCH_CLAIMS=2000  BenchmarkClaim1M iterations
#   BENCH_JOBS=1000000 province-gen size (~600 jobs/s on a quiet 2-core box,
#                      ~100 when it is shared: use a smaller size there)
#   BENCH_SMALL_JOBS=10000
#   BENCH_PROVINCE_DIR   reuse loaded data dirs ($DIR/big, $DIR/small) when set
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
PHASE=${BENCH_PHASE:-8s}
DEVICES=${BENCH_DEVICES:-1,16,64}
PHOTOS=${BENCH_PHOTOS:-7}
CLAIMS=${BENCH_CLAIMS:-2000}
JOBS=${BENCH_JOBS:-1000000}
SMALL_JOBS=${BENCH_SMALL_JOBS:-10000}

section() {
	echo
	echo "## $1"
	echo "($(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ))"
	echo
}

section "build"
mkdir -p bin
$GO build -o bin/fieldcheck .
$GO build -o bin/fieldload ./tools/fieldload
echo "bin/fieldcheck bin/fieldload ($($GO version | cut -d' ' -f3))"

section "sync push throughput and claim latency: server vs raw bbolt, $PHASE per phase"
timeout 900 ./bin/fieldload bench --bin ./bin/fieldcheck --devices "$DEVICES" --duration "$PHASE"

section "photo upload pipeline vs vipsthumbnail (photobench -n $PHOTOS)"
timeout 600 $GO run ./photos/cmd/photobench -n "$PHOTOS" -s3

section "callback claim with 1M pending tasks (BenchmarkClaim1M, ${CLAIMS}x)"
timeout 1200 $GO test ./callbacks -run '^$' -bench Claim1M -benchtime "${CLAIMS}x" -count 1

section "peak RSS: a normal day of photos vs decompression bombs and 20 MB bodies (fieldload memmix)"
timeout 900 ./bin/fieldload memmix --bin ./bin/fieldcheck --rss-mb 512

section "a province's month: $JOBS jobs (fieldload province-gen, province-bench)"
PV=${BENCH_PROVINCE_DIR:-}
if [ -z "$PV" ]; then
	PV=$(mktemp -d)
	trap 'rm -rf "$PV"' EXIT
fi
./bin/fieldload province-gen --data "$PV/big" --jobs "$JOBS"          # resumes or reuses a data dir already there
./bin/fieldload province-gen --data "$PV/small" --jobs "$SMALL_JOBS"
ls -l "$PV/big/fieldcheck.db" "$PV/small/fieldcheck.db"
timeout 3600 ./bin/fieldload province-bench --bin ./bin/fieldcheck --data "$PV/big" --jobs "$JOBS" --small "$PV/small" --small-jobs "$SMALL_JOBS"
echo
time ./bin/fieldcheck rollups verify --data "$PV/big" | tail -1
time ./bin/fieldcheck rollups rebuild --data "$PV/big" | tail -1
