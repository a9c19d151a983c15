#!/usr/bin/env bash
# Start PostgreSQL and Redis when they are installed but not running (CI runs on the same machine).
# Never fails on its own: the integration tests say clearly what is missing.
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
  if port_open 5432 && port_open 6379; then exit 0; fi
  sleep 0.5
done
exit 0
