#!/usr/bin/env bash
# Private PostgreSQL and Redis for development and tests: `up`, `down`, `status`, `env`.
# Uses `docker compose` when a Docker engine answers, otherwise the machine's own binaries.
# Never used in production: there DATABASE_URL and REDIS_URL are given.
set -euo pipefail

PG_PORT="${JUMPGATE_PG_PORT:-54329}"
REDIS_PORT="${JUMPGATE_REDIS_PORT:-63799}"
# Shared by every checkout on this machine, so `up` from a second clone reuses the running services.
# Under /tmp because PostgreSQL runs as an unprivileged user who cannot enter a private home.
STATE="${JUMPGATE_SERVICES_DIR:-/tmp/jumpgate-services}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Two roles, as in production (docs/operations.md): `jumpgate` owns the schema and runs migrations
# (DATABASE_OWNER_URL); the server connects as `jumpgate_server` (DATABASE_URL), a member of the group
# `jumpgate_app` that migrations grant the server's rights to, which owns nothing and cannot cut the
# audit log. Passwords no log line would contain by chance: the logger redacts them wherever they appear.
APP_PASSWORD="jg-local-dev-5f1c"
SERVER_PASSWORD="jg-local-srv-8d2e"
OWNER_URL="postgres://jumpgate:${APP_PASSWORD}@127.0.0.1:${PG_PORT}/jumpgate"
APP_URL="postgres://jumpgate_server:${SERVER_PASSWORD}@127.0.0.1:${PG_PORT}/jumpgate"
ADMIN_URL="postgres://postgres:postgres@127.0.0.1:${PG_PORT}/postgres"
REDIS_URL_LOCAL="redis://127.0.0.1:${REDIS_PORT}"

log() { echo "[services] $*" >&2; }

docker_ok() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

pg_bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
    return
  fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

apt_install() {
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    log "missing $*; install it (e.g. apt-get install $*) and run again"
    exit 1
  fi
  log "installing $* with apt-get (not found on this machine; output in $STATE/apt.log)"
  mkdir -p "$STATE"
  # apt and dpkg are chatty even with -qq; keep their output in a file and show it only on failure.
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } >"$STATE/apt.log" 2>&1; then
    tail -n 30 "$STATE/apt.log" >&2
    log "apt-get install $* failed"
    exit 1
  fi
}

# The unprivileged user PostgreSQL runs as: PostgreSQL refuses to run as root.
pg_user() {
  if [ "$(id -u)" != "0" ]; then id -un; elif id postgres >/dev/null 2>&1; then echo postgres; else echo nobody; fi
}

as_pg() {
  local u
  u=$(pg_user)
  if [ "$(id -u)" = "0" ]; then
    runuser -u "$u" -- "$@"
  else
    "$@"
  fi
}

pid_alive() { [ -f "$1" ] && kill -0 "$(head -n 1 "$1")" 2>/dev/null; }

pg_ready() { "$(pg_bindir)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; }

redis_ready() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/${REDIS_PORT}" && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG) 2>/dev/null
  fi
}

wait_for() {
  local what=$1 check=$2 i
  for i in $(seq 1 100); do
    if $check; then return 0; fi
    sleep 0.2
  done
  log "$what did not become ready; see $STATE/*.log"
  exit 1
}

roles_sql() {
  # Neither role is a superuser. The owner may create databases (the tests copy a migrated template).
  cat <<SQL
SELECT 'CREATE ROLE jumpgate LOGIN CREATEDB'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jumpgate') \gexec
ALTER ROLE jumpgate PASSWORD '${APP_PASSWORD}';
SELECT 'CREATE ROLE jumpgate_app NOLOGIN'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jumpgate_app') \gexec
SELECT 'CREATE ROLE jumpgate_server LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jumpgate_server') \gexec
ALTER ROLE jumpgate_server PASSWORD '${SERVER_PASSWORD}';
SET client_min_messages = warning;
GRANT jumpgate_app TO jumpgate_server;
-- The owner may end the server role's sessions (DROP DATABASE … WITH (FORCE) of a test database);
-- never the other way round: the server's role must not act as the owner.
GRANT jumpgate_server TO jumpgate;
SELECT 'CREATE DATABASE jumpgate OWNER jumpgate'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'jumpgate') \gexec
SQL
}

