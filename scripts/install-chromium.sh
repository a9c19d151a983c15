#!/usr/bin/env bash
# Debian's Chromium (and a metric-compatible Arial substitute) for the Playwright browser tests in tests/browser/.
# Never a Playwright-managed browser (`playwright install` is not used): the tests launch /usr/bin/chromium.
exec bash "$(dirname "$0")/install-debian-tool.sh" chromium /usr/bin/chromium chromium fonts-liberation
