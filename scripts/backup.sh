#!/usr/bin/env bash
# Back up the portal's PostgreSQL database into one file: scripts/backup.sh [FILE]
#
# pg_dump's custom format (-Fc: compressed, every table, sequence and constraint; restored by scripts/restore.sh).
# Reads DATABASE_URL, as the portal does. FILE defaults to qipp-<date>T<time>.dump in the current folder. The dump
# is written beside FILE first and renamed when complete, so a failed backup never leaves a partial file behind.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/pg-tools.sh
source "$here/pg-tools.sh"
require_database_url
file="${1:-qipp-$(date +%Y-%m-%dT%H%M%S).dump}"
pg_dump="$(pg_tool pg_dump)"
partial="$file.partial"
trap 'rm -f "$partial"' EXIT
"$pg_dump" --format=custom --dbname="$DATABASE_URL" --file="$partial"
mv "$partial" "$file"
trap - EXIT
echo "Backed up to $file ($(wc -c < "$file") bytes)."
