# MCP Tray, in two commands:
#   make run    installs what is missing, builds the UI and the app, and starts the app
#   make test   installs what is missing, then fmt, clippy, Rust tests, UI check + tests, end-to-end
# Every install step checks first, so a second run goes straight to the build.
# Other targets: make app | cli | bundle | ui | e2e | bench | check-platforms | dev | deps | help

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

CARGO ?= cargo
NPM ?= npm
TARGET_DIR := $(abspath $(or $(CARGO_TARGET_DIR),target))
APP_BIN := $(TARGET_DIR)/debug/mcp-tray-app
export PATH := $(HOME)/.cargo/bin:$(PATH)
# CI builds from a fresh clone: incremental state would only be written, never reused, and it
# doubles the target folder (a CI run failed once with the disk full). Local builds keep it.
ifneq ($(CI),)
export CARGO_INCREMENTAL := 0
endif

TAURI_DRIVER_VERSION := 2.1.0
NEXTEST_VERSION := 0.9.143
NODE_MIN := 20.19
# Tauri's build dependencies, plus what the end-to-end test runs (Xvfb, WebKitWebDriver, D-Bus).
# gnome-keyring: the Secret Service the sign-in tests store tokens in.
APT_PACKAGES := build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev \
	libayatana-appindicator3-dev librsvg2-dev libxdo-dev file xvfb webkit2gtk-driver dbus python3-venv \
	gnome-keyring
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help run test deps system-deps toolchain tools peers ui app cli bundle e2e \
	fmt clippy nextest doctest ui-check bench check-platforms dev

help:
	@sed -n '2,6p' Makefile | sed 's/^# \{0,1\}//'

# ---------------------------------------------------------------- the two commands

run: app
	$(APP_BIN)

test: deps ui fmt clippy nextest doctest ui-check e2e

# ---------------------------------------------------------------- installing what is missing

deps: system-deps toolchain tools ui/node_modules/.package-lock.json tests/e2e/node_modules/.package-lock.json peers

system-deps:
	@if [ "$$(uname -s)" != Linux ]; then \
	  echo "system-deps: not Linux; see README for macOS/Windows prerequisites"; \
	elif ! command -v dpkg-query >/dev/null; then \
	  echo "system-deps: no apt here; install the equivalents of: $(APT_PACKAGES)"; \
	else \
	  missing=""; \
	  for p in $(APT_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	  done; \
	  if [ -n "$$missing" ]; then \
	    echo "system-deps: installing$$missing"; \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q; \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	  fi; \
	fi

# Compile-checks the app, core and CLI for Windows and macOS from Linux (neither can run here):
# every cfg(windows)/cfg(target_os = "macos") path is type-checked, warnings are errors. Not part
# of `make test`: it downloads two Rust targets.
.PHONY: check-platforms
check-platforms: toolchain
	rustup target add x86_64-pc-windows-gnu aarch64-apple-darwin
	@for p in gcc-mingw-w64-x86-64 clang; do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'install ok installed' \
	    || $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$$p"; \
	done
	RUSTFLAGS="-D warnings" $(CARGO) check --target x86_64-pc-windows-gnu \
	  -p mcp-tray-app -p mcp-tray-core -p mcp-tray --all-targets
	CC_aarch64_apple_darwin=clang \
	  CFLAGS_aarch64_apple_darwin="-ffreestanding -nostdlibinc -I$(CURDIR)/tests/platforms/macos-stubs" \
	  RUSTFLAGS="-D warnings" $(CARGO) check --target aarch64-apple-darwin \
	  -p mcp-tray-app -p mcp-tray-core -p mcp-tray --all-targets

toolchain:
	@command -v $(CARGO) >/dev/null || { echo "Rust is missing: install it from rustup (https://rustup.rs), then rerun"; exit 1; }
	@command -v node >/dev/null || { echo "Node.js >= $(NODE_MIN) is missing: install it, then rerun"; exit 1; }
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number),[x,y]="$(NODE_MIN)".split(".").map(Number);process.exit(a>x||(a===x&&b>=y)?0:1)' \
	  || { echo "Node.js $$(node -v) is too old: the UI build needs >= $(NODE_MIN)"; exit 1; }
	@if command -v rustup >/dev/null; then \
	  for c in rustfmt clippy; do rustup component list --installed 2>/dev/null | grep -q "^$$c" || rustup component add $$c; done; \
	fi

