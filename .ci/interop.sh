#!/usr/bin/env bash
# Installs what the interop tests (interop/) need: the exact Better Auth and
# better-sqlite3 versions pinned in interop/package-lock.json. Needs Node.js
# 20+ and npm; better-sqlite3 compiles its native module when no prebuilt
# binary can be downloaded (python3, make and a C++ compiler then). Run it
# before `go test ./...` in CI, where CI=true turns a missing install into a
# test failure instead of a skip.
set -euo pipefail
cd "$(dirname "$0")/../interop"

if ! command -v node >/dev/null 2>&1; then
	echo "interop: node is not installed (Node.js 20+ is needed)" >&2
	exit 1
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
	echo "interop: Node.js $(node --version) is too old; 20+ is needed" >&2
	exit 1
fi

echo "== npm ci (interop/, node $(node --version))"
npm ci --no-audit --no-fund
node -e 'import("better-auth").then(() => import("better-sqlite3")).then(() => console.log("interop: better-auth and better-sqlite3 load"))'
