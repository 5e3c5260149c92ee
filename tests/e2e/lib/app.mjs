/**
 * Starts the real MCP Tray app for end-to-end tests and reads its window through WebDriver.
 *
 * `startApp({ config, env })` gives each app its own temp dir (the Claude config file it is pointed
 * at with MCP_TRAY_CLAUDE_CONFIG, and MCP_TRAY_HOME), its own X display (Xvfb), its own D-Bus session
 * bus (so the single-instance check can never reach an MCP Tray running on the developer's desktop)
 * and its own tauri-driver, which launches the app through WebKitWebDriver. It returns the
 * webdriverio `browser` bound to the main window and helpers to wait for what it shows.
 * This module never builds the app: `make e2e` builds it first (or set MCP_TRAY_APP).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { remote } from "webdriverio";

export const REPO = path.resolve(import.meta.dirname, "..", "..", "..");
export const SCREENSHOT_DIR = path.resolve(REPO, process.env.E2E_SCREENSHOT_DIR ?? "docs/screenshots");

/** The app binary under test: MCP_TRAY_APP, else the debug build in the cargo target dir. */
export function appBinary() {
  if (process.env.MCP_TRAY_APP) return path.resolve(process.env.MCP_TRAY_APP);
  const target = path.resolve(REPO, process.env.CARGO_TARGET_DIR ?? "target");
  return path.join(target, "debug", "mcp-tray-app");
}

function which(cmd) {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, cmd);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** tauri-driver: TAURI_DRIVER, else on PATH, else ~/.cargo/bin. */
function tauriDriver() {
  const found =
    process.env.TAURI_DRIVER ?? which("tauri-driver") ?? path.join(os.homedir(), ".cargo", "bin", "tauri-driver");
  if (!fs.existsSync(found)) throw new Error(`tauri-driver not found (looked for ${found}); run \`make deps\``);
  return found;
}

/**
 * `n` distinct free loopback ports. They are held open together while chosen: one at a time, the
 * system may hand out the same port twice, and tauri-driver given its own port as WebKitWebDriver's
 * proxies to itself forever (gigabytes of "accept new stream fail" in a minute).
 */
export async function freePorts(n) {
  const servers = [];
  for (let i = 0; i < n; i++) {
    const server = net.createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    servers.push(server);
  }
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** A free loopback port. */
export async function freePort() {
  const [port] = await freePorts(1);
  return port;
}

/** Waits until `child` listens on loopback `port` (fails when it exits first). */
export async function waitForPort(port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before listening on ${port}`);
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/** Reads one line a child writes on `stream`. */
async function firstLine(stream, what, timeoutMs = 10_000) {
  let buffered = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} said nothing within ${timeoutMs} ms`)), timeoutMs);
    stream.on("data", (chunk) => {
      buffered += chunk.toString();
      const end = buffered.indexOf("\n");
      if (end >= 0) {
        clearTimeout(timer);
        resolve(buffered.slice(0, end).trim());
      }
    });
    stream.once("end", () => {
      clearTimeout(timer);
      reject(new Error(`${what} closed its output without a line`));
    });
  });
}

/** A private X server; resolves to `{ display, stop }`. */
export async function startXvfb() {
  const xvfb = spawn("Xvfb", ["-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp"], {
    stdio: ["ignore", "ignore", "ignore", "pipe"],
  });
  const number = await firstLine(xvfb.stdio[3], "Xvfb");
  return { display: `:${number}`, stop: () => stopChild(xvfb) };
}

