#!/usr/bin/env bash
# Runs the EvidenceHub gRPC hub in the foreground with mTLS on https://127.0.0.1:5443, against the checkout's private
# PostgreSQL and the development certificates. Extra arguments go to the hub itself.
#
# Production-shaped: the Production environment (no stack traces to callers, every secret required, TLS only), with
# this checkout's own development secrets, generated on first use under .data/ and never committed: the CA, server
# and unit certificates and the CA's revocation list (ops/dev-certs.sh), the blinding key (.data/secrets), the
# checkpoint signing key (.data/audit, made by the hub) and the password of the hub's database role, which is not a
# superuser (ops/postgres.sh hub-url).
#
# Environment:
#   ConnectionStrings__Marten  use this database instead of starting ops/postgres.sh
#   EVIDENCEHUB_PORT           hub port (default 5443)
#   EVIDENCEHUB_CERTS          certificate directory (default <repo>/.data/certs)
#   plus those of ops/postgres.sh; any Kestrel__* / Identity__* / Audit__* / ASPNETCORE_ENVIRONMENT already set is
#   kept, and so are Lookup__BlindingKeys__* and Units__* (then the sample ones are not added).
set -euo pipefail
# shellcheck source=ops/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_dotnet

if [ -z "${ConnectionStrings__Marten:-}" ]; then
  bash "$OPS/postgres.sh" start
  ConnectionStrings__Marten=$(bash "$OPS/postgres.sh" hub-url)
  export ConnectionStrings__Marten
fi