tools:
	@command -v cargo-nextest >/dev/null || $(CARGO) install cargo-nextest --locked --version $(NEXTEST_VERSION)
	@$(CARGO) install --list | grep -q "^tauri-driver v$(TAURI_DRIVER_VERSION):" \
	  || $(CARGO) install tauri-driver --locked --version $(TAURI_DRIVER_VERSION)

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && $(NPM) ci --no-audit --no-fund

tests/e2e/node_modules/.package-lock.json: tests/e2e/package-lock.json
	cd tests/e2e && $(NPM) ci --no-audit --no-fund

# Real MCP peers for the whole-system tests (tests/peers is optional until it exists).
peers:
	@if [ -f tests/peers/install.sh ]; then bash tests/peers/install.sh; fi

# ---------------------------------------------------------------- building

# Rebuilt only when a UI source changed: a fresh ui/dist makes cargo re-embed it into the app.
UI_SOURCES := $(shell find ui/src -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/svelte.config.js ui/package-lock.json
ui: ui/dist/.built
ui/dist/.built: ui/node_modules/.package-lock.json $(UI_SOURCES)
	$(NPM) --prefix ui run build
	touch $@

# The CLI too: the app writes and probes entries that start target/debug/mcp-tray beside it.
app: system-deps toolchain ui
	$(CARGO) build -p mcp-tray-app -p mcp-tray

cli: toolchain
	$(CARGO) build -p mcp-tray

# Installable packages (Linux: .deb and .rpm) with the CLI inside, beside the app: the entries the
# app writes start `mcp-tray` from there. tauri.bundle.json adds the CLI to tauri.conf.json for this
# build only (Tauri wants it to exist whenever the config names it). Then checks the .deb.
HOST_TRIPLE = $(shell rustc -vV | sed -n 's/^host: //p')
bundle: system-deps toolchain ui/node_modules/.package-lock.json
	$(CARGO) build --release -p mcp-tray
	mkdir -p binaries
	cp $(TARGET_DIR)/release/mcp-tray binaries/mcp-tray-$(HOST_TRIPLE)
	npx --yes @tauri-apps/cli@2.12.5 build --bundles deb,rpm --config tauri.bundle.json \
	  --config '{"build":{"beforeBuildCommand":{"script":"npm run build","cwd":"$(CURDIR)/ui"}}}'
	bash tests/bundle/check.sh $(TARGET_DIR)/release/bundle/deb

# Hot-reloading UI: Vite serves ui/ and the app loads it (no rebuild of Rust on UI edits).
dev: deps
	npx --yes @tauri-apps/cli@2.12.5 dev --config '{"build":{"devUrl":"http://127.0.0.1:5173","beforeDevCommand":{"script":"npm run dev","cwd":"$(CURDIR)/ui"}}}'

# ---------------------------------------------------------------- checks, in the order `make test` runs them

fmt:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

nextest:
	MCP_TRAY_REQUIRE_PEERS=1 $(CARGO) nextest run --workspace

doctest:
	$(CARGO) test --workspace --doc

ui-check: ui/node_modules/.package-lock.json
	$(NPM) --prefix ui run check
	$(NPM) --prefix ui test

# The real app under Xvfb through tauri-driver; screenshots go to docs/screenshots/.
e2e: app tests/e2e/node_modules/.package-lock.json tools
	@if [ "$$(uname -s)" = Linux ]; then MCP_TRAY_APP=$(APP_BIN) $(NPM) --prefix tests/e2e test; \
	else echo "e2e: Linux only for now (Xvfb + WebKitWebDriver); skipped on $$(uname -s)"; fi

# ---------------------------------------------------------------- benchmarks
# Each benchmark adds itself anywhere in this file:  BENCHES += bench-foo  and a `bench-foo:` rule.
# Reports go to docs/, each new run on top and the ones before under "Earlier runs"
# (tests/bench/record.py). With none registered, `make bench` says so and succeeds.
BENCHES :=

# The app at idle, side by side with a blank Tauri window (examples/blank_window.rs): memory of the
# whole process tree (WebKit included), CPU with the window open and after close hid it.
BENCHES += bench-app-idle
.PHONY: bench-app-idle
bench-app-idle: app tests/e2e/node_modules/.package-lock.json
	$(CARGO) build -p mcp-tray-app --example blank_window
	MCP_TRAY_APP=$(APP_BIN) node tests/e2e/measure-idle.mjs 8 10 3 | python3 tests/bench/record.py docs/bench-app-idle.md

# What keeping a server running costs the app with its window hidden (wake-ups, CPU), alternated
# with an app keeping nothing.
BENCHES += bench-kept-idle
.PHONY: bench-kept-idle
bench-kept-idle: app tests/e2e/node_modules/.package-lock.json
	MCP_TRAY_APP=$(APP_BIN) node tests/e2e/measure-kept-idle.mjs 10 20 3 | python3 tests/bench/record.py docs/bench-kept-idle.md

# The Traffic view's frame times with 100k messages loaded while 1k messages/s arrive, with and
# without WebKit's GL compositing; BASELINE_APP=<an older build> alternates it with this one.
BENCHES += bench-app-traffic
.PHONY: bench-app-traffic
bench-app-traffic: app tests/e2e/node_modules/.package-lock.json tools
	MCP_TRAY_APP=$(APP_BIN) node tests/e2e/compare-traffic.mjs 2 100000 1000 10 | python3 tests/bench/record.py docs/bench-app-traffic.md

bench:
	@$(if $(strip $(BENCHES)),$(MAKE) --no-print-directory $(BENCHES),echo "make bench: no benchmarks registered yet")

# mcp-tray bridge vs mcp-remote@0.15.1 on one local server (cold start, latency, throughput, RSS).
BENCHES += bench-bridge
.PHONY: bench-bridge
bench-bridge: peers
	$(CARGO) build --release -p mcp-tray
	MCP_TRAY_BIN=$(TARGET_DIR)/release/mcp-tray python3 tests/bench/bridge_bench.py --out - \
	  | python3 tests/bench/record.py docs/bench-bridge.md

# Config edit of a 500-server file: MCP Tray's lossless edit against a naive re-serialising one.
BENCHES += bench-config
.PHONY: bench-config
bench-config: toolchain
	$(CARGO) bench -p mcp-tray-core --bench config_edit | python3 tests/bench/record.py docs/bench-config.md

# The Servers view's CPU/memory refresh: one process-table scan for every server against one each.
BENCHES += bench-process-stats
.PHONY: bench-process-stats
bench-process-stats: toolchain
	$(CARGO) bench -p mcp-tray-core --bench process_stats | python3 tests/bench/record.py docs/bench-process-stats.md

# The tap (mcp-tray wrap) against a direct pipe to the same stdio server; then the same with every
# process on one CPU (Linux, taskset), where only CPU time counts and cross-CPU wake-ups do not;
# then, as a diagnostic (Linux), with every CPU kept awake so no wake-up waits for a halted one.
BENCHES += bench-tap
.PHONY: bench-tap
bench-tap: toolchain
	$(CARGO) bench -p mcp-tray --bench tap_overhead | python3 tests/bench/record.py docs/bench-tap.md
	@if command -v taskset >/dev/null; then \
	  taskset -c 0 $(CARGO) bench -p mcp-tray --bench tap_overhead | python3 tests/bench/record.py docs/bench-tap-one-cpu.md; fi
	@if [ "$$(uname -s)" = Linux ]; then \
	  MCP_TRAY_BENCH_AWAKE=1 $(CARGO) bench -p mcp-tray --bench tap_overhead | python3 tests/bench/record.py docs/bench-tap-awake.md; fi

BENCHES += bench-redact
.PHONY: bench-redact
bench-redact: toolchain
	$(CARGO) bench -p mcp-tray-core --bench redact | python3 tests/bench/record.py docs/bench-redact.md

# App start to interactive window: process spawn to the Servers list rendered from the config.
BENCHES += bench-app-start
.PHONY: bench-app-start
bench-app-start: app tests/e2e/node_modules/.package-lock.json tools
	MCP_TRAY_APP=$(APP_BIN) node tests/e2e/measure-start.mjs 7 | python3 tests/bench/record.py docs/bench-app-start.md