/** A private D-Bus session bus; resolves to `{ address, stop }`. */
export async function startDbus() {
  const dbus = spawn("dbus-daemon", ["--session", "--nofork", "--nopidfile", "--print-address=1"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const address = await firstLine(dbus.stdout, "dbus-daemon");
  return { address, stop: () => stopChild(dbus) };
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await once(child, "exit").catch(() => {});
  clearTimeout(timer);
}

/**
 * Starts the app with `config` as its Claude Desktop config (an object is written as JSON, a string
 * as is, `null` writes no file) and extra `env`. Returns
 * `{ browser, dir, configPath, home, env, log, screenshot(name), stop() }`.
 */
export async function startApp({ config = { mcpServers: {} }, env = {} } = {}) {
  const binary = appBinary();
  if (!fs.existsSync(binary)) throw new Error(`app binary ${binary} is missing; run \`make app\` first`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-e2e-"));
  const configPath = path.join(dir, "claude", "claude_desktop_config.json");
  const home = path.join(dir, "home");
  fs.mkdirSync(path.dirname(configPath), { recursive: true });
  fs.mkdirSync(home, { recursive: true });
  if (config !== null) {
    fs.writeFileSync(configPath, typeof config === "string" ? config : `${JSON.stringify(config, null, 2)}\n`);
  }

  const stops = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    if (!process.env.E2E_KEEP) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  };

  try {
    const xvfb = await startXvfb();
    stops.push(xvfb.stop);
    const dbus = await startDbus();
    stops.push(dbus.stop);

    const appEnv = {
      ...process.env,
      DISPLAY: xvfb.display,
      DBUS_SESSION_BUS_ADDRESS: dbus.address,
      MCP_TRAY_CLAUDE_CONFIG: configPath,
      MCP_TRAY_HOME: home,
      XDG_CONFIG_HOME: path.join(dir, "xdg-config"),
      XDG_DATA_HOME: path.join(dir, "xdg-data"),
      XDG_CACHE_HOME: path.join(dir, "xdg-cache"),
      // Keep WebKit's default renderer: with WEBKIT_DISABLE_DMABUF_RENDERER set, WebKitWebDriver's
      // screenshot never answers under Xvfb.
      NO_AT_BRIDGE: "1",
      ...env,
    };
    delete appEnv.WAYLAND_DISPLAY;
    // `env: { NAME: null }` removes a variable.
    for (const [name, value] of Object.entries(appEnv)) if (value === null) delete appEnv[name];

    const [port, nativePort] = await freePorts(2);
    const log = path.join(dir, "app.log");
    const logFd = fs.openSync(log, "a");
    const driver = spawn(
      tauriDriver(),
      ["--port", String(port), "--native-port", String(nativePort), "--native-driver", which("WebKitWebDriver") ?? "/usr/bin/WebKitWebDriver"],
      { env: appEnv, stdio: ["ignore", logFd, logFd] },
    );
    fs.closeSync(logFd);
    stops.push(() => stopChild(driver));
    await waitForPort(port, driver, 15_000);

    const browser = await remote({
      hostname: "127.0.0.1",
      port,
      logLevel: "error",
      connectionRetryTimeout: 60_000,
      connectionRetryCount: 1,
      capabilities: {
        "tauri:options": { application: binary },
        "wdio:enforceWebDriverClassic": true,
      },
    });
    stops.push(() => browser.deleteSession());

    return {
      browser,
      dir,
      configPath,
      home,
      env: appEnv,
      log,
      /** Saves the window as docs/screenshots/<name>.png (E2E_SCREENSHOT_DIR overrides the folder). */
      /** Saves the window as painted in the screenshots folder (`into`: elsewhere, for a test
       *  that only measures it). */
      async screenshot(name, into = SCREENSHOT_DIR) {
        fs.mkdirSync(into, { recursive: true });
        const file = path.join(into, `${name}.png`);
        await painted(browser);
        await browser.saveScreenshot(file);
        return file;
      },
      stop: stopAll,
    };
  } catch (err) {
    const log = path.join(dir, "app.log");
    const tail = fs.existsSync(log) ? lastLines(log, 30) : "";
    await stopAll();
    throw new Error(`${err.message}${tail ? `\n--- app and driver output ---\n${tail}` : ""}`, { cause: err });
  }
}

/** The last `n` lines of what an app started by `startApp` (and its driver) printed. */
export function logTail(app, n = 30) {
  return app && fs.existsSync(app.log) ? lastLines(app.log, n) : "(no log)";
}

/** The last `n` lines of a file, reading at most its last 64 KiB (a runaway log can be huge). */
function lastLines(file, n) {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    return buffer.toString("utf8").split("\n").slice(-n).join("\n");
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Resolves after the window painted its current DOM (two animation frames): WebKitWebDriver's
 * screenshot otherwise shows the last frame painted, which can predate what the test waited for.
 */
export async function painted(browser) {
  await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
}

/** Waits until `selector` exists and shows text (exactly `equals`, or holding `contains`); resolves to that text. */
export async function waitForText(browser, selector, { timeout = 15_000, equals, contains } = {}) {
  const element = browser.$(selector);
  let text = "";
  const wanted = equals !== undefined ? JSON.stringify(equals) : contains !== undefined ? `text with ${JSON.stringify(contains)}` : "any text";
  await browser.waitUntil(
    async () => {
      if (!(await element.isExisting())) return false;
      text = (await element.getText()).trim();
      if (equals !== undefined) return text === equals;
      if (contains !== undefined) return text.includes(contains);
      return text.length > 0;
    },
    {
      timeout,
      interval: 100,
      timeoutMsg: `${selector} did not show ${wanted} within ${timeout} ms (last: ${JSON.stringify(text)})`,
    },
  );
  return text;
}

/** The labels of the navigation, in order. */
export async function navLabels(browser) {
  const items = await browser.$$("nav .nav-item");
  const labels = [];
  for (const item of items) labels.push((await item.getText()).trim());
  return labels;
}

/** Opens a view by clicking its navigation item and waits for its heading. */
export async function openView(browser, label) {
  await browser.$(`[data-testid="nav-${label.toLowerCase()}"]`).click();
  await waitForText(browser, "h1", { equals: label });
}

let fastmcp;
/**
 * The FastMCP test server (tests/peers) as one command in a temp folder: configs, and so the
 * screenshots of them, show no path of this checkout.
 */
export function fastmcpCommand() {
  if (!fastmcp) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-peer-"));
    fastmcp = path.join(dir, "fastmcp-server");
    const python = path.join(REPO, "tests", "peers", ".venv", "bin", "python");
    const script = path.join(REPO, "tests", "peers", "fastmcp_server.py");
    fs.writeFileSync(fastmcp, `#!/bin/sh\nexec ${JSON.stringify(python)} ${JSON.stringify(script)} "$@"\n`, { mode: 0o755 });
  }
  return fastmcp;
}

/** The Add button's label, or null once it is gone (the server was added). */
async function addLabel(browser) {
  const button = browser.$('[data-testid="add-button"]');
  return (await button.isExisting()) ? (await button.getText()).trim() : null;
}

/**
 * Clicks the Add card's Add button once it is enabled and has stopped moving. The list above the card grows and shrinks
 * as evidence about the servers arrives (a row's status line wraps or not), which moves the card:
 * a click sent at the old place lands beside the button. A click that changed nothing (the
 * button still says Add after 3 s) is sent again, at most twice more.
 */
export async function clickAdd(browser) {
  const button = browser.$('[data-testid="add-button"]');
  await browser.waitUntil(async () => await button.isEnabled(), {
    timeout: 10_000,
    timeoutMsg: "Add never became enabled",
  });
  for (let attempt = 1; ; attempt++) {
    let last = "";
    await browser.waitUntil(
      async () => {
        const now = JSON.stringify(await button.getLocation());
        const still = now === last;
        last = now;
        return still;
      },
      { timeout: 10_000, interval: 150, timeoutMsg: "the Add button never stopped moving" },
    );
    await button.click();
    const acted = await browser
      .waitUntil(async () => (await addLabel(browser)) !== "Add", { timeout: 3_000, interval: 100 })
      .then(() => true, () => false);
    if (acted) return;
    if (attempt === 3) throw new Error("three clicks on Add did nothing");
    console.error(`# clickAdd: click ${attempt} on Add did nothing (the card moved?); clicking again`);
  }
}

/**
 * Clicks `selector` once it exists and is enabled. A button turned off while an action runs (the
 * bar's Undo, while the change it names is still being listed) takes a click without acting on
 * it: clicked at once after the action's first sign, such a click is lost on a loaded machine.
 */
export async function clickWhenEnabled(browser, selector, timeout = 10_000) {
  const element = browser.$(selector);
  await element.waitForExist({ timeout });
  await browser.waitUntil(async () => await element.isEnabled(), { timeout, timeoutMsg: `${selector} stayed disabled` });
  await element.click();
}

/** Clicks the element `[data-testid=testid]` in the Servers row of `name`; false when there is none. */
export function clickInRow(browser, name, testid) {
  return browser.execute(
    (n, t) => {
      const row = [...document.querySelectorAll('[data-testid="server-row"]')].find(
        (r) => r.querySelector('[data-testid="server-name"]')?.textContent?.trim() === n,
      );
      const button = row?.querySelector(`[data-testid="${t}"]`);
      button?.click();
      return Boolean(button);
    },
    name,
    testid,
  );
}

/** Whether process `pid` runs (not gone, not a zombie), from /proc (Linux). */
export function alive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2)[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}
