#!/usr/bin/env bash
# A private PostgreSQL server for this checkout (never the system cluster, never port 5432).
#
#   ops/postgres.sh start        initialise if needed, start (idempotent), create database evidencehub
#   ops/postgres.sh stop         fast shutdown
#   ops/postgres.sh status       exit 0 when running, 3 when not
#   ops/postgres.sh url [DB]     print an Npgsql connection string; creates DB (default evidencehub) if missing
#   ops/postgres.sh hub-url [DB] the same for the hub's own role (evidencehub_hub, no superuser, password over TCP)
#
# Environment:
#   EVIDENCEHUB_PG_DATA   data directory (default: <repo>/.data/postgres)
#   EVIDENCEHUB_PG_PORT   TCP port on 127.0.0.1 (default: 55432)
set -euo pipefail
# shellcheck source=ops/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${EVIDENCEHUB_PG_PORT:-55432}"
DEFAULT_DB=evidencehub
# Inherited libpq settings must not redirect our psql calls to some other server.
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE PGOPTIONS PGDATA PGPASSWORD PGSSLMODE 2>/dev/null || true
export PGCONNECT_TIMEOUT=10

BIN=""        # directory holding initdb, pg_ctl, postgres
DATA=""       # data directory
RUN_AS=""     # OS user that runs the server; empty = the current user

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

if ! [[ "$PORT" =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
  die "EVIDENCEHUB_PG_PORT=$PORT is not a port number"
fi
[ "$PORT" != 5432 ] || die "refusing port 5432: that belongs to the system's PostgreSQL; pick another EVIDENCEHUB_PG_PORT"

major_of() { "$1/pg_ctl" --version 2>/dev/null | sed -n 's/^[^0-9]*\([0-9][0-9]*\).*/\1/p'; }

# Finds the server binaries. With an argument, only that major version will do (an existing cluster
# can only be run by the major version that created it).
find_bindir() {
  local want=${1:-} d cands=()
  [ -n "$want" ] && cands+=("/usr/lib/postgresql/$want/bin")
  if command -v pg_ctl >/dev/null 2>&1; then cands+=("$(dirname "$(readlink -f "$(command -v pg_ctl)")")"); fi
  # Newest installed version first.
  while IFS= read -r d; do cands+=("$d"); done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -V -r)
  for d in "${cands[@]}"; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] || continue
    if [ -n "$want" ] && [ "$(major_of "$d")" != "$want" ]; then continue; fi
    BIN=$d
    return 0
  done
  return 1
}

ensure_installed() {
  find_bindir && return 0
  if ! is_root; then
    die "PostgreSQL server binaries (initdb, pg_ctl) not found. Install them as root: apt-get update && apt-get install -y postgresql"
  fi
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL server binaries not found and no apt-get to install them; install PostgreSQL (initdb, pg_ctl) yourself"
  log "PostgreSQL server binaries not found: installing them (apt-get install -y postgresql)"
  # Noninteractive: CI has no stdin. Output to stderr so callers capturing stdout are not polluted.
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2 || die "apt-get update failed"
  apt-get install -y -q postgresql >&2 || die "apt-get install -y postgresql failed"
  find_bindir || die "installed the postgresql package but still cannot find initdb/pg_ctl under /usr/lib/postgresql/*/bin"
}

psql_bin() {
  if [ -x "$BIN/psql" ]; then echo "$BIN/psql"; return; fi
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/psql" ] && { echo "$d/psql"; return; }; done
  command -v psql 2>/dev/null || die "psql not found (apt-get install -y postgresql-client)"
}

# Runs a command as the server's OS user. cd / first: that user may not be able to read the caller's directory.
# fd 9 (our start lock) is closed so that the server does not inherit it and hold the lock for its lifetime.
as_server() {
  if [ -n "$RUN_AS" ]; then (cd / && runuser -u "$RUN_AS" -- "$@" 9>&-); else "$@" 9>&-; fi
}

# Can user $1 reach the nearest existing ancestor of $2? (test -d needs search permission on every directory on
# the way.) The directories below it are created by root with mode 0755.
user_can_reach() {
  local p
  p=$(dirname "$2")
  while [ ! -e "$p" ]; do p=$(dirname "$p"); done
  (cd / && runuser -u "$1" -- test -d "$p" -a -x "$p") 2>/dev/null
}

