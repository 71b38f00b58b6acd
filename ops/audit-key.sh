#!/usr/bin/env bash
# The hub's log checkpoint key (ECDSA P-256): creates a development key if there is none, and publishes its public
# half, which is what anyone verifying a signed checkpoint needs. Prints the public key (PEM) and its key id
# (SHA-256 of the DER SubjectPublicKeyInfo, as GetLogCheckpoint's key_id) on stdout.
#
# Run the hub with Audit__SigningKeyPath pointing at the private key (the hub also creates a missing key itself).
# A production key belongs in a key store the database administrators cannot reach: checkpoints signed with a key
# an attacker holds prove nothing.
#
# Environment:
#   Audit__SigningKeyPath   the private key (default .data/audit/checkpoint-key.pem)
set -euo pipefail
# shellcheck source=ops/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KEY="${Audit__SigningKeyPath:-$REPO/.data/audit/checkpoint-key.pem}"
PUB="$(dirname "$KEY")/$(basename "$KEY" .pem).pub.pem"
command -v openssl >/dev/null 2>&1 || die "openssl is needed (apt-get install -y openssl)"

if [ ! -f "$KEY" ]; then
  mkdir -p "$(dirname "$KEY")"
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$KEY")
  log "created the checkpoint key $KEY"
fi
openssl pkey -in "$KEY" -pubout -out "$PUB"
log "public key: $PUB"
cat "$PUB"
printf 'key id: %s\n' "$(openssl pkey -pubin -in "$PUB" -outform DER | openssl dgst -sha256 -hex | sed 's/^.*= //')"
