#!/usr/bin/env bash
# Makes a PostgreSQL server on loopback available for the tests and prints its
# URL (the only line on stdout; progress goes to stderr). Idempotent: installs
# Debian's postgresql package when missing, creates and starts a cluster when
# none runs, and creates the role and database when missing. Run as root.
#
#   export APPINT_TEST_POSTGRES_URL="$(bash .ci/postgres.sh)"
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

role=appint
password=appint
database=appint
port=5432

log() { echo "postgres.sh: $*" >&2; }

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || ! command -v pg_ctlcluster >/dev/null 2>&1; then
  log "installing postgresql from Debian's packages"
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

# The newest installed major version (Debian 12: 15).
version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
  log "creating cluster $version/main"
  pg_createcluster "$version" main --port "$port" >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $3 }')

if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $4 }' | grep -q online; then
  log "starting cluster $version/main on port $port"
  # The package's default listen_addresses is localhost: loopback only.
  pg_ctlcluster "$version" main start >&2
fi

# Wait (bounded) until the server accepts connections.
for _ in $(seq 1 60); do
  if pg_isready -q -h 127.0.0.1 -p "$port"; then
    break
  fi
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p "$port" >&2

# psql as the postgres superuser, from a directory it may read.
psql_admin() { (cd / && runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -qtA "$@"); }

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != 1 ]; then
  log "creating role $role"
  psql_admin -c "CREATE ROLE $role LOGIN PASSWORD '$password'" >&2
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" != 1 ]; then
  log "creating database $database"
  psql_admin -c "CREATE DATABASE $database OWNER $role" >&2
fi

# pg_trgm answers SCIM substring filters; installed once, in public, so that
# the tests' schemas share it.
psql_admin -d "$database" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public" >&2

echo "postgres://$role:$password@127.0.0.1:$port/$database?sslmode=disable"
