#!/usr/bin/env bash
# A Python with pydantic and black (.functions-venv) to run Open WebUI functions and tools in
# the tests; prints its path. Does nothing when it is there.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.functions-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pydantic, black" >/dev/null 2>&1; then
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null
    python3 -m venv "$venv" >/dev/null
  fi
  if ! "$venv/bin/pip" install -q --disable-pip-version-check "pydantic>=2" black >/dev/null 2>"$venv.log"; then
    cat "$venv.log" >&2
    exit 1
  fi
  rm -f "$venv.log"
fi
echo "$PWD/$venv/bin/python"
