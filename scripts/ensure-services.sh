#!/usr/bin/env bash
# Start PostgreSQL and Redis when they are installed but not running (CI runs on the same machine).
# Never fails on its own: the integration tests say clearly what is missing.
# Usage: ensure-services.sh [database ...]
set -u

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_open 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "Starting PostgreSQL..."
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  else
    echo "PostgreSQL is not installed here: integration tests will say so."
  fi
fi
if ! port_open 6379; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "Starting Redis..."
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
  else
    echo "Redis is not installed here: integration tests will say so."
  fi
fi
for _ in $(seq 1 20); do
  if port_open 5432 && port_open 6379; then break; fi
  sleep 0.5
done
# Databases named as arguments are created on 127.0.0.1 if missing (`make benchmark`: its own database).
for database in "$@"; do
  if command -v psql >/dev/null 2>&1 && port_open 5432 && ! psql -h 127.0.0.1 -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '${database}'" 2>/dev/null | grep -q 1; then
    echo "Creating database ${database}..."
    createdb -h 127.0.0.1 -U postgres "${database}" || true
  fi
done
exit 0