pg_ensure_roles() {
  roles_sql | PGPASSWORD=postgres "$(pg_bindir)/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null
}

pg_up() {
  local bin data
  bin=$(pg_bindir || true)
  if [ -z "$bin" ]; then
    apt_install postgresql
    bin=$(pg_bindir)
  fi
  data="$STATE/pg"
  if pid_alive "$data/postmaster.pid"; then
    pg_ensure_roles
    log "PostgreSQL already running on port $PG_PORT"
    return
  fi
  mkdir -p "$STATE"
  chmod 755 "$STATE"
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    mkdir -p "$data"
    chown "$(pg_user)" "$data" 2>/dev/null || true
    chmod 700 "$data"
    local pw="$STATE/.pgpass-init"
    echo "postgres" >"$pw"
    chmod 644 "$pw"
    as_pg "$bin/initdb" -D "$data" -U postgres --pwfile="$pw" -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$STATE/initdb.log" 2>&1 \
      || as_pg "$bin/initdb" -D "$data" -U postgres --pwfile="$pw" -A scram-sha-256 -E UTF8 --locale=C >"$STATE/initdb.log" 2>&1
    rm -f "$pw"
    cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = ''
max_connections = 300
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi
  touch "$STATE/postgres.log"
  chown "$(pg_user)" "$STATE/postgres.log" 2>/dev/null || true
  as_pg "$bin/pg_ctl" -D "$data" -l "$STATE/postgres.log" -w -t 60 start >/dev/null
  wait_for PostgreSQL pg_ready
  pg_ensure_roles
  log "PostgreSQL up on 127.0.0.1:$PG_PORT (data in $data)"
}

pg_down() {
  local data="$STATE/pg"
  if pid_alive "$data/postmaster.pid"; then
    as_pg "$(pg_bindir)/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    log "PostgreSQL stopped"
  fi
}

redis_up() {
  if ! command -v redis-server >/dev/null 2>&1; then
    apt_install redis-server
  fi
  mkdir -p "$STATE/redis"
  if pid_alive "$STATE/redis.pid"; then
    log "Redis already running on port $REDIS_PORT"
    return
  fi
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --pidfile "$STATE/redis.pid" \
    --dir "$STATE/redis" --logfile "$STATE/redis.log" --save '' --appendonly no >/dev/null
  wait_for Redis redis_ready
  log "Redis up on 127.0.0.1:$REDIS_PORT"
}

redis_down() {
  if pid_alive "$STATE/redis.pid"; then
    local pid
    pid=$(head -n 1 "$STATE/redis.pid")
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$STATE/redis.pid"
    log "Redis stopped"
  fi
}

compose() { docker compose -f "$ROOT/docker-compose.yml" "$@"; }

print_env() {
  echo "DATABASE_URL=$APP_URL"
  echo "DATABASE_OWNER_URL=$OWNER_URL"
  echo "DATABASE_ADMIN_URL=$ADMIN_URL"
  echo "REDIS_URL=$REDIS_URL_LOCAL"
}

cmd="${1:-status}"
use_docker=false
if [ "${JUMPGATE_SERVICES:-auto}" = "docker" ] || { [ "${JUMPGATE_SERVICES:-auto}" = "auto" ] && docker_ok; }; then
  use_docker=true
fi

case "$cmd" in
  up)
    if $use_docker; then
      compose up -d --wait postgres redis >&2
      # A volume made before the server's role existed skipped today's init script: same roles here.
      roles_sql | compose exec -T postgres psql -q -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null
    else
      pg_up
      redis_up
    fi
    print_env
    ;;
  down)
    if $use_docker; then compose stop postgres redis >&2; else redis_down; pg_down; fi
    ;;
  status)
    if pg_ready; then echo "postgres: up (127.0.0.1:$PG_PORT)"; else echo "postgres: down"; fi
    if redis_ready; then echo "redis: up (127.0.0.1:$REDIS_PORT)"; else echo "redis: down"; fi
    ;;
  env)
    print_env
    ;;
  *)
    echo "usage: $0 up|down|status|env" >&2
    exit 2
    ;;
esac
