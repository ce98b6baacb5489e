#!/usr/bin/env bash
# Installs Chromium for the example's browser test (example/browser_test.go),
# from Debian's "chromium" package, on a Debian machine as root. Safe to run
# again: it does nothing when chromium is already installed. With CI=true the
# browser test fails, rather than skips, when chromium is missing.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
	echo "browser.sh: $(chromium --version 2>/dev/null || echo chromium) already installed" >&2
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "browser.sh: run me as root (I install packages)" >&2
	exit 1
fi
echo "browser.sh: installing chromium" >&2
apt-get update >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2
chromium --version >&2
