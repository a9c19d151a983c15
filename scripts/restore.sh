#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh: scripts/restore.sh [--yes] FILE
#
# Into the database DATABASE_URL names, replacing what is there: every object in the dump is dropped first
# (--clean --if-exists), ownership is not restored (--no-owner: the objects belong to DATABASE_URL's user), and it
# is all one transaction (--single-transaction --exit-on-error): a restore that fails changes nothing. Stop the web,
# worker and beat processes first. Asks before replacing anything unless --yes is given.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/pg-tools.sh
source "$here/pg-tools.sh"
yes=no
if [ "${1:-}" = "--yes" ]; then
  yes=yes
  shift
fi
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
  echo "Usage: scripts/restore.sh [--yes] FILE (a backup made by scripts/backup.sh)" >&2
  exit 2
fi
require_database_url
file="$1"
database="${DATABASE_URL##*/}"
database="${database%%\?*}"
if [ "$yes" != yes ]; then
  if [ ! -t 0 ]; then
    echo "Restoring replaces everything in $database: pass --yes to do it without asking." >&2
    exit 2
  fi
  read -r -p "Replace everything in the database $database with $file? Type the database name to go on: " answer
  if [ "$answer" != "$database" ]; then
    echo "Nothing restored."
    exit 1
  fi
fi
pg_restore="$(pg_tool pg_restore)"
"$pg_restore" --clean --if-exists --no-owner --single-transaction --exit-on-error --dbname="$DATABASE_URL" "$file"
echo "Restored $file into $database."
