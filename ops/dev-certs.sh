#!/usr/bin/env bash
# Development PKI for EvidenceHub: a CA, a server certificate for localhost, and one client certificate per sample
# unit (mTLS identities). Idempotent: keeps whatever is present and still valid, (re)makes only what is missing,
# expiring within 30 days, not issued by the current CA, or not matching its key.
#
#   ops/dev-certs.sh            writes into <repo>/.data/certs (override with EVIDENCEHUB_CERTS)
#
# Files: ca.crt ca.key, ca.crl (the CA's revocation list, empty, valid 30 days, remade when due within 7), server.crt
# server.key, and <unit>.crt <unit>.key <unit>.pfx (empty password) per sample unit (SAMPLE_UNITS in ops/lib.sh).
# Development only: the keys are unencrypted and nothing here belongs in production.
set -euo pipefail
# shellcheck source=ops/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CERTS="${EVIDENCEHUB_CERTS:-$REPO/.data/certs}"
case $CERTS in /*) ;; *) CERTS="$PWD/$CERTS" ;; esac
ORG="EvidenceHub dev"

command -v openssl >/dev/null 2>&1 || die "openssl not found (apt-get install -y openssl)"

(umask 022; mkdir -p "$CERTS")
take_lock "$CERTS/.lock"
TMP=$(mktemp -d "$CERTS/.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
umask 077   # private keys readable by their owner only

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
serial() { echo "0x$(openssl rand -hex 16)"; }

# Is $1.crt present, matching $1.key, valid for 30 more days and (unless it is the CA) issued by the current CA?
usable() {
  local base=$1
  [ -s "$base.crt" ] && [ -s "$base.key" ] || return 1
  openssl x509 -in "$base.crt" -noout -checkend $((30 * 24 * 3600)) >/dev/null 2>&1 || return 1
  [ "$(openssl x509 -in "$base.crt" -noout -pubkey 2>/dev/null)" = "$(openssl pkey -in "$base.key" -pubout 2>/dev/null)" ] || return 1
  [ "$base" = "$CERTS/ca" ] || openssl verify -CAfile "$CERTS/ca.crt" "$base.crt" >/dev/null 2>&1
}

# Writes key and certificate in the temp directory first and moves them in together, so an interrupted run never
# leaves a certificate next to a key it does not belong to.
install_pair() {
  local name=$1
  mv -f "$TMP/$name.key" "$CERTS/$name.key"
  mv -f "$TMP/$name.crt" "$CERTS/$name.crt"
  chmod 644 "$CERTS/$name.crt"
}

# Signs $TMP/$1.csr with the CA using the extension section in $2 (text).
sign() {
  local name=$1 ext=$2
  printf '%s\n' "$ext" >"$TMP/$name.ext"
  openssl x509 -req -in "$TMP/$name.csr" -CA "$CERTS/ca.crt" -CAkey "$CERTS/ca.key" -set_serial "$(serial)" \
    -days 825 -sha256 -extfile "$TMP/$name.ext" -out "$TMP/$name.crt" 2>/dev/null
}

made=0
if ! usable "$CERTS/ca"; then
  log "creating the development CA (ca.crt, ca.key)"
  new_key "$TMP/ca.key"
  openssl req -new -x509 -key "$TMP/ca.key" -sha256 -days 3650 -set_serial "$(serial)" \
    -subj "/C=NL/O=$ORG/CN=EvidenceHub Development CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$TMP/ca.crt"
  install_pair ca
  made=$((made + 1))
fi

if ! usable "$CERTS/server"; then
  log "creating server.crt / server.key (CN=localhost, SAN localhost, 127.0.0.1, ::1)"
  new_key "$TMP/server.key"
  openssl req -new -key "$TMP/server.key" -subj "/O=$ORG/CN=localhost" -out "$TMP/server.csr"
  sign server "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid"
  install_pair server
  made=$((made + 1))
fi

for entry in "${SAMPLE_UNITS[@]}"; do
  unit=${entry%%:*} rest=${entry#*:}
  country=${rest%%:*}
  if ! usable "$CERTS/$unit"; then
    log "creating client certificate $unit.crt / $unit.key (CN=$unit, O=$ORG, C=$country)"
    new_key "$TMP/$unit.key"
    openssl req -new -key "$TMP/$unit.key" -subj "/C=$country/O=$ORG/CN=$unit" -out "$TMP/$unit.csr"
    sign "$unit" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid"
    install_pair "$unit"
    made=$((made + 1))
  fi
  # PKCS#12 for .NET clients, empty password. AES-256 + SHA-256 MAC (the OpenSSL 3 defaults, spelled out): modern
  # .NET refuses the legacy RC2/3DES encodings. Only the leaf and its key, so loaders cannot pick the wrong entry.
  if [ ! -s "$CERTS/$unit.pfx" ] || [ "$CERTS/$unit.crt" -nt "$CERTS/$unit.pfx" ] || [ "$CERTS/$unit.key" -nt "$CERTS/$unit.pfx" ]; then
    openssl pkcs12 -export -in "$CERTS/$unit.crt" -inkey "$CERTS/$unit.key" -name "$unit" \
      -certpbe AES-256-CBC -keypbe AES-256-CBC -macalg sha256 -passout pass: -out "$TMP/$unit.pfx"
    mv -f "$TMP/$unit.pfx" "$CERTS/$unit.pfx"
    made=$((made + 1))
  fi
done

# The CA's certificate revocation list, which the hub checks (Identity:CrlPath). Empty: revoke a development
# certificate by deleting it (this script then issues a new one) or, to try revocation, with openssl ca -revoke.
crl_fresh() {
  local next
  [ -s "$CERTS/ca.crl" ] && [ "$CERTS/ca.crl" -nt "$CERTS/ca.crt" ] || return 1
  openssl crl -in "$CERTS/ca.crl" -CAfile "$CERTS/ca.crt" -noout >/dev/null 2>&1 || return 1
  next=$(openssl crl -in "$CERTS/ca.crl" -noout -nextupdate 2>/dev/null | sed 's/^nextUpdate=//')
  [ -n "$next" ] && [ $(( $(date -d "$next" +%s) - $(date +%s) )) -gt $((7 * 24 * 3600)) ]
}
if ! crl_fresh; then
  log "creating the CA's revocation list ca.crl (empty, valid for 30 days)"
  : >"$TMP/index.txt"
  printf '%X\n' "$(date +%s)" >"$TMP/crlnumber"
  cat >"$TMP/crl.cnf" <<EOF
[ ca ]
default_ca = dev
[ dev ]
database = $TMP/index.txt
crlnumber = $TMP/crlnumber
default_md = sha256
default_crl_days = 30
EOF
  openssl ca -config "$TMP/crl.cnf" -gencrl -keyfile "$CERTS/ca.key" -cert "$CERTS/ca.crt" -out "$TMP/ca.crl" 2>/dev/null \
    || die "openssl could not make the revocation list"
  mv -f "$TMP/ca.crl" "$CERTS/ca.crl"
  chmod 644 "$CERTS/ca.crl"
  made=$((made + 1))
fi

if [ "$made" -eq 0 ]; then
  log "development certificates are up to date in $CERTS"
else
  log "development certificates ready in $CERTS"
fi
