# Shared helpers for the ops scripts. Sourced, not run: `. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"`.
# shellcheck shell=bash disable=SC2034

# The repository root, from this file's own location, so the scripts work from any working directory.
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
OPS="$REPO/ops"   # used by the scripts that source this file
SCRIPT_NAME="ops/$(basename "${BASH_SOURCE[1]:-$0}")"

# The sample units of a development checkout, as id:country:roles (roles comma-separated). ops/dev-certs.sh makes a
# client certificate for each; ops/run-hub.sh registers them with the hub. EU-AUDIT is the auditor, seated in Brussels;
# NL-HOSTER-1 a Dutch hosting party (role provider), which may only check hashes.
SAMPLE_UNITS=("NL-TBKK:NL:unit" "CA-RCMP-NCECC:CA:unit,partner" "BE-FCCU:BE:unit" "US-HSI-C3:US:partner" "EU-AUDIT:BE:auditor"
              "NL-ON-ZEDEN:NL:unit" "DE-BKA:DE:unit" "DE-LKA-NW:DE:unit" "GB-NCA-CEOP:GB:unit" "FR-OFMIN:FR:unit"
              "NL-HOSTER-1:NL:provider")

# Writes a development secret (the output of the command after the path) to a new file readable by its owner only,
# unless the file is already there. Created under umask 077 and moved into place, so it is never readable by others,
# not even for a moment, and never half-written.
ensure_secret() {
  local file=$1; shift
  [ -s "$file" ] && return 0
  (umask 077 && mkdir -p "$(dirname "$file")" && "$@" >"$file.tmp.$$" && mv -f "$file.tmp.$$" "$file") || die "could not create $file"
  log "created the development secret $file"
}

# Messages go to stderr so stdout stays clean for values other scripts capture (e.g. `postgres.sh url`).
log() { printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() { log "error: $*"; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Serialise concurrent runs of the same step (e.g. ops/test.sh and ops/run-hub.sh both starting PostgreSQL).
# The lock is held on fd 9 until the script exits.
take_lock() {
  local file=$1
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$file"
  flock -w 120 9 || die "another run holds $file for more than 2 minutes"
}

# Finds dotnet (also in the usual private install locations) and checks that a .NET 10 SDK is there.
require_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    local d
    for d in "${DOTNET_ROOT:-}" "$HOME/.dotnet" /usr/share/dotnet /usr/lib/dotnet /opt/dotnet; do
      if [ -n "$d" ] && [ -x "$d/dotnet" ]; then
        export PATH="$d:$PATH"
        break
      fi
    done
  fi
  if ! command -v dotnet >/dev/null 2>&1; then
    cat >&2 <<EOF
$SCRIPT_NAME: error: dotnet was not found. Install the .NET 10 SDK, for example on Debian 12 (as root):
  wget https://packages.microsoft.com/config/debian/12/packages-microsoft-prod.deb -O /tmp/packages-microsoft-prod.deb
  dpkg -i /tmp/packages-microsoft-prod.deb && apt-get update && apt-get install -y dotnet-sdk-10.0
or for the current user only:
  curl -sSL https://dot.net/v1/dotnet-install.sh | bash -s -- --channel 10.0 && export PATH="\$HOME/.dotnet:\$PATH"
EOF
    exit 1
  fi
  if ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
    log "error: dotnet is at $(command -v dotnet) but has no .NET 10 SDK (found: $(dotnet --list-sdks 2>/dev/null | cut -d' ' -f1 | tr '\n' ' '))"
    die "install the .NET 10 SDK (apt-get install -y dotnet-sdk-10.0, or dotnet-install.sh --channel 10.0)"
  fi
  # Quiet, non-interactive CLI: no banner, no telemetry prompt.
  export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
}
