#!/usr/bin/env bash
# Install a tool the tests drive from Debian's own packages (never a download from elsewhere):
#   scripts/install-debian-tool.sh NAME BINARY PACKAGE...
# Idempotent: exits 0 straight away when BINARY already exists. Not root and BINARY missing: prints how to
# install it and exits 0 locally (the tests that need it skip), exits 1 when CI=true (CI fails loudly).
set -euo pipefail

NAME=$1
BINARY=$2
shift 2
PACKAGES=("$@")

if [[ -x "$BINARY" ]]; then
    echo "install-$NAME: $BINARY already present"
    exit 0
fi

if [[ "$(id -u)" -eq 0 ]]; then
    echo "install-$NAME: installing ${PACKAGES[*]} with apt-get"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}"
    if [[ ! -x "$BINARY" ]]; then
        echo "install-$NAME: apt-get finished but $BINARY is still missing" >&2
        exit 1
    fi
    echo "install-$NAME: installed $BINARY"
    exit 0
fi

msg="install-$NAME: $BINARY not found and not running as root.
Install it with:  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${PACKAGES[*]}
(the tests that need it are skipped without it)"

if [[ "${CI:-}" == "true" ]]; then
    echo "$msg" >&2
    exit 1
fi
echo "$msg"
exit 0
