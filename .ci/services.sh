#!/usr/bin/env bash
# Installs and starts the servers the store tests need, PostgreSQL and Redis,
# on loopback only, on a clean Debian machine as root. Safe to run again: it
# installs what is missing and starts what is stopped.
#
# It exports nothing itself. It prints, on stdout, the `export` lines the
# tests read, so the caller can do:
#
#	eval "$(.ci/services.sh)"
#
# Everything else (progress, apt output) goes to stderr.
set -euo pipefail

PG_PORT=5432
REDIS_PORT=6379
PG_DB=sessionkit
PG_USER=sessionkit
# A test-only credential for a server that listens on 127.0.0.1 alone.
PG_PASSWORD=${SESSIONKIT_PG_PASSWORD:-sessionkit-ci}

log() { echo "services.sh: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
	log "run me as root (I install packages and start servers)"
	exit 1
fi

# 1. Install what is missing.
if ! command -v redis-server >/dev/null 2>&1 || ! command -v pg_ctlcluster >/dev/null 2>&1 ||
	! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
	log "installing postgresql and redis-server"
	apt-get update >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql redis-server >&2
fi

# 2. PostgreSQL: the newest installed major version, cluster "main".
PG_VERSION=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
if [ ! -d "/etc/postgresql/$PG_VERSION/main" ]; then
	log "creating PostgreSQL $PG_VERSION cluster main"
	pg_createcluster -p "$PG_PORT" "$PG_VERSION" main >&2
fi
# Loopback only, on the expected port, with room for parallel tests: a
# conf.d file (Debian's postgresql.conf includes conf.d) overrides the
# defaults without editing postgresql.conf.
PG_CONF_DIR=/etc/postgresql/$PG_VERSION/main/conf.d
PG_CONF="listen_addresses = '127.0.0.1'
port = $PG_PORT
max_connections = 300"
changed=no
mkdir -p "$PG_CONF_DIR"
if [ "$(cat "$PG_CONF_DIR/sessionkit.conf" 2>/dev/null || true)" != "$PG_CONF" ]; then
	printf '%s\n' "$PG_CONF" >"$PG_CONF_DIR/sessionkit.conf"
	changed=yes
fi
if ! pg_ctlcluster "$PG_VERSION" main status >/dev/null 2>&1; then
	log "starting PostgreSQL $PG_VERSION on 127.0.0.1:$PG_PORT"
	pg_ctlcluster "$PG_VERSION" main start >&2
elif [ "$changed" = yes ]; then
	log "restarting PostgreSQL $PG_VERSION for the new settings"
	pg_ctlcluster "$PG_VERSION" main restart >&2
fi
for _ in $(seq 1 60); do
	if runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; then
		break
	fi
	sleep 0.5
done
runuser -u postgres -- pg_isready -h 127.0.0.1 -p "$PG_PORT" >&2

# Administration goes through the local socket as the postgres user (peer
# authentication in Debian's pg_hba.conf).
psql_admin() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres "$@"; }
# Role and database, created when missing. The password is set every time so
# that a changed SESSIONKIT_PG_PASSWORD takes effect.
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != 1 ]; then
	log "creating role $PG_USER"
	psql_admin -c "CREATE ROLE $PG_USER LOGIN"
fi
psql_admin -c "ALTER ROLE $PG_USER WITH LOGIN PASSWORD '$PG_PASSWORD'"
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]; then
	log "creating database $PG_DB"
	psql_admin -c "CREATE DATABASE $PG_DB OWNER $PG_USER"
fi

# 3. Redis: loopback only, no persistence (tests want a clean slate after a
# restart, and nothing here is worth keeping).
if [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)" != PONG ]; then
	log "starting Redis on 127.0.0.1:$REDIS_PORT"
	redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes \
		--save '' --appendonly no --daemonize yes \
		--logfile /var/log/redis/redis-server-sessionkit.log >&2
fi
for _ in $(seq 1 60); do
	if [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)" = PONG ]; then
		break
	fi
	sleep 0.5
done
[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping)" = PONG ]

echo "export SESSIONKIT_POSTGRES_DSN='postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB?sslmode=disable'"
echo "export SESSIONKIT_REDIS_ADDR='127.0.0.1:$REDIS_PORT'"
