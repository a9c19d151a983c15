#!/usr/bin/env bash
# Install Debian's Chromium (and a metric-compatible Arial substitute) for the
# Playwright browser tests in tests/browser/.
#
# Idempotent: exits 0 straight away when /usr/bin/chromium already exists.
# Never downloads a Playwright-managed browser (`playwright install` is not
# used); the tests launch /usr/bin/chromium via executable_path.
#
# Not root and chromium missing: prints instructions and exits 0 locally,
# exits 1 when CI=true (so CI fails loudly instead of skipping every test).
set -euo pipefail

CHROMIUM=/usr/bin/chromium
PACKAGES=(chromium fonts-liberation)

if [[ -x "$CHROMIUM" ]]; then
    echo "install-chromium: $CHROMIUM already present ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi

if [[ "$(id -u)" -eq 0 ]]; then
    echo "install-chromium: installing ${PACKAGES[*]} with apt-get"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}"
    if [[ ! -x "$CHROMIUM" ]]; then
        echo "install-chromium: apt-get finished but $CHROMIUM is still missing" >&2
        exit 1
    fi
    echo "install-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
    exit 0
fi

msg="install-chromium: $CHROMIUM not found and not running as root.
Install it with:  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${PACKAGES[*]}
(browser tests under tests/browser/ are skipped without it)"

if [[ "${CI:-}" == "true" ]]; then
    echo "$msg" >&2
    exit 1
fi
echo "$msg"
exit 0
