// "Keep running", end to end: MCP Tray runs a local server itself as a live health check. A real
// FastMCP stdio server (which also leaves a `sleep` behind it in its process group) is kept running
// from its row: the row shows its pid and tools, the tray menu gets a Restart for it (read and
// clicked over D-Bus) that gives a new process, and Stop running, disabling it or quitting the app
// ends its whole process tree. A server that crashes at start, saved as kept in settings.json
// before the app starts, is started with the app and shows failing with its diagnosis, and why and
// when it was last started again. What an app that was killed (SIGKILL) left running is stopped
// when the app starts again.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { alive, clickInRow, fastmcpCommand, logTail, startApp, waitForText } from "../lib/app.mjs";
import { clickItem, layout, waitForMenu } from "../lib/tray.mjs";

/** A FastMCP server that leaves a grandchild in its group, as `npx` leaves `node`. */
const scriptDirs = [];
function fastWithGrandchild() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-kept-"));
  scriptDirs.push(dir);
  const script = path.join(dir, "fast-server");
  fs.writeFileSync(
    script,
    `#!/bin/sh\nsleep 1000 </dev/null >/dev/null 2>&1 &\nexec ${JSON.stringify(fastmcpCommand())} stdio\n`,
    { mode: 0o755 },
  );
  return script;
}

/** Live processes whose process group is `pgid`. */
function group(pgid) {
  const members = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // After the name: state, ppid, pgrp.
      if (Number(fields[2]) === pgid && fields[0] !== "Z") members.push(Number(entry));
    } catch {
      // gone while reading
    }
  }
  return members;
}

/** What the row of `name` shows about it being kept running: { state, pid, tools, code, summary, detail } or null. */
function keptRow(browser, name) {
  return browser.execute((n) => {
    const row = [...document.querySelectorAll('[data-testid="server-row"]')].find(
      (r) => r.querySelector('[data-testid="server-name"]')?.textContent?.trim() === n,
    );
    const kept = row?.querySelector('[data-testid="kept-running"]');
    if (!kept) return null;
    const diagnosis = kept.querySelector('[data-testid="kept-diagnosis"]');
    return {
      state: kept.dataset.state,
      pid: kept.dataset.pid ? Number(kept.dataset.pid) : null,
      tools: kept.dataset.tools ? Number(kept.dataset.tools) : null,
      line: kept.querySelector(".line")?.textContent?.trim(),
      code: diagnosis?.dataset.code ?? null,
      summary: diagnosis?.querySelector('[data-testid="kept-diagnosis-summary"]')?.textContent?.trim() ?? null,
      detail: diagnosis?.querySelector("pre")?.textContent ?? null,
      status: row.querySelector('[data-testid="server-status"]')?.textContent?.trim(),
      statusSource: row.querySelector('[data-testid="server-status"]')?.dataset.source ?? null,
      process: row.querySelector('[data-testid="server-process"]')?.dataset.pid ?? null,
    };
  }, name);
}

/** Presses `testid` in the row of `name` by the keyboard (focus, Enter); false when there is none. */
async function pressInRow(browser, name, testid) {
  const focused = await browser.execute(
    (n, t) => {
      const button = document.querySelector(`[data-server="${n}"] [data-testid="${t}"]`);
      button?.focus();
      return Boolean(button) && document.activeElement === button;
    },
    name,
    testid,
  );
  if (focused) await browser.keys("Enter");
  return focused;
}

/** The data-testid of the element with keyboard focus ("BODY": the page), and its row's server. */
function focused(browser) {
  return browser.execute(() => {
    const active = document.activeElement;
    return [active?.getAttribute("data-testid") ?? active?.tagName, active?.closest("[data-server]")?.getAttribute("data-server") ?? null];
  });
}

/**
 * Waits for `check`. `what` is the failure's message, or a function giving it, called at the
 * timeout so that it can say what was last seen.
 */
async function until(browser, check, what, timeout = 30_000) {
  try {
    await browser.waitUntil(check, { timeout, interval: 200 });
  } catch (err) {
    if (typeof what !== "function") throw new Error(what, { cause: err });
    throw new Error(what(), { cause: err });
  }
}

/** The labels under each server line of the tray menu: { serverName: [labels] }. */
async function submenus(env, menu, names) {
  const items = await layout(env, menu);
  const byServer = {};
  items.forEach((item, i) => {
    const name = names.find((n) => item.label === n || item.label.startsWith(`${n} — `));
    if (!name) return;
    const children = [];
    for (const next of items.slice(i + 1)) {
      if (next.depth <= item.depth) break;
      children.push(next);
    }
    byServer[name] = children;
  });
  return byServer;
}