bash "$OPS/dev-certs.sh"
CERTS="${EVIDENCEHUB_CERTS:-$REPO/.data/certs}"
case $CERTS in /*) ;; *) CERTS="$PWD/$CERTS" ;; esac
PORT="${EVIDENCEHUB_PORT:-5443}"

# Only defaults: a value the caller set wins.
export Identity__TrustedCaPath="${Identity__TrustedCaPath:-$CERTS/ca.crt}"
export Identity__CrlPath="${Identity__CrlPath:-$CERTS/ca.crl}"
export Kestrel__Endpoints__Grpc__Url="${Kestrel__Endpoints__Grpc__Url:-https://127.0.0.1:$PORT}"
export Kestrel__Endpoints__Grpc__Protocols="${Kestrel__Endpoints__Grpc__Protocols:-Http2}"
export Kestrel__Endpoints__Grpc__Certificate__Path="${Kestrel__Endpoints__Grpc__Certificate__Path:-$CERTS/server.crt}"
export Kestrel__Endpoints__Grpc__Certificate__KeyPath="${Kestrel__Endpoints__Grpc__Certificate__KeyPath:-$CERTS/server.key}"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Production}"
# The key that signs the audit log's checkpoints: made by the hub on first start, kept across restarts.
export Audit__SigningKeyPath="${Audit__SigningKeyPath:-$REPO/.data/audit/checkpoint-key.pem}"

# Settings whose names are not shell variable names (unit ids have dashes) go to the hub through env(1).
HUB_SETTINGS=()
if ! env | grep -q '^Lookup__BlindingKeys__'; then
  BLINDING_KEY="$REPO/.data/secrets/blinding-key-dev1"
  command -v openssl >/dev/null 2>&1 || die "openssl not found (apt-get install -y openssl)"
  ensure_secret "$BLINDING_KEY" openssl rand -base64 32
  HUB_SETTINGS+=("Lookup__BlindingKeys__dev1=$(cat "$BLINDING_KEY")" "Lookup__CurrentBlindingKey=dev1")
fi
if ! env | grep -q '^Lookup__OprfKeys__'; then
  OPRF_SEED="$REPO/.data/secrets/oprf-key-dev1"
  command -v openssl >/dev/null 2>&1 || die "openssl not found (apt-get install -y openssl)"
  ensure_secret "$OPRF_SEED" openssl rand -base64 32
  HUB_SETTINGS+=("Lookup__OprfKeys__dev1=$(cat "$OPRF_SEED")" "Lookup__CurrentOprfKey=dev1")
fi
if [ -z "${Erasure__PseudonymSecret:-}" ]; then
  PSEUDONYM_SECRET="$REPO/.data/secrets/pseudonym-secret"
  command -v openssl >/dev/null 2>&1 || die "openssl not found (apt-get install -y openssl)"
  ensure_secret "$PSEUDONYM_SECRET" openssl rand -base64 32
  export Erasure__PseudonymSecret="$(cat "$PSEUDONYM_SECRET")"
fi
if ! env | grep -q '^Units__'; then
  for entry in "${SAMPLE_UNITS[@]}"; do
    unit=${entry%%:*} rest=${entry#*:}
    HUB_SETTINGS+=("Units__${unit}__Country=${rest%%:*}")
    i=0
    IFS=, read -ra roles <<<"${rest#*:}"
    for role in "${roles[@]}"; do HUB_SETTINGS+=("Units__${unit}__Roles__$i=$role"); i=$((i + 1)); done
  done
fi

cd "$REPO"
# Build, then exec the built hub rather than `exec dotnet run`: dotnet run passes neither SIGTERM nor SIGINT on to
# the app it starts (only a terminal's Ctrl+C, which reaches both), so a supervisor, `timeout` or `kill` would leave
# the hub running. Exec'd, the hub itself gets the signal and shuts down cleanly.
log "building src/EvidenceHub.Hub (Release)"
dotnet build src/EvidenceHub.Hub -c Release -nologo -v quiet >&2 || die "the hub does not build"
HUB_DLL=$(dotnet msbuild src/EvidenceHub.Hub -nologo -p:Configuration=Release -getProperty:TargetPath)
[ -f "$HUB_DLL" ] || die "built the hub but found no $HUB_DLL"

# Relative paths in the "how to reach it" block when the certificates live in the checkout: shorter to copy.
show=$CERTS
case $CERTS in "$REPO"/*) show=${CERTS#"$REPO"/} ;; esac
cat >&2 <<EOF

EvidenceHub hub (gRPC over HTTP/2 with mutual TLS)
  URL          ${Kestrel__Endpoints__Grpc__Url}
  environment  ${ASPNETCORE_ENVIRONMENT}
  database     ${ConnectionStrings__Marten}
  CA           $show/ca.crt   (trust this; it signs the server and the client certificates)
  clients      one certificate per sample unit (PEM .crt/.key, and .pfx with an empty password for .NET):
                 NL-TBKK        $show/NL-TBKK.crt  $show/NL-TBKK.key  $show/NL-TBKK.pfx
                 CA-RCMP-NCECC  $show/CA-RCMP-NCECC.crt  $show/CA-RCMP-NCECC.key  $show/CA-RCMP-NCECC.pfx
                 BE-FCCU        $show/BE-FCCU.crt  $show/BE-FCCU.key  $show/BE-FCCU.pfx
                 US-HSI-C3      $show/US-HSI-C3.crt  $show/US-HSI-C3.key  $show/US-HSI-C3.pfx
                 EU-AUDIT       $show/EU-AUDIT.crt  $show/EU-AUDIT.key  $show/EU-AUDIT.pfx   (auditor)
                 and, for the demo (evidencehub demo load): NL-ON-ZEDEN, DE-BKA, DE-LKA-NW, GB-NCA-CEOP, FR-OFMIN
  try it       grpcurl -cacert $show/ca.crt -cert $show/NL-TBKK.crt -key $show/NL-TBKK.key 127.0.0.1:$PORT list
               (run from $REPO)

EOF

# Same working directory (and so content root, for appsettings*.json) as `dotnet run` would use.
cd "$REPO/src/EvidenceHub.Hub"
exec env "${HUB_SETTINGS[@]}" dotnet "$HUB_DLL" "$@"
