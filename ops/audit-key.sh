#!/usr/bin/env bash
# The hub's log checkpoint keys: the ECDSA P-256 key of the RFC 9162 tree heads and the Ed25519 key of the C2SP
# signed-note checkpoints. Creates development keys if there are none (0600), and publishes their public halves,
# which is what anyone verifying a signed checkpoint needs. Prints the ECDSA public key (PEM) and its key id
# (SHA-256 of the DER SubjectPublicKeyInfo, as GetLogCheckpoint's key_id), and the note key as a verifier key
# (vkey: <origin>+<hex key id>+<base64(0x01 || public key)>), both to pin in Audit:TrustedLogKeys.
#
# Run the hub with Audit__SigningKeyPath pointing at the private key (the hub also creates a missing key itself).
# A production key belongs in a key store the database administrators cannot reach: checkpoints signed with a key
# an attacker holds prove nothing.
#
# Environment:
#   Audit__SigningKeyPath       the ECDSA private key (default .data/audit/checkpoint-key.pem)
#   Audit__NoteSigningKeyPath   the Ed25519 private key (default: beside it, *.ed25519.pem)
#   Audit__LogOrigin            the log's origin line and note key name (default evidencehub.local/audit-log)
set -euo pipefail
# shellcheck source=ops/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KEY="${Audit__SigningKeyPath:-$REPO/.data/audit/checkpoint-key.pem}"
PUB="$(dirname "$KEY")/$(basename "$KEY" .pem).pub.pem"
NOTE_KEY="${Audit__NoteSigningKeyPath:-$(dirname "$KEY")/$(basename "$KEY" .pem).ed25519.pem}"
ORIGIN="${Audit__LogOrigin:-evidencehub.local/audit-log}"
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

if [ ! -f "$NOTE_KEY" ]; then
  mkdir -p "$(dirname "$NOTE_KEY")"
  (umask 077 && openssl genpkey -algorithm ed25519 -out "$NOTE_KEY")
  log "created the checkpoint note key $NOTE_KEY"
fi
RAW="$(mktemp)"
trap 'rm -f "$RAW"' EXIT
openssl pkey -in "$NOTE_KEY" -pubout -outform DER | tail -c 32 > "$RAW"
NOTE_KEY_ID="$({ printf '%s\n\001' "$ORIGIN"; cat "$RAW"; } | openssl dgst -sha256 -binary | head -c 4 | od -An -tx1 | tr -d ' \n')"
printf 'note key: %s+%s+%s\n' "$ORIGIN" "$NOTE_KEY_ID" "$({ printf '\001'; cat "$RAW"; } | base64 -w0)"