/**
 * Clicks the menu item `find()` gives. The menu is rebuilt when a server's status changes, which
 * gives its items new ids: an id read just before a rebuild is looked up again.
 */
async function clickFresh(env, menu, find, what) {
  for (let attempt = 0; ; attempt++) {
    const item = await find();
    assert.ok(item, `no ${what} in the tray menu`);
    try {
      await clickItem(env, menu, item.id);
      return;
    } catch (err) {
      if (attempt >= 5 || !/does not refer to a menu item/.test(String(err))) throw err;
    }
  }
}

function savedKept(home) {
  const file = path.join(home, "settings.json");
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")).keepRunning ?? []) : [];
}

// The scripts' folders go once every suite is over (a server may run from one until then).
after(() => {
  for (const dir of scriptDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe("keep running", () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-kept-home-"));
  const names = ["fast", "crasher", "idle"];
  let app;
  let menu;
  before(async () => {
    // Kept from an earlier run: the app starts it when it starts.
    fs.writeFileSync(path.join(home, "settings.json"), `${JSON.stringify({ keepRunning: ["crasher"] }, null, 2)}\n`);
    app = await startApp({
      config: {
        mcpServers: {
          fast: { command: fastWithGrandchild(), args: [] },
          crasher: { command: "sh", args: ["-c", "echo 'Error: API_KEY missing' >&2; exit 2"] },
          idle: { command: "sh", args: ["-c", "exec cat"] },
        },
      },
      env: { MCP_TRAY_HOME: home },
    });
    await waitForText(app.browser, '[data-testid="server-name"]');
    menu = await waitForMenu(app.env);
  });
  after(async () => {
    await app?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("starts the servers kept in settings with the app; one crashing at start shows failing with its diagnosis", async () => {
    let row;
    await until(
      app.browser,
      async () => (row = await keptRow(app.browser, "crasher"))?.state === "crash-loop" && row.status === "Failing",
      () => `crasher did not show a crash loop: ${JSON.stringify(row)}`,
    );
    assert.equal(row.code, "exited-early");
    assert.match(row.summary, /keeps exiting/);
    assert.match(row.detail, /Error: API_KEY missing/);
    assert.equal(row.statusSource, "kept-running");
    // Why and when it was last started again: how its process ended, at the local clock time.
    assert.match(row.line, / · restarted \d+ times? — (the last after it )?exited with status 2 at \d\d:\d\d$/, row.line);
  });

  let firstPid;
  it("keeps a FastMCP server running: its row shows the pid and the tools it listed", async () => {
    assert.equal(await keptRow(app.browser, "fast"), null);
    // By the keyboard: Keep running goes off ("Starting…"), then gives way to Stop running, which
    // gets the focus (not the page).
    assert.ok(await pressInRow(app.browser, "fast", "server-keep-running"), "no Keep running on fast");
    let row;
    await until(
      app.browser,
      async () => (row = await keptRow(app.browser, "fast"))?.state === "running",
      () => `fast did not show running: ${JSON.stringify(row)}`,
    );
    await until(
      app.browser,
      async () => JSON.stringify(await focused(app.browser)) === JSON.stringify(["server-stop-running", "fast"]),
      "the focus is not on fast's Stop running after Keep running",
      5_000,
    );
    firstPid = row.pid;
    assert.ok(firstPid > 0, JSON.stringify(row));
    assert.ok(alive(firstPid), `pid ${firstPid} is not running`);
    assert.ok(row.tools >= 3, JSON.stringify(row));
    assert.match(row.line, new RegExp(`pid ${firstPid} · ${row.tools} tools`));
    // Sampled like any process of the server (CPU, memory) on the view's next refresh.
    await until(
      app.browser,
      async () => (row = await keptRow(app.browser, "fast"))?.process === String(firstPid) && row.status === "Connected",
      () => `fast's process line and status did not follow: ${JSON.stringify(row)}`,
    );
    assert.deepEqual(savedKept(home).sort(), ["crasher", "fast"]);
    await app.screenshot("servers-kept-running");
  });

  it("gives the tray's kept servers a Restart, and only them; Restart starts a new process", async () => {
    let menus;
    await until(
      app.browser,
      async () => (menus = await submenus(app.env, menu, names)).fast?.some((i) => i.label === "Restart"),
      "no Restart under fast in the tray menu",
      10_000,
    );
    assert.ok(menus.crasher.some((i) => i.label === "Restart"), JSON.stringify(menus.crasher));
    assert.ok(!menus.idle.some((i) => i.label === "Restart"), JSON.stringify(menus.idle));
    assert.ok(menus.idle.some((i) => i.label === "Disable"), JSON.stringify(menus.idle));

    const restart = async () => (await submenus(app.env, menu, names)).fast?.find((i) => i.label === "Restart");
    await clickFresh(app.env, menu, restart, "Restart under fast");
    let row;
    await until(
      app.browser,
      async () => (row = await keptRow(app.browser, "fast"))?.state === "running" && row.pid !== firstPid,
      () => `fast did not come back with a new pid: ${JSON.stringify(row)}`,
    );
    assert.ok(alive(row.pid));
    assert.ok(!alive(firstPid), `the first process ${firstPid} still runs`);
    assert.deepEqual(group(firstPid), [], "the first process group left something behind");
  });

  it("starts a kept server again when its entry changes in the config file", async () => {
    const before = await keptRow(app.browser, "fast");
    const config = JSON.parse(fs.readFileSync(app.configPath, "utf8"));
    config.mcpServers.fast.args = ["--edited"];
    fs.writeFileSync(app.configPath, `${JSON.stringify(config, null, 2)}\n`);
    let row;
    await until(
      app.browser,
      async () => (row = await keptRow(app.browser, "fast"))?.state === "running" && row.pid !== before.pid,
      () => `fast was not started again after its entry changed: ${JSON.stringify(row)}`,
    );
    const cmdline = fs.readFileSync(`/proc/${row.pid}/cmdline`, "utf8");
    assert.ok(!alive(before.pid), `the process of the old entry ${before.pid} still runs`);
    // The wrapper script exec'd python: the new process is the server, started from the new entry.
    assert.match(cmdline, /fastmcp_server\.py/);
  });

  it("Stop running ends the server's whole process tree", async () => {
    const { pid } = await keptRow(app.browser, "fast");
    const tree = group(pid);
    assert.ok(tree.length >= 2, `the server and its sleep: ${JSON.stringify(tree)}`);
    assert.ok(await pressInRow(app.browser, "fast", "server-stop-running"), "no Stop running on fast");
    await until(app.browser, async () => (await keptRow(app.browser, "fast")) === null, "fast still shows kept");
    await until(
      app.browser,
      async () => JSON.stringify(await focused(app.browser)) === JSON.stringify(["server-keep-running", "fast"]),
      "the focus is not on fast's Keep running after Stop running",
      5_000,
    );
    await until(app.browser, async () => tree.every((p) => !alive(p)), `left running: ${tree.filter(alive)}`, 15_000);
    assert.deepEqual(savedKept(home), ["crasher"]);
    const menus = await submenus(app.env, menu, names);
    assert.ok(!menus.fast.some((i) => i.label === "Restart"), JSON.stringify(menus.fast));
  });

  it("disabling a kept server stops running it and drops it from the set", async () => {
    assert.ok(await clickInRow(app.browser, "fast", "server-keep-running"));
    let row;
    await until(app.browser, async () => (row = await keptRow(app.browser, "fast"))?.state === "running", "fast did not start");
    const tree = group(row.pid);
    assert.ok(await clickInRow(app.browser, "fast", "server-toggle"), "no Disable on fast");
    await until(app.browser, async () => tree.every((p) => !alive(p)), `left running: ${tree.filter(alive)}`, 15_000);
    await until(app.browser, async () => !savedKept(home).includes("fast"), "fast is still saved as kept");
    assert.ok(await clickInRow(app.browser, "fast", "server-toggle"), "no Enable on fast");
    await until(app.browser, async () => fs.readFileSync(app.configPath, "utf8").includes('"fast"'), "fast was not enabled");
  });

  it("quitting the app from the tray ends every tree it runs", async () => {
    await until(
      app.browser,
      async () => clickInRow(app.browser, "fast", "server-keep-running"),
      "no Keep running on fast after enabling it",
      10_000,
    );
    let row;
    await until(app.browser, async () => (row = await keptRow(app.browser, "fast"))?.state === "running", "fast did not start");
    const tree = group(row.pid);
    assert.ok(tree.length >= 2, JSON.stringify(tree));
    const quit = async () => (await layout(app.env, menu)).find((i) => i.label === "Quit");
    await clickFresh(app.env, menu, quit, "Quit");
    const deadline = Date.now() + 15_000;
    while (tree.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(tree.filter(alive), [], "processes left after Quit");
    // The app is gone: what it saved is what it starts next time.
    assert.deepEqual(savedKept(home).sort(), ["crasher", "fast"]);
  });
});

describe("keep running, when the app is terminated", () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-kept-home-"));
  let app;
  before(async () => {
    fs.writeFileSync(path.join(home, "settings.json"), `${JSON.stringify({ keepRunning: ["fast"] })}\n`);
    app = await startApp({ config: { mcpServers: { fast: { command: fastWithGrandchild(), args: [] } } }, env: { MCP_TRAY_HOME: home } });
    await waitForText(app.browser, '[data-testid="server-name"]');
  });
  after(async () => {
    await app?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("starts the kept server with the app, and SIGTERM to the app ends its whole tree", async () => {
    let row;
    await until(app.browser, async () => (row = await keptRow(app.browser, "fast"))?.state === "running", () => `fast did not start: ${JSON.stringify(row)}`);
    const tree = group(row.pid);
    assert.ok(tree.length >= 2, JSON.stringify(tree));
    // The server's parent is the app.
    const stat = fs.readFileSync(`/proc/${row.pid}/stat`, "utf8");
    const appPid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    assert.match(fs.readFileSync(`/proc/${appPid}/comm`, "utf8"), /mcp-tray-app/);
    process.kill(appPid, "SIGTERM");
    const deadline = Date.now() + 15_000;
    while ((tree.some(alive) || alive(appPid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(tree.filter(alive), [], "processes left after SIGTERM");
    assert.ok(!alive(appPid), "the app did not exit");
  });
});

describe("keep running, when the app is killed", () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-kept-home-"));
  const config = { mcpServers: { fast: { command: fastWithGrandchild(), args: [] } } };
  let first;
  let second;
  /** The second run's server and its `sleep`: a harness that ends the app kills it, which leaves
   *  the `sleep` (as this test shows); the next start of the app would stop it, but none comes. */
  let secondTree = [];
  before(async () => {
    fs.writeFileSync(path.join(home, "settings.json"), `${JSON.stringify({ keepRunning: ["fast"] })}\n`);
    first = await startApp({ config, env: { MCP_TRAY_HOME: home } });
    await waitForText(first.browser, '[data-testid="server-name"]');
  });
  after(async () => {
    await first?.stop();
    await second?.stop();
    for (const pid of secondTree) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("what a killed app left running is stopped when the app starts again", async () => {
    try {
      await killedAndStartedAgain();
    } catch (err) {
      // What each run printed (the second says what it stopped) goes with the failure.
      err.message += `\n--- first run ---\n${logTail(first, 15)}\n--- second run ---\n${logTail(second, 15)}`;
      throw err;
    }
  });

  async function killedAndStartedAgain() {
    let row;
    await until(first.browser, async () => (row = await keptRow(first.browser, "fast"))?.state === "running", () => `fast did not start: ${JSON.stringify(row)}`);
    const tree = group(row.pid);
    assert.ok(tree.length >= 2, JSON.stringify(tree));
    const stat = fs.readFileSync(`/proc/${row.pid}/stat`, "utf8");
    const appPid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    assert.match(fs.readFileSync(`/proc/${appPid}/comm`, "utf8"), /mcp-tray-app/);
    // Killed: nothing of the app runs its shutdown. The server reads the end of its stdin and
    // exits; the `sleep` it started never reads stdin and stays, as `node` stays behind `npx`.
    process.kill(appPid, "SIGKILL");
    const settled = Date.now() + 15_000;
    while ((alive(row.pid) || alive(appPid)) && Date.now() < settled) await new Promise((r) => setTimeout(r, 200));
    assert.ok(!alive(row.pid), "the server itself exits at the end of its stdin");
    const left = tree.filter(alive);
    assert.equal(left.length, 1, `the grandchild outlives the killed app: ${JSON.stringify(tree)}`);

    second = await startApp({ config, env: { MCP_TRAY_HOME: home } });
    let again;
    await until(second.browser, async () => (again = await keptRow(second.browser, "fast"))?.state === "running", `fast did not start again: ${JSON.stringify(again)}`);
    assert.notEqual(again.pid, row.pid);
    assert.deepEqual(
      left.filter(alive),
      [],
      `the earlier run's leftover was stopped (the killed app ${appPid} is ${fs.existsSync(`/proc/${appPid}`) ? "a zombie" : "gone"})`,
    );
    secondTree = group(again.pid);
    assert.ok(secondTree.length >= 2, "the new server runs, with its own grandchild");
  }
});
