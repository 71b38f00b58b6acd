#!/usr/bin/env bash
# Loads the synthetic demo scenario (a sextortion ring across eight units, 120 victims in six countries, a handoff
# and a foreign partner's lookups) into a running hub. Run ops/run-hub.sh first, in another terminal.
# Safe to run again: every id is derived from the scenario, so a second run only replays.
#
#   ops/demo.sh [--seed N]        extra arguments go to `evidencehub demo load`
#
# Environment: EVIDENCEHUB_URL (default https://127.0.0.1:5443), EVIDENCEHUB_CERTS (default <repo>/.data/certs).
# Units without a certificate there, or unknown to the hub, are skipped and named (exit code 8).
set -euo pipefail
# shellcheck source=ops/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_dotnet
export EVIDENCEHUB_CERTS="${EVIDENCEHUB_CERTS:-$REPO/.data/certs}"
[ -f "$EVIDENCEHUB_CERTS/ca.crt" ] || die "no certificates in $EVIDENCEHUB_CERTS: run ops/run-hub.sh (or ops/dev-certs.sh) first"

log "building src/EvidenceHub.Cli (Release)"
dotnet build "$REPO/src/EvidenceHub.Cli" -c Release -nologo -v quiet >&2 || die "the client does not build"
CLI=$(dotnet msbuild "$REPO/src/EvidenceHub.Cli" -nologo -p:Configuration=Release -getProperty:TargetPath)

status=0
dotnet "$CLI" demo load "$@" || status=$?
log "the client: alias evidencehub='dotnet $CLI'; export EVIDENCEHUB_CERTS=$EVIDENCEHUB_CERTS; evidencehub --help"
exit "$status"
