#!/usr/bin/env bash
# Ensures local PostgreSQL is up, PostGIS is installed, and the app + test databases exist with the extension.
# Idempotent and fast when everything is in place. Env: PGDATABASE_NAME (default geobatch).
set -euo pipefail

DB="${PGDATABASE_NAME:-geobatch}"
TEST_DB="geobatch_test"
LOCK_DIR="${GEOBATCH_CACHE:-$HOME/.cache/geobatch}"
PSQL=(psql -h 127.0.0.1 -p 5432 -U postgres -X -q -At -v ON_ERROR_STOP=1)
export PGOPTIONS="-c client_min_messages=warning" # hide "already exists, skipping" notices

log() { echo "[postgis] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

apt_busy() { ps -C apt,apt-get,aptitude,dpkg,unattended-upgr >/dev/null; }
apt_install() { # another apt/dpkg may be running (e.g. a background install): wait for it instead of failing
  local try
  for try in 1 2 3; do
    if apt_busy; then
      log "waiting for a running apt/dpkg to finish"
      while apt_busy; do sleep 2; done
    fi
    log "apt-get install $*"
    if apt-get -qq -o DPkg::Lock::Timeout=600 update >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get -qq -y -o DPkg::Lock::Timeout=600 install "$@" >&2; then
      return 0
    fi
    log "apt-get failed (attempt $try), retrying"; sleep 5
  done
  die "could not install $*"
}

pg_version() { find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n 1; }

# 1. PostgreSQL up
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  [[ -n "$(pg_version)" ]] || apt_install postgresql
  log "starting PostgreSQL $(pg_version)"
  pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main start || true # "already running" is fine
  for _ in $(seq 60); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  pg_isready -q -h 127.0.0.1 -p 5432 || die "PostgreSQL did not come up on 127.0.0.1:5432"
fi

# serialize concurrent runs (parallel test jobs) so CREATE DATABASE never races
mkdir -p "$LOCK_DIR"
exec 9>"$LOCK_DIR/postgis.lock"
flock -w 600 9 || die "timed out waiting for $LOCK_DIR/postgis.lock"

# 2. PostGIS available
if [[ -z "$("${PSQL[@]}" -d postgres -c "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")" ]]; then
  apt_install "postgresql-$(pg_version)-postgis-3"
  [[ -n "$("${PSQL[@]}" -d postgres -c "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")" ]] ||
    die "postgis still not available after install"
fi

# 3. databases + extension (CREATE EXTENSION IF NOT EXISTS is also safe for migrations to repeat)
dbs=("$DB")
[[ "$DB" == "$TEST_DB" ]] || dbs+=("$TEST_DB")
for db in "${dbs[@]}"; do
  if [[ -z "$("${PSQL[@]}" -d postgres -v db="$db" <<<"SELECT 1 FROM pg_database WHERE datname = :'db'")" ]]; then
    log "creating database $db"
    "${PSQL[@]}" -d postgres -v db="$db" <<<'CREATE DATABASE :"db" OWNER postgres'
  fi
  "${PSQL[@]}" -d "$db" -c 'CREATE EXTENSION IF NOT EXISTS postgis'
done
log "ready: $DB, $TEST_DB (postgis $("${PSQL[@]}" -d "$TEST_DB" -c "SELECT extversion FROM pg_extension WHERE extname = 'postgis'"))"
