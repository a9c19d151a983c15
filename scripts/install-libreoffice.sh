#!/usr/bin/env bash
# Debian's LibreOffice, headless, for the tests that open the spreadsheets we write (the board pack) the way
# finance will: converted with `soffice --headless`, their formulas computed, then read back.
exec bash "$(dirname "$0")/install-debian-tool.sh" libreoffice /usr/bin/soffice libreoffice-calc-nogui
