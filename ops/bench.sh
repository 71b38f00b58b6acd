#!/usr/bin/env bash
# Runs the benchmark suite (src/EvidenceHub.Benchmarks, Release) against the checkout's private PostgreSQL: the real hub
# on Kestrel with mutual TLS beside raw Marten and raw PostgreSQL on the same data, ratios from one run. Prints a
# Markdown table on stdout (progress on stderr) and writes .data/bench/results.json and .data/bench/results.md.
#
#   ops/bench.sh             the issue's sizes (100,000 commands, 1,000,000 identifiers, ...): tens of minutes on 2 cores
#   ops/bench.sh --quick     sizes scaled down about 100×, for CI: well under a minute once built; no timing assertions
#   extra arguments go to the benchmark, e.g. --only ingest,lookup or --keep-database
#
# Environment:
#   EVIDENCEHUB_BENCH_DB   server connection string on which each run creates (and drops) its own database; when set,
#                          no server is started
#   plus those of ops/postgres.sh
set -euo pipefail
# shellcheck source=ops/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_dotnet

if [ -z "${EVIDENCEHUB_BENCH_DB:-}" ]; then
  bash "$OPS/postgres.sh" start
  EVIDENCEHUB_BENCH_DB=$(bash "$OPS/postgres.sh" url evidencehub_bench)
  export EVIDENCEHUB_BENCH_DB
fi

OUT="$REPO/.data/bench"
# A build output of its own: a benchmark build never races a test build over the projects' shared bin/ and obj/.
BUILD="$OUT/build"
mkdir -p "$OUT"
cd "$REPO"
log "building src/EvidenceHub.Benchmarks (Release)"
dotnet build src/EvidenceHub.Benchmarks -c Release --artifacts-path "$BUILD" -nologo -v quiet >&2 || die "the benchmarks do not build"
DLL="$BUILD/bin/EvidenceHub.Benchmarks/release/EvidenceHub.Benchmarks.dll"
[ -f "$DLL" ] || die "built the benchmarks but found no $DLL"

# Exec'd, so that a signal reaches the benchmark itself and its exit code is this script's.
exec dotnet "$DLL" --json "$OUT/results.json" "$@"
