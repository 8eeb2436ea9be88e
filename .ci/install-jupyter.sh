#!/usr/bin/env bash
# A Jupyter server (jupyter_server + ipykernel from PyPI) in .jupyter-venv for the code execution
# tests; prints the `jupyter` command to use. Does nothing when it is installed. Installing takes
# about 20 s; when it fails the Jupyter tests are skipped rather than failing CI.
set -uo pipefail
cd "$(dirname "$0")/.."
venv=.jupyter-venv
if [ ! -x "$venv/bin/jupyter" ]; then
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null
    python3 -m venv "$venv" >/dev/null 2>&1 || { rm -rf "$venv"; echo "no python3 venv: Jupyter tests will be skipped" >&2; exit 0; }
  fi
  if ! timeout 180 "$venv/bin/pip" install -q --disable-pip-version-check jupyter_server ipykernel >/dev/null 2>&1; then
    rm -rf "$venv"
    echo "could not install jupyter_server: Jupyter tests will be skipped" >&2
    exit 0
  fi
fi
echo "$PWD/$venv/bin/jupyter"
