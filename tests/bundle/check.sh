#!/usr/bin/env bash
# Checks the Debian package `make bundle` built: the app and the CLI are installed side by side
# (the entries the app writes start `mcp-tray` from beside the app), and both run from there.
set -euo pipefail
deb=$(ls -t "${1:-target/release/bundle/deb}"/*.deb 2>/dev/null | head -1 || true)
[ -n "$deb" ] || { echo "bundle check: no .deb found (run make bundle)" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
app="$root/usr/bin/mcp-tray-app"
cli="$root/usr/bin/mcp-tray"
for f in "$app" "$cli"; do
  [ -x "$f" ] || { echo "bundle check: $(basename "$deb") has no executable /usr/bin/$(basename "$f")" >&2; exit 1; }
done
# The CLI links no GUI library and runs as installed.
"$cli" --version
if ldd "$cli" | grep -Eq 'webkit|gtk'; then
  echo "bundle check: the packaged CLI links a GUI library" >&2; exit 1
fi
# An entry written by the packaged CLI starts the packaged CLI; the app names the `mcp-tray`
# beside its own binary, which is this one.
home=$(mktemp -d)
trap 'rm -rf "$root" "$home"' EXIT
if ! env -u MCP_TRAY_BIN MCP_TRAY_HOME="$home/data" MCP_TRAY_CLAUDE_CONFIG="$home/claude_desktop_config.json" \
  "$cli" add docs --url https://example.com/mcp >/dev/null 2>"$home/add.err"; then
  echo "bundle check: the packaged CLI could not add a server:" >&2
  cat "$home/add.err" >&2; exit 1
fi
grep -q "\"$cli\"" "$home/claude_desktop_config.json" || {
  echo "bundle check: the entry does not start the packaged CLI:" >&2
  cat "$home/claude_desktop_config.json" >&2; exit 1; }
echo "bundle check: $(basename "$deb") installs mcp-tray-app and mcp-tray side by side ($(du -h "$deb" | cut -f1))"
