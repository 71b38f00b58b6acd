#!/usr/bin/env bash
# Runs the whole test suite against the checkout's private PostgreSQL and closes with one line
# `N passed, N failed[, N skipped]` (what CI reads). Extra arguments go to `dotnet test` (e.g. --filter Cases).
#
# Environment:
#   EVIDENCEHUB_TEST_DB   connection string the tests derive their databases from; when set, no server is started
#   plus those of ops/postgres.sh
set -euo pipefail
# shellcheck source=ops/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_dotnet

if [ -z "${EVIDENCEHUB_TEST_DB:-}" ]; then
  bash "$OPS/postgres.sh" start
  EVIDENCEHUB_TEST_DB=$(bash "$OPS/postgres.sh" url evidencehub_test)
  export EVIDENCEHUB_TEST_DB
fi
log "EVIDENCEHUB_TEST_DB=$EVIDENCEHUB_TEST_DB"

RESULTS="$REPO/.data/test-results"
# Old results would be counted again: start from an empty results directory (it holds nothing else).
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

cd "$REPO"
# The TRX logger's own file names, not LogFileName=...: with several test projects one fixed name is overwritten by
# each in turn, and LogFilePrefix only adds a timestamp to the second; the default name gets a [n] suffix if taken.
# A hung test would otherwise hold CI until its time limit: a test still running after 20 minutes stops the test
# host and fails the run.
set +e
dotnet test EvidenceHub.sln -c Release \
  --logger trx \
  --results-directory "$RESULTS" \
  --blame-hang-timeout 20m --blame-hang-dump-type none \
  "$@"
rc=$?
set -e

# Sums the <Counters> of every TRX. Prints "passed failed skipped files".
count_trx() {
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$RESULTS" <<'PY'
import glob, os, sys, xml.etree.ElementTree as ET
passed = failed = skipped = files = 0
for path in glob.glob(os.path.join(sys.argv[1], "**", "*.trx"), recursive=True):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        continue
    for c in root.iter():
        if c.tag.split("}")[-1] != "Counters":
            continue
        n = lambda k: int(c.get(k, "0") or 0)
        files += 1
        passed += n("passed")
        failed += n("failed") + n("error") + n("timeout") + n("aborted")
        skipped += max(n("total") - n("executed"), 0)
print(passed, failed, skipped, files)
PY
  else
    # No python3: read the attributes of the <Counters .../> element with grep and sed.
    local f attrs t e p=0 fl=0 s=0 files=0
    num() { local v; v=$(printf '%s' "$attrs" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"); echo "${v:-0}"; }
    while IFS= read -r -d '' f; do
      attrs=$(tr '\n' ' ' <"$f" | grep -o '<Counters [^>]*>' | head -n1 || true)
      [ -n "$attrs" ] || continue
      attrs=" ${attrs#<Counters}"
      files=$((files + 1))
      p=$((p + $(num passed)))
      fl=$((fl + $(num failed) + $(num error) + $(num timeout) + $(num aborted)))
      t=$(num total) e=$(num executed)
      [ "$t" -le "$e" ] || s=$((s + t - e))
    done < <(find "$RESULTS" -name '*.trx' -type f -print0)
    echo "$p $fl $s $files"
  fi
}

read -r passed failed skipped files < <(count_trx || true)
passed=${passed:-0} failed=${failed:-0} skipped=${skipped:-0} files=${files:-0}
if [ "$files" -eq 0 ]; then
  log "no test results were written (did the build fail?): counting the run as one failure"
  passed=0 failed=1 skipped=0
  [ "$rc" -ne 0 ] || rc=1
elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # E.g. a test host crash or a build error in one project: the results do not show it, the exit code does.
  log "dotnet test exited with $rc although no test failed in the results: counting that as one failure"
  failed=1
fi

line="$passed passed, $failed failed"
[ "$skipped" -eq 0 ] || line="$line, $skipped skipped"
echo "$line"
exit "$rc"
