#!/usr/bin/env bash
# One command for a fresh machine: installs Bun (from npm) and the locked dependencies, then
#   scripts/run.sh         starts the server (SQLite in ./data, port 8080)
#   scripts/run.sh test    runs the test suite
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.bun/bin:$PATH"
command -v bun >/dev/null 2>&1 || npm install -g bun
bun install --frozen-lockfile >/dev/null
case "${1:-start}" in
  start) exec bun src/main.ts ;;
  test) exec bun run test ;;
  *) echo "usage: scripts/run.sh [start|test]" >&2; exit 2 ;;
esac
