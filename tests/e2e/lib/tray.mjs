/**
 * Reads and clicks the real app's tray menu over D-Bus (the StatusNotifierItem's dbusmenu, what a
 * Linux panel shows), on the app's private session bus (`app.env`). The tray cannot be captured
 * under Xvfb, so tests read its labels and send its clicks this way.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);
const ITEM = "/org/ayatana/NotificationItem/tray_icon_tray_app_mcp_tray";

/** Waits this long for a reply: a name on the bus that never answers (not the app) would otherwise
 *  hold each search for dbus-send's default 25 s. */
export const DBUS_REPLY_MS = 5000;

export async function dbus(env, args) {
  const { stdout } = await run("dbus-send", ["--session", "--print-reply", `--reply-timeout=${DBUS_REPLY_MS}`, ...args], { env });
  return stdout;
}

/** Finds the app's dbusmenu: `{ dest, path }`. */
export async function findMenu(env) {
  const names = await dbus(env, ["--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"]);
  for (const name of names.match(/":[0-9.]+"/g) ?? []) {
    const dest = name.slice(1, -1);
    try {
      const reply = await dbus(env, [
        `--dest=${dest}`,
        ITEM,
        "org.freedesktop.DBus.Properties.Get",
        "string:org.kde.StatusNotifierItem",
        "string:Menu",
      ]);
      const path = reply.match(/object path "([^"]+)"/)?.[1];
      if (path) return { dest, path };
    } catch {
      // not the app
    }
  }
  return undefined;
}

/** The menu as [{ id, label, depth }] in order. */
export async function layout(env, menu) {
  const reply = await dbus(env, [
    `--dest=${menu.dest}`,
    menu.path,
    "com.canonical.dbusmenu.GetLayout",
    "int32:0",
    "int32:-1",
    "array:string:label",
  ]);
  const items = [];
  const lines = reply.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const id = lines[i].match(/^(\s*)int32 (\d+)$/);
    if (!id) continue;
    const label = lines.slice(i, i + 8).join("\n").match(/string "label"\s*\n\s*variant\s+string "([^"]*)"/);
    if (label) items.push({ id: Number(id[2]), label: label[1], depth: id[1].length });
  }
  return items;
}

/** Waits until the app's menu is on its bus; resolves to it. */
export async function waitForMenu(env, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const menu = await findMenu(env);
    if (menu) return menu;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error("the app's tray menu is not on its D-Bus session bus");
}

/** Clicks the menu item with this id. */
export async function clickItem(env, menu, id) {
  await dbus(env, [
    `--dest=${menu.dest}`,
    menu.path,
    "com.canonical.dbusmenu.Event",
    `int32:${id}`,
    "string:clicked",
    "variant:int32:0",
    "uint32:0",
  ]);
}
