#!/usr/bin/env bash
# Checks the wire contract with buf (buf.yaml at the repository root): `buf lint`, and `buf breaking` against the
# released contract, protos/released/evidencehub-v1.binpb. Fails on any finding. buf comes from npm, pinned, cached
# in .data/buf; nothing else is fetched (googleapis' status.proto and date.proto are in third_party/).
#   ops/protos.sh           lint + breaking
#   ops/protos.sh release   rebuild the released image from protos/ (on a release only: it becomes the new baseline)
set -euo pipefail
# shellcheck source=ops/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BUF_VERSION=1.75.0
RELEASED=protos/released/evidencehub-v1.binpb
CACHE="$REPO/.data/buf"
BUF="$CACHE/node_modules/.bin/buf"

if [ ! -x "$BUF" ] || [ "$("$BUF" --version)" != "$BUF_VERSION" ]; then
  command -v npm >/dev/null 2>&1 || die "npm is not installed (apt-get install -y npm); it brings buf"
  log "installing @bufbuild/buf@$BUF_VERSION into $CACHE"
  mkdir -p "$CACHE"
  npm install --prefix "$CACHE" --no-save --no-audit --no-fund --loglevel=error "@bufbuild/buf@$BUF_VERSION" >&2
fi

cd "$REPO"
if [ "${1:-}" = release ]; then
  "$BUF" build -o "$RELEASED"
  log "wrote $RELEASED: commit it with the release"
  exit 0
fi
"$BUF" lint || die "buf lint found the problems above"
"$BUF" breaking --against "$RELEASED" || die "protos/ breaks the released contract ($RELEASED): see above"
log "buf lint and buf breaking against $RELEASED: clean"