# Decides DATA and RUN_AS. Creates nothing, so status/url/stop have no side effects.
resolve_datadir() {
  local explicit=0 dir
  if [ -n "${EVIDENCEHUB_PG_DATA:-}" ]; then explicit=1; dir=$EVIDENCEHUB_PG_DATA; else dir="$REPO/.data/postgres"; fi
  case $dir in /*) ;; *) dir="$PWD/$dir" ;; esac
  DATA=${dir%/}
  RUN_AS=""
  is_root || return 0

  # PostgreSQL refuses to run as root. An existing cluster keeps its owner; a new one belongs to `postgres`.
  if [ -e "$DATA/PG_VERSION" ]; then
    RUN_AS=$(stat -c %U "$DATA")
    [ "$RUN_AS" != root ] || die "$DATA is owned by root; PostgreSQL cannot run it. Remove it or chown it to postgres."
  else
    RUN_AS=postgres
  fi
  id -u "$RUN_AS" >/dev/null 2>&1 || return 0   # no such user yet: start creates it, the path check follows there
  user_can_reach "$RUN_AS" "$DATA" && return 0

  [ "$explicit" -eq 0 ] || die "EVIDENCEHUB_PG_DATA=$DATA is not reachable by the '$RUN_AS' user, which must run the server (root may not)"
  # The checkout lives where the postgres user cannot go (e.g. under /root): use a per-checkout directory in /tmp.
  local hash
  hash=$(printf '%s' "$REPO" | sha256sum | cut -c1-12)
  DATA="/tmp/evidencehub-pg-$hash"
  if [ -e "$DATA/PG_VERSION" ]; then RUN_AS=$(stat -c %U "$DATA"); else RUN_AS=postgres; fi
  FALLBACK_NOTE="the '$RUN_AS' user cannot reach $REPO/.data/postgres, so the data directory is $DATA"
}
FALLBACK_NOTE=""

# Where the unix socket goes: inside the data dir, unless that path is too long for a socket (108 bytes).
socket_dir() {
  if [ $(( ${#DATA} + ${#PORT} + 12 )) -lt 100 ]; then
    echo "$DATA"
  else
    echo "/tmp/evidencehub-pg-sock-$(printf '%s' "$DATA" | sha256sum | cut -c1-12)"
  fi
}

# Prints the postmaster's pid if our server is running. A pid file alone proves nothing (the server may have been
# killed and the pid reused), so also require that the process's working directory is our data directory.
server_pid() {
  local pidfile="$DATA/postmaster.pid" pid cwd
  [ -r "$pidfile" ] || return 1
  pid=$(head -n1 "$pidfile" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || return 1
  [ "$cwd" = "$(readlink -f "$DATA")" ] || return 1
  echo "$pid"
}

server_port() { sed -n '4p' "$DATA/postmaster.pid" 2>/dev/null; }

psql_admin() {
  local port=$1; shift
  "$(psql_bin)" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres -tA "$@"
}

db_exists() { [ "$(psql_admin "$1" -c "SELECT 1 FROM pg_database WHERE datname = '$2'")" = 1 ]; }

ensure_db() {
  local db=$1 port
  port=$(server_port)
  [[ "$db" =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]] || die "database name '$db' must match [A-Za-z_][A-Za-z0-9_]*"
  db_exists "$port" "$db" && return 0
  # A concurrent caller may create it between our check and our CREATE: re-check before calling that an error.
  if ! psql_admin "$port" -c "CREATE DATABASE \"$db\"" 2>/dev/null; then
    db_exists "$port" "$db" || { sleep 1; db_exists "$port" "$db"; } || die "could not create database $db"
    return 0
  fi
  log "created database $db"
}

# Waits for processes still working in the data directory: backends orphaned by a killed postmaster keep its
# shared memory attached, and a second postmaster must never start next to them. Fails if they do not go away.
wait_for_orphans() {
  local real i p found=""
  real=$(readlink -f "$DATA")
  for i in $(seq 1 40); do
    found=""
    for p in /proc/[0-9]*; do
      [ "$(readlink "$p/cwd" 2>/dev/null)" = "$real" ] && found="$found ${p#/proc/}"
    done
    [ -n "$found" ] || return 0
    [ "$i" -eq 1 ] && log "waiting for leftover processes of a killed server to exit:$found"
    sleep 0.5
  done
  die "processes$found of a killed server still run in $DATA; stop them (kill$found) and retry"
}

# After a crash (kill -9, power loss) the lock files name a dead postmaster, or a zombie not yet reaped, or a pid
# already reused by an unrelated process; PostgreSQL then refuses to start. Once no process of ours is left in the
# data directory (so no one holds the old shared memory), the lock files are safe to remove.
clear_stale_locks() {
  local sock=$1 oldport f
  [ -e "$DATA/postmaster.pid" ] || return 0
  oldport=$(server_port)
  wait_for_orphans
  log "removing stale lock files of a server that is no longer running"
  for f in "$sock/.s.PGSQL.$PORT" "$sock/.s.PGSQL.$PORT.lock"; do rm -f "$f"; done
  if [ -n "$oldport" ] && [ "$oldport" != "$PORT" ]; then rm -f "$sock/.s.PGSQL.$oldport" "$sock/.s.PGSQL.$oldport.lock"; fi
  rm -f "$DATA/postmaster.pid"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

cmd_start() {
  ensure_installed
  if is_root && ! id -u postgres >/dev/null 2>&1; then
    log "creating the 'postgres' system user to run the server (PostgreSQL refuses to run as root)"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  resolve_datadir
  [ -z "$FALLBACK_NOTE" ] || log "note: $FALLBACK_NOTE"
  (umask 022; mkdir -p "$(dirname "$DATA")")
  take_lock "$DATA.start-lock"

  if [ -e "$DATA/PG_VERSION" ]; then
    local ver; ver=$(cat "$DATA/PG_VERSION")
    find_bindir "$ver" || die "$DATA was created by PostgreSQL $ver, whose binaries are not installed (apt-get install -y postgresql-$ver)"
  else
    if [ -e "$DATA" ] && [ -n "$(ls -A "$DATA" 2>/dev/null)" ]; then
      die "$DATA exists, is not empty and is not a PostgreSQL data directory; remove it or set EVIDENCEHUB_PG_DATA"
    fi
    [ -d "$DATA" ] || mkdir -m 700 "$DATA"
    if [ -n "$RUN_AS" ]; then
      chown "$RUN_AS:" "$DATA"
      as_server test -w "$DATA" || die "user $RUN_AS cannot write $DATA"
    fi
    # C.UTF-8 when the C library has it: byte-order sorting, but upper()/lower()/ILIKE work beyond ASCII.
    local loc=C out
    if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then loc=C.UTF-8; fi
    log "initialising a new cluster in $DATA (PostgreSQL $(major_of "$BIN"))"
    if ! out=$(as_server "$BIN/initdb" -D "$DATA" --auth-local=trust --auth-host=trust -U postgres -E UTF8 --locale="$loc" 2>&1); then
      printf '%s\n' "$out" >&2
      die "initdb failed"
    fi
  fi

  local pid
  if pid=$(server_pid); then
    local running_port; running_port=$(server_port)
    [ "$running_port" = "$PORT" ] || log "warning: already running on port $running_port, not $PORT; stop it first to change the port"
    ensure_db "$DEFAULT_DB"
    log "already running (pid $pid, port $running_port, data $DATA)"
    return 0
  fi

  local sock; sock=$(socket_dir)
  clear_stale_locks "$sock"
  if port_in_use "$PORT"; then
    die "127.0.0.1:$PORT is already taken by another process; set EVIDENCEHUB_PG_PORT to a free port"
  fi

  if [ "$sock" != "$DATA" ]; then
    [ -d "$sock" ] || mkdir -m 700 "$sock"
    [ -z "$RUN_AS" ] || chown "$RUN_AS:" "$sock"
  fi
  local logfile="$DATA/postgres.log"
  # Settings for tests and benchmarks on a small box: TCP on loopback only, socket in our own directory,
  # room for many test connections. Durability settings stay at their defaults (fsync on).
  local opts="-p $PORT -k '$sock' -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB"
  if ! as_server "$BIN/pg_ctl" -D "$DATA" -l "$logfile" -o "$opts" -w -t 60 start >/dev/null; then
    log "pg_ctl start failed; last lines of $logfile:"
    tail -n 20 "$logfile" >&2 2>/dev/null || true
    die "PostgreSQL did not start"
  fi
  ensure_db "$DEFAULT_DB"
  log "started on 127.0.0.1:$PORT (pid $(server_pid || echo '?'), data $DATA, log $logfile)"
}

cmd_stop() {
  find_bindir || { log "PostgreSQL is not installed; nothing to stop"; return 0; }
  resolve_datadir
  local pid
  if ! pid=$(server_pid); then
    log "not running (data $DATA)"
    return 0
  fi
  [ ! -e "$DATA/PG_VERSION" ] || find_bindir "$(cat "$DATA/PG_VERSION")" || true
  as_server "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
  log "stopped (was pid $pid)"
}

cmd_status() {
  if ! find_bindir; then echo "not installed (no initdb/pg_ctl found)"; exit 3; fi
  resolve_datadir
  local pid
  if pid=$(server_pid); then
    echo "running: pid $pid, 127.0.0.1:$(server_port), data $DATA"
    return 0
  fi
  if [ -e "$DATA/PG_VERSION" ]; then echo "stopped (data $DATA)"; else echo "not initialised (data $DATA)"; fi
  exit 3
}

cmd_url() {
  local db=${1:-$DEFAULT_DB}
  find_bindir || die "PostgreSQL is not installed; run: ops/postgres.sh start"
  resolve_datadir
  server_pid >/dev/null || die "the server is not running (data $DATA); run: ops/postgres.sh start"
  ensure_db "$db"
  echo "Host=127.0.0.1;Port=$(server_port);Username=postgres;Database=$db"
}

# The hub's own database role: no superuser, no CREATEDB or CREATEROLE; it may connect to and create schemas in its
# database only, because Marten creates and updates the hub's schema (evidencehub) at start-up, and it owns that
# schema. It signs in with a generated password (in a pgpass file under .data/secrets, never in the connection
# string), required by a pg_hba rule placed before initdb's development-only trust rules. Objects that an older run
# made as the superuser are handed over to it.
HUB_ROLE=evidencehub_hub
HUB_SCHEMA=evidencehub

psql_in() {
  local port=$1 db=$2; shift 2
  "$(psql_bin)" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$db" -tA "$@"
}

cmd_hub_url() {
  local db=${1:-$DEFAULT_DB} port pgpass password hba rule
  find_bindir || die "PostgreSQL is not installed; run: ops/postgres.sh start"
  resolve_datadir
  server_pid >/dev/null || die "the server is not running (data $DATA); run: ops/postgres.sh start"
  ensure_db "$db"
  port=$(server_port)
  take_lock "$DATA.role-lock"
  pgpass="$REPO/.data/secrets/postgres-hub.pgpass"
  ensure_secret "$pgpass" sh -c "printf '127.0.0.1:*:*:$HUB_ROLE:%s\n' \"\$(openssl rand -hex 24)\""
  password=$(cut -d: -f5 "$pgpass")

  psql_in "$port" postgres -v role="$HUB_ROLE" -v password="$password" >/dev/null <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'password';
SQL
  psql_in "$port" "$db" -v role="$HUB_ROLE" -v db="$db" -v schema="$HUB_SCHEMA" >/dev/null <<'SQL'
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, CREATE, TEMPORARY ON DATABASE :"db" TO :"role";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SELECT format('ALTER SCHEMA %I OWNER TO %I', nspname, :'role') FROM pg_namespace
 WHERE nspname = :'schema' AND pg_get_userbyid(nspowner) <> :'role' \gexec
SELECT format('ALTER TABLE %s OWNER TO %I', c.oid::regclass, :'role') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = :'schema' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND pg_get_userbyid(c.relowner) <> :'role' \gexec
SELECT format('ALTER SEQUENCE %s OWNER TO %I', c.oid::regclass, :'role') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = :'schema' AND c.relkind = 'S' AND pg_get_userbyid(c.relowner) <> :'role'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')) \gexec
SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, :'role') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = :'schema' AND pg_get_userbyid(p.proowner) <> :'role' \gexec
SQL

  hba="$DATA/pg_hba.conf"
  rule="host    all    $HUB_ROLE    127.0.0.1/32    scram-sha-256"
  if ! grep -qF "$rule" "$hba"; then
    { printf '# ops/postgres.sh: the hub'"'"'s role signs in with its password, never by trust\n%s\n' "$rule"; cat "$hba"; } >"$hba.new"
    chown --reference="$hba" "$hba.new"
    chmod --reference="$hba" "$hba.new"
    mv -f "$hba.new" "$hba"
    psql_admin "$port" -c "SELECT pg_reload_conf()" >/dev/null
    log "pg_hba.conf: $HUB_ROLE needs its password (scram-sha-256) on 127.0.0.1"
  fi
  echo "Host=127.0.0.1;Port=$port;Username=$HUB_ROLE;Database=$db;Passfile=$pgpass"
}

case "${1:-}" in
  start)  [ $# -eq 1 ] || usage; cmd_start ;;
  stop)   [ $# -eq 1 ] || usage; cmd_stop ;;
  status) [ $# -eq 1 ] || usage; cmd_status ;;
  url)    [ $# -le 2 ] || usage; cmd_url "${2:-}" ;;
  hub-url) [ $# -le 2 ] || usage; cmd_hub_url "${2:-}" ;;
  *)      usage ;;
esac
