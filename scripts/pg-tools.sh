# Sourced by scripts/backup.sh and scripts/restore.sh: `pg_tool NAME` prints the path of PostgreSQL's NAME
# (pg_dump, pg_restore). $PG_BIN if set; else the newest Debian/Ubuntu install (/usr/lib/postgresql/<version>/bin:
# pg_dump must be at least the server's version, and a machine may have several); else NAME on the PATH.
pg_tool() {
  local name="$1" dir
  if [ -n "${PG_BIN:-}" ]; then
    echo "$PG_BIN/$name"
    return
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    if [ -x "$dir/$name" ]; then
      echo "$dir/$name"
      return
    fi
  done
  if command -v "$name" >/dev/null 2>&1; then
    command -v "$name"
    return
  fi
  echo "$name is not installed: install PostgreSQL's client tools (Debian: apt-get install postgresql-client)," \
       "or set PG_BIN to the folder that has it." >&2
  exit 1
}

require_database_url() {
  if [ -z "${DATABASE_URL:-}" ]; then
    echo "Set DATABASE_URL to the portal's database, as the portal has it (postgres://user:password@host:5432/name)." >&2
    exit 2
  fi
  case "$DATABASE_URL" in
    postgres://*|postgresql://*) ;;
    *) echo "DATABASE_URL is not a PostgreSQL database: backups are of PostgreSQL only." >&2; exit 2 ;;
  esac
}
