// The Servers view keeps what the person was doing: through re-reads of the config, across
// switching views, and with servers named like Object's own properties.
import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/svelte";
import { tick } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../App.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

const PATHS = { configPath: "/c.json", configSource: "detected", alsoPresent: [], claudeReads: null, dataDir: "/h" };

function summary(name: string, over: object = {}) {
  return { name, enabled: true, kind: "local", url: null, command: `run-${name}`, args: [], problem: null, ...over };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

/** A Test's answer for a server that failed with `code`, saying `said`. */
function failedTest(server: string, code: string, said: string) {
  const diagnosis = { code, severity: "error", server, summary: said, detail: null, fix: null };
  return { ok: false, serverName: null, serverVersion: null, transport: null, tools: [], diagnosis, stderrTail: [], totalMs: 3 };
}

const row = (name: string) =>
  screen.getAllByTestId("server-row").find((r) => r.querySelector('[data-testid="server-name"]')?.textContent === name) as HTMLElement;
const input = (testid: string) => screen.getByTestId(testid) as HTMLInputElement;
const go = (label: string) => fireEvent.click(within(screen.getByRole("navigation")).getByRole("tab", { name: label }));

/** An App whose config holds `names`; `answer` may answer a command first. */
function app(names: () => string[], answer: (cmd: string, args: unknown) => unknown = () => undefined) {
  const calls: string[] = [];
  mockIPC(
    (cmd, args) => {
      calls.push(cmd);
      const given = answer(cmd, args);
      if (given !== undefined) return given;
      if (cmd === "app_paths") return PATHS;
      if (cmd === "list_servers") return names().map((n) => summary(n));
      if (cmd === "server_details")
        return { name: (args as { name: string }).name, kind: "local", command: "npx", args: ["a"], env: [], url: null, headers: [], caCert: null, allowHttp: false };
      return [];
    },
    { shouldMockEvents: true },
  );
  render(App);
  return calls;
}

describe("Servers: re-reading the config keeps the list", () => {
  it("keeps the rows (and an open Edit form with what was typed) while the config is re-read after a change elsewhere", async () => {
    const slow = deferred<unknown>();
    let reads = 0;
    app(
      () => ["alpha", "beta"],
      (cmd) => (cmd === "list_servers" && ++reads === 2 ? slow.promise : undefined),
    );
    await screen.findByText("beta");
    const alpha = row("alpha");
    await fireEvent.click(within(alpha).getByTestId("server-edit"));
    await expect.poll(() => input("edit-command").value).toBe("npx");
    await fireEvent.input(input("edit-command"), { target: { value: "uvx typed-by-hand" } });

    await emit("config-changed", null);
    // While the new answer is on its way, the list stays (no "Reading…" in its place).
    await expect.poll(() => reads).toBe(2);
    expect(screen.getByTestId("server-list")).toBeTruthy();
    expect(row("alpha")).toBe(alpha);
    slow.resolve(["alpha", "beta"].map((n) => summary(n)));
    await expect.poll(() => screen.getAllByTestId("server-row").length).toBe(2);
    expect(row("alpha")).toBe(alpha);
    expect(input("edit-command").value).toBe("uvx typed-by-hand");
  });

  it("keeps the list, its actions off, and an open Edit form with what was typed while the file cannot be read", async () => {
    let broken = false;
    app(
      () => ["alpha", "beta"],
      (cmd) => {
        if (cmd === "list_servers" && broken) throw { code: "bad-json-config", message: "/c.json:3:7: expected a comma" };
        return undefined;
      },
    );
    await screen.findByText("beta");
    const alpha = row("alpha");
    await fireEvent.click(within(alpha).getByTestId("server-edit"));
    await expect.poll(() => input("edit-command").value).toBe("npx");
    await fireEvent.input(input("edit-command"), { target: { value: "uvx typed-by-hand" } });

    // An editor saves the file half-way: the error, and the list as last read under it.
    broken = true;
    await emit("config-changed", null);
    expect((await screen.findByTestId("bad-config-help")).textContent).toContain("Claude Desktop cannot read this file");
    expect(screen.getByTestId("servers-as-last-read")).toBeTruthy();
    expect(row("alpha")).toBe(alpha);
    expect(input("edit-command").value).toBe("uvx typed-by-hand");
    expect((within(row("beta")).getByTestId("server-toggle") as HTMLButtonElement).disabled).toBe(true);

    // Saved whole again: the same form, still with what was typed; the actions back.
    broken = false;
    await emit("config-changed", null);
    await expect.poll(() => screen.queryByTestId("bad-config-help")).toBeNull();
    expect(screen.queryByTestId("servers-as-last-read")).toBeNull();
    expect(row("alpha")).toBe(alpha);
    expect(input("edit-command").value).toBe("uvx typed-by-hand");
    expect((within(row("beta")).getByTestId("server-toggle") as HTMLButtonElement).disabled).toBe(false);
  });

  it("drops a test's result once the server's entry has changed, and keeps it while it has not", async () => {
    let command = "npx";
    app(
      () => ["alpha", "beta"],
      (cmd, args) => {
        if (cmd === "list_servers") return ["alpha", "beta"].map((n) => summary(n, n === "alpha" ? { command } : {}));
        if (cmd === "test_server") return failedTest((args as { name: string }).name, "command-not-found", "not found");
        return undefined;
      },
    );
    await screen.findByText("beta");
    await fireEvent.click(within(row("alpha")).getByTestId("server-test"));
    await fireEvent.click(within(row("beta")).getByTestId("server-test"));
    await expect.poll(() => within(row("alpha")).queryAllByText(/not found/).length).toBeGreaterThan(0);
    await expect.poll(() => within(row("beta")).queryAllByText(/not found/).length).toBeGreaterThan(0);

    // alpha's entry is fixed (here, by another program): its old result goes; beta's stays.
    command = "uvx";
    await emit("config-changed", null);
    await expect.poll(() => within(row("alpha")).queryAllByText(/not found/).length).toBe(0);
    expect(within(row("beta")).queryAllByText(/not found/).length).toBeGreaterThan(0);
  });

  it("keeps an Edit form with changes open on Escape and on another row's Edit, and says how to keep or drop them", async () => {
    app(() => ["alpha", "beta"]);
    await screen.findByText("beta");
    await fireEvent.click(within(row("alpha")).getByTestId("server-edit"));
    await expect.poll(() => input("edit-command").value).toBe("npx");

    // Nothing typed: Escape closes it, and keyboard focus is back on the row's Edit.
    await fireEvent.keyDown(input("edit-command"), { key: "Escape" });
    await expect.poll(() => screen.queryByTestId("server-edit-form")).toBeNull();
    await expect.poll(() => document.activeElement).toBe(within(row("alpha")).getByTestId("server-edit"));

    await fireEvent.click(within(row("alpha")).getByTestId("server-edit"));
    await expect.poll(() => input("edit-command").value).toBe("npx");
    await fireEvent.input(input("edit-command"), { target: { value: "uvx typed-by-hand" } });
    // An input method's own Escape, then a plain one: the form and what was typed stay.
    await fireEvent.keyDown(input("edit-command"), { key: "Escape", isComposing: true });
    expect(screen.queryByTestId("edit-unsaved")).toBeNull();
    await fireEvent.keyDown(input("edit-command"), { key: "Escape" });
    expect((await screen.findByTestId("edit-unsaved")).textContent).toContain("Cancel drops them");
    expect(input("edit-command").value).toBe("uvx typed-by-hand");
    // beta's Edit does not take the form away either.
    await fireEvent.click(within(row("beta")).getByTestId("server-edit"));
    expect(within(row("alpha")).getByTestId("server-edit-form")).toBeTruthy();
    expect(within(row("beta")).queryByTestId("server-edit-form")).toBeNull();
    expect(input("edit-command").value).toBe("uvx typed-by-hand");
    // Cancel drops them, and beta's Edit opens beta's form.
    await fireEvent.click(screen.getByTestId("edit-cancel"));
    await fireEvent.click(within(row("beta")).getByTestId("server-edit"));
    await expect.poll(() => within(row("beta")).queryByTestId("server-edit-form")).not.toBeNull();
  });

  it("lets another row's Edit open once the row whose form held changes is gone", async () => {
    let names = ["alpha", "beta"];
    app(() => names);
    await screen.findByText("beta");
    await fireEvent.click(within(row("alpha")).getByTestId("server-edit"));
    await expect.poll(() => input("edit-command").value).toBe("npx");
    await fireEvent.input(input("edit-command"), { target: { value: "uvx typed-by-hand" } });
    // alpha is removed elsewhere (the CLI, an editor): its form goes with it.
    names = ["beta"];
    await emit("config-changed", null);
    await expect.poll(() => screen.queryAllByTestId("server-row").length).toBe(1);
    await fireEvent.click(within(row("beta")).getByTestId("server-edit"));
    await expect.poll(() => within(row("beta")).queryByTestId("server-edit-form")).not.toBeNull();
  });

  it("drops a row's test result once its Edit form is saved (env and secrets are not in the list)", async () => {
    app(
      () => ["alpha"],
      (cmd, args) => {
        if (cmd === "edit_server") return { done: "edit alpha", historyId: 5 };
        if (cmd === "test_server") return failedTest((args as { name: string }).name, "auth-required", "the key was refused");
        return undefined;
      },
    );
    await screen.findByText("alpha");
    await fireEvent.click(within(row("alpha")).getByTestId("server-test"));
    await expect.poll(() => within(row("alpha")).queryAllByText(/the key was refused/).length).toBeGreaterThan(0);
    await fireEvent.click(within(row("alpha")).getByTestId("server-edit"));
    await expect.poll(() => input("edit-command").value).toBe("npx");
    await fireEvent.input(input("edit-command"), { target: { value: "npx2" } });
    await fireEvent.click(screen.getByTestId("edit-save"));
    await expect.poll(() => within(row("alpha")).queryAllByText(/the key was refused/).length).toBe(0);
  });

  it("keeps keyboard focus on the pressed button after Disable, and moves it to Undo after Remove", async () => {
    let names = ["alpha", "beta"];
    let disabled = false;
    app(
      () => names,
      (cmd) => {
        if (cmd === "list_servers") return names.map((n) => summary(n, { enabled: !(n === "alpha" && disabled) }));
        if (cmd === "set_server_enabled") {
          disabled = true;
          return { done: "disable alpha", historyId: 3 };
        }
        if (cmd === "remove_server") {
          names = names.filter((n) => n !== "beta");
          return { done: "remove beta", historyId: 3 };
        }
        return undefined;
      },
    );
    await screen.findByText("beta");
    const toggle = within(row("alpha")).getByTestId("server-toggle");
    toggle.focus();
    await fireEvent.click(toggle);
    await expect.poll(() => within(row("alpha")).getByTestId("server-toggle").textContent?.trim()).toBe("Enable");
    await expect.poll(() => document.activeElement).toBe(within(row("alpha")).getByTestId("server-toggle"));

    const remove = within(row("beta")).getByTestId("server-remove");
    remove.focus();
    await fireEvent.click(remove);
    await expect.poll(() => screen.queryAllByTestId("server-row").length).toBe(1);
    await expect.poll(() => document.activeElement).toBe(screen.getByTestId("server-undo"));
  });

  it("moves keyboard focus to Undo after an Edit form is saved with Enter, as after a click on Save", async () => {
    let saving = deferred<unknown>();
    app(
      () => ["alpha"],
      (cmd) => (cmd === "edit_server" ? saving.promise : undefined),
    );
    await screen.findByText("alpha");
    for (const how of ["enter", "click"]) {
      saving = deferred<unknown>();
      await fireEvent.click(within(row("alpha")).getByTestId("server-edit"));
      await expect.poll(() => input("edit-args").value).toBe("a");
      const args = input("edit-args");
      args.focus();
      await fireEvent.input(args, { target: { value: `a --${how}` } });
      const save = screen.getByTestId("edit-save");
      if (how === "enter") await fireEvent.submit(args.form as HTMLFormElement);
      else {
        save.focus();
        await fireEvent.click(save);
      }
      // The fields and Save are off while it saves: WebKit then leaves the focus on the page.
      // (jsdom keeps it on a disabled control, whose blur() does nothing: on for that moment.)
      await expect.poll(() => input("edit-args").disabled).toBe(true);
      const off = document.activeElement as HTMLInputElement;
      off.disabled = false;
      off.blur();
      off.disabled = true;
      expect(document.activeElement).toBe(document.body);
      saving.resolve({ done: "edit alpha", historyId: 4 });
      await expect.poll(() => screen.queryByTestId("server-edit-form")).toBeNull();
      await expect.poll(() => document.activeElement, { timeout: 2000 }).toBe(screen.getByTestId("server-undo"));
    }
  });

  it("closes an Edit form with nothing changed without an error: Save is off until something is", async () => {
    const calls = app(() => ["alpha"]);
    await screen.findByText("alpha");
    await fireEvent.click(within(row("alpha")).getByTestId("server-edit"));
    await expect.poll(() => input("edit-args").value).toBe("a");
    const save = screen.getByTestId("edit-save") as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    // Retyped as it was, or with spaces around it: no change either.
    await fireEvent.input(input("edit-args"), { target: { value: "  a " } });
    expect(save.disabled).toBe(true);
    await fireEvent.input(input("edit-command"), { target: { value: "npx " } });
    expect(save.disabled).toBe(true);
    await fireEvent.input(input("edit-args"), { target: { value: "a b" } });
    expect(save.disabled).toBe(false);
    await fireEvent.input(input("edit-args"), { target: { value: "a" } });
    expect(save.disabled).toBe(true);
    // A submit all the same (Enter) closes the form quietly, writing nothing.
    await fireEvent.submit(input("edit-args").form as HTMLFormElement);
    await expect.poll(() => screen.queryByTestId("server-edit-form")).toBeNull();
    expect(calls).not.toContain("edit_server");
    expect(screen.queryByTestId("server-change")).toBeNull();
    expect(document.activeElement).toBe(within(row("alpha")).getByTestId("server-edit"));
  });
});

describe("Servers: switching views keeps the work", () => {
  it("keeps a running Test (one probe), an open Edit form, the local-server form and the Undo bar", async () => {
    const probe = deferred<unknown>();
    const calls = app(
      () => ["alpha"],
      (cmd) => {
        if (cmd === "test_server") return probe.promise;
        if (cmd === "set_server_captured") return { done: "tap alpha", historyId: 3 };
        return undefined;
      },
    );
    await screen.findByText("alpha");
    await fireEvent.click(screen.getByTestId("server-capture"));
    await expect.poll(() => screen.queryByTestId("server-change")?.textContent).toContain("Traffic capture on for alpha");
    await fireEvent.click(screen.getByTestId("server-test"));
    await fireEvent.click(screen.getByTestId("server-edit"));
    await expect.poll(() => input("edit-command").value).toBe("npx");
    await fireEvent.input(input("edit-command"), { target: { value: "typed" } });
    await fireEvent.input(input("local-name"), { target: { value: "tiny" } });

    await go("Logs");
    await expect.poll(() => screen.getByRole("heading", { level: 1 }).textContent).toBe("Logs");
    expect(screen.getAllByRole("heading", { level: 1 })).toHaveLength(1);
    probe.resolve({ ok: true, serverName: "alpha", serverVersion: null, transport: "stdio", tools: [{ name: "t1", description: null }], diagnosis: null, stderrTail: [], totalMs: 12 });
    await go("Servers");

    await expect.poll(() => screen.queryByTestId("server-tool-count")?.textContent).toBe("1 tool");
    expect(calls.filter((c) => c === "test_server")).toHaveLength(1);
    expect(input("edit-command").value).toBe("typed");
    expect(input("local-name").value).toBe("tiny");
    expect(screen.getByTestId("server-change").textContent).toContain("Traffic capture on for alpha");
    expect(screen.getByTestId("server-undo")).toBeTruthy();
  });

  it("asks no status while another view is shown", async () => {
    const calls = app(() => ["alpha"]);
    await screen.findByText("alpha");
    await expect.poll(() => calls.filter((c) => c === "server_overview").length).toBeGreaterThan(0);
    await go("Logs");
    const asked = calls.filter((c) => c === "server_overview").length;
    await new Promise((r) => setTimeout(r, 2300));
    expect(calls.filter((c) => c === "server_overview").length).toBe(asked);
  });
});

describe("Servers: the Undo bar names the newest change", () => {
  it("names a local server added after the change it named, with its Undo", async () => {
    let names = ["alpha"];
    app(
      () => names,
      (cmd) => {
        if (cmd === "remove_server") {
          names = [];
          return { done: "remove alpha", historyId: 3 };
        }
        if (cmd === "add_local_server") {
          names = ["tiny"];
          return {
            resolved: "/bin/tiny",
            written: "add tiny",
            change: { done: "add tiny", historyId: 4 },
            probe: { ok: true, serverName: null, serverVersion: null, transport: null, tools: [], diagnosis: null, stderrTail: [], totalMs: 1 },
          };
        }
        return undefined;
      },
    );
    await screen.findByText("alpha");
    await fireEvent.click(screen.getByTestId("server-remove"));
    await expect.poll(() => screen.queryByTestId("server-change")?.textContent).toContain("Removed alpha");
    await fireEvent.input(input("local-name"), { target: { value: "tiny" } });
    await fireEvent.input(input("local-command"), { target: { value: "tiny" } });
    await fireEvent.click(screen.getByTestId("local-add"));
    await screen.findByTestId("local-added");
    await expect.poll(() => screen.queryByTestId("server-change")?.textContent).toContain("Added tiny");
    expect(screen.getByTestId("server-change").textContent).not.toContain("Removed alpha");
    expect(screen.getByTestId("server-undo")).toBeTruthy();
  });
});

describe("Servers: the Add card's Added", () => {
  it("stays while the server added is in the list, and goes once another program removed it", async () => {
    let names = ["alpha"];
    const entry = { name: "example", enabled: true, kind: "remote", url: "https://example.com/mcp", command: "/bin/mcp-tray", args: [], problem: null };
    const calls = app(
      () => names,
      (cmd) => {
        if (cmd === "preview_add") return { entries: [entry], notes: [], refused: [], taken: [] };
        if (cmd === "probe_add")
          return { ok: true, serverName: "example", serverVersion: "1", transport: "streamable-http", tools: [], diagnosis: null, stderrTail: [], totalMs: 5 };
        if (cmd === "add_servers") {
          names = ["alpha", "example"];
          return { added: ["example"], written: "/c.json", restartSupported: true, captured: [], change: { done: "add example", historyId: 5 } };
        }
        return undefined;
      },
    );
    await screen.findByText("alpha");
    await fireEvent.input(input("add-input"), { target: { value: "https://example.com/mcp" } });
    await expect.poll(() => (screen.getByTestId("add-button") as HTMLButtonElement).disabled, { timeout: 3000 }).toBe(false);
    await fireEvent.click(screen.getByTestId("add-button"));
    await screen.findByTestId("add-done");
    // The list read after the add holds it: Added stays.
    await expect.poll(() => screen.queryAllByTestId("server-row").length).toBe(2);
    const reads = () => calls.filter((cmd) => cmd === "list_servers").length;
    const before = reads();
    await emit("config-changed", null);
    await expect.poll(reads).toBe(before + 1);
    await tick();
    expect(screen.getByTestId("add-done")).toBeTruthy();

    // Removed by another program: Added (and its Restart offer) would stand for a server that is gone.
    names = ["alpha"];
    await emit("config-changed", null);
    await expect.poll(() => screen.queryAllByTestId("server-row").length).toBe(1);
    await expect.poll(() => screen.queryByTestId("add-done")).toBeNull();
    expect(input("add-input").value).toBe("");
  });
});

describe("Servers: names that are Object's own properties", () => {
  it("lists servers named constructor and __proto__ with their findings, and nothing that is not theirs", async () => {
    app(
      () => ["constructor", "__proto__", "toString"],
      (cmd) => {
        if (cmd === "server_findings")
          return ["constructor", "__proto__"].map((server) => ({
            server,
            code: "missing-env",
            severity: "error",
            summary: `${server} needs a token`,
            detail: "",
            fix: null,
            fixable: false,
          }));
        return undefined;
      },
    );
    await expect.poll(() => screen.queryAllByTestId("server-finding").length).toBe(2);
    expect(screen.getAllByTestId("server-name").map((n) => n.textContent)).toEqual(["constructor", "__proto__", "toString"]);
    expect(within(row("constructor")).getByTestId("server-finding").textContent).toContain("constructor needs a token");
    expect(within(row("__proto__")).getByTestId("server-finding").textContent).toContain("__proto__ needs a token");
    expect(within(row("toString")).queryByTestId("server-finding")).toBeNull();
    for (const name of ["constructor", "__proto__", "toString"]) {
      expect(within(row(name)).getByTestId("server-status").textContent).toBe("Never started");
      expect(within(row(name)).queryByTestId("server-stop-running")).toBeNull();
      expect((within(row(name)).getByTestId("server-keep-running") as HTMLButtonElement).disabled).toBe(false);
      expect((within(row(name)).getByTestId("server-test") as HTMLButtonElement).disabled).toBe(false);
    }
  });
});

describe("Servers: Undo undoes the change its bar names", () => {
  it("sends the change's history id, and says so when a later change came (nothing undone)", async () => {
    const undos: unknown[] = [];
    app(
      () => ["alpha"],
      (cmd, args) => {
        if (cmd === "set_server_captured") return { done: "tap alpha", historyId: 41 };
        if (cmd === "undo_last_change") {
          undos.push(args);
          throw { code: "changed-since", message: "Nothing was undone: another change came after it (add tiny)." };
        }
        return undefined;
      },
    );
    await screen.findByText("alpha");
    await fireEvent.click(screen.getByTestId("server-capture"));
    await fireEvent.click(await screen.findByTestId("server-undo"));
    await expect.poll(() => screen.queryByTestId("server-change")?.textContent).toContain("Nothing was undone");
    expect(undos).toEqual([{ expected: 41 }]);
    expect(screen.getByTestId("server-change").classList.contains("failed")).toBe(true);
    expect(screen.queryByTestId("server-undo")).toBeNull();
  });

  it("offers Undo after removing a disabled server too", async () => {
    let names = ["alpha"];
    const undos: unknown[] = [];
    app(
      () => names,
      (cmd, args) => {
        if (cmd === "list_servers") return names.map((n) => summary(n, { enabled: false }));
        if (cmd === "remove_server") {
          names = [];
          return { done: "remove disabled alpha", historyId: 9 };
        }
        if (cmd === "undo_last_change") {
          undos.push(args);
          names = ["alpha"];
          return "remove disabled alpha";
        }
        return undefined;
      },
    );
    await screen.findByText("alpha");
    await fireEvent.click(screen.getByTestId("server-remove"));
    await expect.poll(() => screen.queryByTestId("server-change")?.textContent).toContain("Removed alpha");
    await fireEvent.click(screen.getByTestId("server-undo"));
    await expect.poll(() => screen.queryAllByTestId("server-row").length).toBe(1);
    expect(undos).toEqual([{ expected: 9 }]);
    expect(screen.getByTestId("server-change").textContent).toContain("Undone: Removed alpha");
  });
});

describe("Servers: repeated Undo walks back the window's own changes", () => {
  it("offers the change made here before the one undone, and undoes that one by its history id", async () => {
    const undos: unknown[] = [];
    app(
      () => ["alpha", "beta"],
      (cmd, args) => {
        if (cmd === "set_server_captured") return { done: "tap alpha", historyId: 41 };
        if (cmd === "set_server_enabled") return { done: "disable beta", historyId: 42 };
        if (cmd === "undo_last_change") {
          undos.push(args);
          return (args as { expected: number }).expected === 42 ? "disable beta" : "tap alpha";
        }
        return undefined;
      },
    );
    await screen.findByText("beta");
    await fireEvent.click(within(row("alpha")).getByTestId("server-capture"));
    await expect.poll(() => screen.queryByTestId("server-change")?.textContent).toContain("Traffic capture on for alpha");
    await fireEvent.click(within(row("beta")).getByTestId("server-toggle"));
    await expect.poll(() => screen.queryByTestId("server-change")?.textContent).toContain("Disabled beta");
    screen.getByTestId("server-undo").focus();
    await fireEvent.click(screen.getByTestId("server-undo"));
    await expect.poll(() => screen.queryByTestId("server-change")?.textContent).toContain("Undone: Disabled beta");
    const earlier = await screen.findByTestId("server-undo-earlier");
    expect(earlier.textContent).toBe("Undo “Traffic capture on for alpha”");
    // Keyboard focus was on Undo, which gave way to it.
    await expect.poll(() => document.activeElement).toBe(earlier);
    await fireEvent.click(earlier);
    await expect.poll(() => screen.queryByTestId("server-change")?.textContent).toContain("Undone: Traffic capture on for alpha");
    expect(undos).toEqual([{ expected: 42 }, { expected: 41 }]);
    expect(screen.queryByTestId("server-undo-earlier")).toBeNull();
    expect(screen.queryByTestId("server-undo")).toBeNull();
  });

  it("offers nothing more once another program changed the file", async () => {
    app(
      () => ["alpha", "beta"],
      (cmd) => {
        if (cmd === "set_server_captured") return { done: "tap alpha", historyId: 41 };
        if (cmd === "set_server_enabled") return { done: "disable beta", historyId: 42 };
        if (cmd === "undo_last_change") return "disable beta";
        return undefined;
      },
    );
    await screen.findByText("beta");
    await fireEvent.click(within(row("alpha")).getByTestId("server-capture"));
    await expect.poll(() => screen.queryByTestId("server-change")?.textContent).toContain("Traffic capture on for alpha");
    await fireEvent.click(within(row("beta")).getByTestId("server-toggle"));
    await expect.poll(() => screen.queryByTestId("server-change")?.textContent).toContain("Disabled beta");
    await fireEvent.click(screen.getByTestId("server-undo"));
    await screen.findByTestId("server-undo-earlier");
    // The undo's own news, then an editor's write.
    await emit("config-changed", { newest: 43, undoable: 41 });
    expect(screen.getByTestId("server-undo-earlier")).toBeTruthy();
    await emit("config-changed", { newest: 43, undoable: null });
    await expect.poll(() => screen.queryByTestId("server-undo-earlier")).toBeNull();
  });
});

describe("Servers: the status bar can be closed", () => {
  it("closes with its × button (labelled) and with Escape while the focus is in it", async () => {
    app(
      () => ["alpha"],
      (cmd) => (cmd === "set_server_captured" ? { done: "tap alpha", historyId: 41 } : undefined),
    );
    await screen.findByText("alpha");
    await fireEvent.click(screen.getByTestId("server-capture"));
    const close = await screen.findByRole("button", { name: "Close this message" });
    await fireEvent.click(close);
    await expect.poll(() => screen.queryByTestId("server-change")).toBeNull();

    await fireEvent.click(screen.getByTestId("server-capture"));
    const undo = await screen.findByTestId("server-undo");
    undo.focus();
    await fireEvent.keyDown(undo, { key: "Escape" });
    await expect.poll(() => screen.queryByTestId("server-change")).toBeNull();
    // Not left on the page: on the view's heading.
    expect(document.activeElement?.id).toBe("view-title");
  });
});

describe("Servers: Undo after the config file changed elsewhere", () => {
  async function captured() {
    const undos: unknown[] = [];
    app(
      () => ["alpha"],
      (cmd, args) => {
        if (cmd === "set_server_captured") return { done: "tap alpha", historyId: 41 };
        if (cmd === "undo_last_change") undos.push(args);
        return undefined;
      },
    );
    await screen.findByText("alpha");
    await fireEvent.click(screen.getByTestId("server-capture"));
    await screen.findByTestId("server-undo");
    return undos;
  }
  const bar = () => screen.getByTestId("server-change").querySelector("span")?.textContent ?? "";

  it("keeps Undo while the file holds what the bar's change wrote, also after news read before it", async () => {
    await captured();
    await emit("config-changed", { newest: 41, undoable: 41 });
    await emit("config-changed", { newest: 40, undoable: null });
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.getByTestId("server-undo")).toBeTruthy();
    expect(bar()).toBe("Traffic capture on for alpha");
  });

  // The other program may have undone the bar's change (`mcp-tray undo`): the bar no longer
  // claims it, only that the file changed and Undo went.
  const ELSEWHERE =
    "Another program changed the config file since, so the last change made here can no longer be undone from this window (mcp-tray history lists every change).";

  it("takes Undo away and says why, without claiming its change still holds, when another program changed the file", async () => {
    const undos = await captured();
    await emit("config-changed", { newest: 41, undoable: null });
    await expect.poll(() => screen.queryByTestId("server-undo")).toBeNull();
    expect(bar()).toBe(ELSEWHERE);
    expect(screen.getByTestId("server-change").textContent).not.toContain("Traffic capture on");
    expect(screen.getByTestId("server-change").classList.contains("failed")).toBe(false);
    // Said to screen readers: the same live region, its words replaced.
    expect(screen.getByTestId("server-change").getAttribute("role")).toBe("status");
    // "Takes effect when Claude Desktop restarts" was about the change the bar no longer names.
    expect(screen.queryByTestId("server-change-when")).toBeNull();
    expect(undos).toEqual([]);
  });

  it("takes Undo away when a newer change was made outside the view (the CLI, the tray)", async () => {
    await captured();
    await emit("config-changed", { newest: 42, undoable: 42 });
    await expect.poll(() => screen.queryByTestId("server-undo")).toBeNull();
    expect(bar()).toBe(ELSEWHERE);
  });

  it("moves the focus from Undo, when Undo goes, to the bar that says why (not to the page)", async () => {
    await captured();
    const undo = screen.getByTestId("server-undo") as HTMLButtonElement;
    await expect.poll(() => undo.disabled).toBe(false);
    undo.focus();
    expect(document.activeElement).toBe(undo);
    await emit("config-changed", { newest: 42, undoable: 42 });
    await expect.poll(() => screen.queryByTestId("server-undo")).toBeNull();
    await expect.poll(() => document.activeElement?.getAttribute("data-testid")).toBe("server-change");
  });
});

describe("Servers: a tray action that failed", () => {
  it("is said in the status bar, with Servers shown", async () => {
    app(() => ["alpha"]);
    await screen.findByText("alpha");
    await go("Logs");
    await emit("tray-action-failed", { message: "alpha was not disabled: the file is read-only" });
    await expect.poll(() => screen.getByRole("heading", { level: 1 }).textContent).toBe("Servers");
    const bar = screen.getByTestId("server-change");
    expect(bar.textContent).toContain("alpha was not disabled: the file is read-only");
    expect(bar.classList.contains("failed")).toBe(true);
  });
});

describe("Servers: a row's test can be cancelled", () => {
  it("Cancel test stops that test under its run; the late answer is dropped and the row can test again", async () => {
    const probe = deferred<unknown>();
    const asked: { cmd: string; args: unknown }[] = [];
    app(
      () => ["alpha"],
      (cmd, args) => {
        if (cmd === "test_server" || cmd === "cancel_test") asked.push({ cmd, args });
        if (cmd === "test_server") return probe.promise;
        if (cmd === "cancel_test") return null;
        return undefined;
      },
    );
    await screen.findByText("alpha");
    expect(screen.queryByTestId("server-test-cancel")).toBeNull();
    await fireEvent.click(screen.getByTestId("server-test"));
    await fireEvent.click(await screen.findByTestId("server-test-cancel"));
    const run = (asked[0].args as { run: number }).run;
    expect(typeof run).toBe("number");
    expect(asked).toEqual([
      { cmd: "test_server", args: { name: "alpha", run } },
      { cmd: "cancel_test", args: { run } },
    ]);
    expect(screen.queryByTestId("server-test-cancel")).toBeNull();
    expect(screen.getByTestId("server-test").textContent?.trim()).toBe("Test");
    probe.resolve({ ok: true, serverName: "alpha", serverVersion: null, transport: "stdio", tools: [], diagnosis: null, stderrTail: [], totalMs: 3 });
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.queryByTestId("server-test-result")).toBeNull();
  });
});

describe("Servers: keyboard focus through a row's Test and Keep running", () => {
  const testid = () => document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName;
  const inRow = () => (document.activeElement?.closest("[data-server]") as HTMLElement | null)?.dataset.server;
  const answered = { ok: true, serverName: "alpha", serverVersion: null, transport: "stdio", tools: [], diagnosis: null, stderrTail: [], totalMs: 3 };

  it("goes to Cancel test while the test runs (Test is off), and back to Test when it ends", async () => {
    const probe = deferred<unknown>();
    app(() => ["alpha", "beta"], (cmd) => (cmd === "test_server" ? probe.promise : undefined));
    await screen.findByText("beta");
    const test = within(row("alpha")).getByTestId("server-test");
    test.focus();
    await fireEvent.click(test);
    await expect.poll(testid).toBe("server-test-cancel");
    expect(inRow()).toBe("alpha");
    probe.resolve(answered);
    await screen.findByTestId("server-test-result");
    await expect.poll(testid).toBe("server-test");
    expect(inRow()).toBe("alpha");
  });

  it("goes back to Test after Cancel test", async () => {
    app(() => ["alpha"], (cmd) => (cmd === "test_server" ? new Promise(() => {}) : cmd === "cancel_test" ? null : undefined));
    await screen.findByText("alpha");
    const test = screen.getByTestId("server-test");
    test.focus();
    await fireEvent.click(test);
    await expect.poll(testid).toBe("server-test-cancel");
    await fireEvent.click(screen.getByTestId("server-test-cancel"));
    await expect.poll(() => screen.queryByTestId("server-test-cancel")).toBeNull();
    await expect.poll(testid).toBe("server-test");
  });

  it("never takes the focus from where the person put it while the test ran", async () => {
    const probe = deferred<unknown>();
    app(() => ["alpha", "beta"], (cmd) => (cmd === "test_server" ? probe.promise : undefined));
    await screen.findByText("beta");
    const test = within(row("alpha")).getByTestId("server-test");
    test.focus();
    await fireEvent.click(test);
    await expect.poll(testid).toBe("server-test-cancel");
    const elsewhere = within(row("beta")).getByTestId("server-edit");
    elsewhere.focus();
    probe.resolve(answered);
    await screen.findByTestId("server-test-result");
    await new Promise((r) => setTimeout(r, 20));
    expect(document.activeElement).toBe(elsewhere);
  });

  it("goes from Keep running to Stop running, from Stop running to Keep running, and stays on Restart", async () => {
    const kept = (name: string) => ({ name, state: "running", pid: 7, restarts: 0, since: null, toolCount: 1, problem: null });
    let keeping = false;
    let revision = 0;
    app(
      () => ["alpha"],
      (cmd, args) => {
        if (cmd === "set_server_kept") keeping = (args as { keep: boolean }).keep;
        if (cmd === "set_server_kept" || cmd === "restart_kept_server" || cmd === "kept_servers")
          return { revision: ++revision, servers: keeping ? [kept("alpha")] : [] };
        return undefined;
      },
    );
    await screen.findByText("alpha");
    const keep = screen.getByTestId("server-keep-running");
    keep.focus();
    await fireEvent.click(keep);
    await expect.poll(testid).toBe("server-stop-running");
    screen.getByTestId("server-restart").focus();
    await fireEvent.click(screen.getByTestId("server-restart"));
    await expect.poll(() => (screen.getByTestId("server-restart") as HTMLButtonElement).disabled).toBe(false);
    expect(testid()).toBe("server-restart");
    screen.getByTestId("server-stop-running").focus();
    await fireEvent.click(screen.getByTestId("server-stop-running"));
    await expect.poll(testid).toBe("server-keep-running");
  });
});

describe("Servers: while the config file cannot be read", () => {
  const PARSE = "/c.json:3:7: expected a comma";

  it("turns Test and Keep running off too, not Restart and Stop running (they never read the file)", async () => {
    let broken = false;
    app(
      () => ["alpha", "beta"],
      (cmd) => {
        if (cmd === "list_servers" && broken) throw { code: "bad-json-config", message: PARSE };
        if (cmd === "kept_servers") return { revision: 1, servers: [{ name: "beta", state: "running", pid: 7, restarts: 0, since: null, toolCount: 1, problem: null }] };
        return undefined;
      },
    );
    await screen.findByTestId("server-stop-running");
    broken = true;
    await emit("config-changed", null);
    await screen.findByTestId("servers-as-last-read");
    for (const id of ["server-test", "server-keep-running"]) expect((within(row("alpha")).getByTestId(id) as HTMLButtonElement).disabled).toBe(true);
    expect((within(row("beta")).getByTestId("server-test") as HTMLButtonElement).disabled).toBe(true);
    // A server running away can always be stopped.
    for (const id of ["server-restart", "server-stop-running"])
      expect((within(row("beta")).getByTestId(id) as HTMLButtonElement).disabled).toBe(false);
    broken = false;
    await emit("config-changed", null);
    await expect.poll(() => (within(row("alpha")).getByTestId("server-keep-running") as HTMLButtonElement).disabled).toBe(false);
    expect((within(row("beta")).getByTestId("server-stop-running") as HTMLButtonElement).disabled).toBe(false);
  });

  it("drops a failure that was only the file not reading once it reads again, and keeps one about an action", async () => {
    let broken = false;
    app(
      () => ["alpha"],
      (cmd) => {
        // Saved half-way just now: the list is not read again yet, an action reads the file.
        if ((cmd === "set_server_enabled" || cmd === "set_server_kept") && broken) throw { code: "bad-json-config", message: PARSE };
        if (cmd === "list_servers" && broken) throw { code: "bad-json-config", message: PARSE };
        if (cmd === "set_server_captured") throw { code: "io-error", message: "alpha was not changed: /c.json is read-only" };
        return undefined;
      },
    );
    await screen.findByText("alpha");
    const bar = () => screen.queryByTestId("server-change")?.textContent ?? null;

    broken = true;
    await fireEvent.click(screen.getByTestId("server-toggle"));
    await expect.poll(bar).toContain(PARSE);
    await emit("config-changed", null);
    await screen.findByTestId("servers-as-last-read");
    expect(bar()).toContain(PARSE);
    broken = false;
    await emit("config-changed", null);
    await expect.poll(() => screen.queryByTestId("servers-as-last-read")).toBeNull();
    await expect.poll(bar).toBeNull();

    // Keep running's failure (said in the bar by its message alone) goes too.
    broken = true;
    await fireEvent.click(screen.getByTestId("server-keep-running"));
    await expect.poll(bar).toContain(PARSE);
    await emit("config-changed", null);
    await screen.findByTestId("servers-as-last-read");
    broken = false;
    await emit("config-changed", null);
    await expect.poll(bar).toBeNull();

    // A failure about an action stays however the file reads.
    await fireEvent.click(screen.getByTestId("server-capture"));
    await expect.poll(bar).toContain("read-only");
    await emit("config-changed", null);
    await new Promise((r) => setTimeout(r, 50));
    expect(bar()).toContain("read-only");
  });
});

describe("Servers: the bar after Undo", () => {
  it("no longer says 'Undone: …' once another program changed the file after it", async () => {
    let names = ["alpha", "github"];
    app(
      () => names,
      (cmd) => {
        if (cmd === "remove_server") {
          names = ["alpha"];
          return { done: "remove github", historyId: 7 };
        }
        if (cmd === "undo_last_change") {
          names = ["alpha", "github"];
          return "remove github";
        }
        return undefined;
      },
    );
    await screen.findByText("github");
    await fireEvent.click(within(row("github")).getByTestId("server-remove"));
    await emit("config-changed", { newest: 7, undoable: 7 });
    await fireEvent.click(await screen.findByTestId("server-undo"));
    await expect.poll(() => screen.queryByTestId("server-change")?.textContent).toContain("Undone: Removed github");
    await emit("config-changed", { newest: 8, undoable: null });
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.getByTestId("server-change").textContent).toContain("Undone: Removed github");
    // An editor writes the file.
    await emit("config-changed", { newest: 8, undoable: null });
    await expect.poll(() => screen.getByTestId("server-change").textContent).not.toContain("Removed github");
    expect(screen.getByTestId("server-change").textContent).toContain("mcp-tray history");
    expect(screen.queryByTestId("server-change-when")).toBeNull();
    expect(screen.queryByTestId("server-undo")).toBeNull();
  });
});

describe("Servers: an open Edit form whose server goes elsewhere", () => {
  const bar = () => screen.getByTestId("server-change").querySelector("span")?.textContent ?? "";

  it("says the form was closed, and what was typed not saved, when another program removed its server; focus goes to the bar", async () => {
    let names = ["alpha", "beta"];
    app(() => names);
    await screen.findByText("beta");
    await fireEvent.click(within(row("alpha")).getByTestId("server-edit"));
    await expect.poll(() => input("edit-command").value).toBe("npx");
    input("edit-command").focus();
    await fireEvent.input(input("edit-command"), { target: { value: "uvx typed-by-hand" } });

    names = ["beta"];
    await emit("config-changed", { newest: 9, undoable: null });
    await expect.poll(() => screen.queryByTestId("server-edit-form")).toBeNull();
    await expect.poll(bar).toBe(
      "alpha was removed from the config file by another program, so its Edit form was closed: the changes typed in it were not saved.",
    );
    expect(screen.getByTestId("server-change").classList.contains("failed")).toBe(false);
    // Not "Takes effect when Claude Desktop restarts": nothing was changed from here.
    expect(screen.queryByTestId("server-change-when")).toBeNull();
    await expect.poll(() => document.activeElement?.getAttribute("data-testid")).toBe("server-change");
    // Later news of the file leaves it said.
    await emit("config-changed", { newest: 10, undoable: null });
    await new Promise((r) => setTimeout(r, 30));
    expect(bar()).toContain("alpha was removed");
  });

  it("follows its server renamed by another program, with what was typed, and says so in the form", async () => {
    let names = ["alpha", "beta"];
    const edits: unknown[] = [];
    app(
      () => names,
      (cmd, args) => {
        // The same entry under either name: only the name changes.
        if (cmd === "list_servers") return names.map((n) => summary(n, { command: "npx" }));
        if (cmd === "edit_server") {
          edits.push(args);
          return { done: "edit gamma", historyId: 12 };
        }
        return undefined;
      },
    );
    await screen.findByText("beta");
    await fireEvent.click(within(row("alpha")).getByTestId("server-edit"));
    await expect.poll(() => input("edit-command").value).toBe("npx");
    input("edit-command").focus();
    await fireEvent.input(input("edit-command"), { target: { value: "uvx typed-by-hand" } });

    names = ["gamma", "beta"];
    await emit("config-changed", { newest: 9, undoable: null });
    await expect.poll(() => screen.queryByTestId("edit-renamed")?.textContent).toContain("Renamed from alpha to gamma");
    const form = within(row("gamma")).getByTestId("server-edit-form");
    expect(form.getAttribute("aria-label")).toBe("Edit gamma");
    expect(input("edit-command").value).toBe("uvx typed-by-hand");
    expect(input("edit-name").value).toBe("gamma");
    // Nothing closed: nothing said in the bar, and the focus back where it was.
    expect(screen.queryByTestId("server-change")).toBeNull();
    await expect.poll(() => document.activeElement).toBe(input("edit-command"));

    await fireEvent.click(screen.getByTestId("edit-save"));
    await expect.poll(() => edits.length).toBe(1);
    expect(edits[0]).toMatchObject({ name: "gamma", change: { name: null, command: "uvx typed-by-hand" } });
  });

  it("closes as before when the server that came in its place holds another entry", async () => {
    let names = ["alpha", "beta"];
    app(() => names);
    await screen.findByText("beta");
    await fireEvent.click(within(row("alpha")).getByTestId("server-edit"));
    await expect.poll(() => input("edit-command").value).toBe("npx");
    await fireEvent.input(input("edit-command"), { target: { value: "uvx typed-by-hand" } });
    // (run-gamma, not run-alpha: not the same entry.)
    names = ["gamma", "beta"];
    await emit("config-changed", { newest: 9, undoable: null });
    await expect.poll(() => screen.queryByTestId("server-edit-form")).toBeNull();
    await expect.poll(bar).toContain("alpha was removed from the config file by another program");
  });

  it("says so when its server was disabled outside the window (the tray), and leaves the focus where it was", async () => {
    let disabled = false;
    app(
      () => ["alpha", "beta"],
      (cmd) => (cmd === "list_servers" ? ["alpha", "beta"].map((n) => summary(n, { enabled: !(n === "alpha" && disabled) })) : undefined),
    );
    await screen.findByText("beta");
    await fireEvent.click(within(row("alpha")).getByTestId("server-edit"));
    await expect.poll(() => input("edit-command").value).toBe("npx");
    const elsewhere = within(row("beta")).getByTestId("server-test");
    elsewhere.focus();

    disabled = true;
    await emit("config-changed", { newest: 9, undoable: 9 });
    await expect.poll(() => screen.queryByTestId("server-edit-form")).toBeNull();
    await expect.poll(bar).toBe(
      "alpha was disabled outside this window (from the tray or by another program), so its Edit form was closed.",
    );
    expect(document.activeElement).toBe(elsewhere);
    // Enabled again: its Edit opens a new form.
    disabled = false;
    await emit("config-changed", { newest: 10, undoable: 10 });
    await expect.poll(() => within(row("alpha")).queryByTestId("server-edit")).not.toBeNull();
    await fireEvent.click(within(row("alpha")).getByTestId("server-edit"));
    await expect.poll(() => screen.queryByTestId("server-edit-form")).not.toBeNull();
  });

  it("says nothing of the kind when the person removed the server from its own row", async () => {
    let names = ["alpha", "beta"];
    app(
      () => names,
      (cmd) => {
        if (cmd !== "remove_server") return undefined;
        names = ["beta"];
        return { done: "remove alpha", historyId: 4 };
      },
    );
    await screen.findByText("beta");
    await fireEvent.click(within(row("alpha")).getByTestId("server-edit"));
    await expect.poll(() => input("edit-command").value).toBe("npx");
    await fireEvent.click(within(row("alpha")).getByTestId("server-remove"));
    await expect.poll(() => screen.queryByTestId("server-edit-form")).toBeNull();
    await expect.poll(bar).toBe("Removed alpha");
    // Its own news, and a re-read after it, change nothing.
    await emit("config-changed", { newest: 4, undoable: 4 });
    await new Promise((r) => setTimeout(r, 30));
    expect(bar()).toBe("Removed alpha");
    expect(screen.getByTestId("server-undo")).toBeTruthy();
  });
});

describe("Servers: the local-server form's Name", () => {
  it("is checked against the servers listed, disabled ones too, as it is typed", async () => {
    app(
      () => ["alpha", "racer"],
      (cmd) => (cmd === "list_servers" ? [summary("alpha"), summary("racer", { enabled: false })] : undefined),
    );
    await screen.findByText("racer");
    await fireEvent.input(screen.getByTestId("local-name"), { target: { value: "racer" } });
    expect((await screen.findByTestId("local-taken")).textContent?.trim()).toBe(
      "A server named “racer” already exists: choose another name.",
    );
    await fireEvent.input(screen.getByTestId("local-name"), { target: { value: "alpha" } });
    expect((await screen.findByTestId("local-taken")).textContent).toContain("“alpha”");
  });
});

describe("Servers: keyboard focus and the bar stuck at the window's bottom", () => {
  it("scrolls a control the focus reaches under the bar clear of it", async () => {
    app(
      () => ["alpha", "beta"],
      (cmd) => (cmd === "set_server_enabled" ? { done: "disable alpha", historyId: 3 } : undefined),
    );
    await screen.findByText("beta");
    await fireEvent.click(within(row("alpha")).getByTestId("server-toggle"));
    const dock = await screen.findByTestId("server-change-dock");
    await expect.poll(() => (screen.getByTestId("server-undo") as HTMLButtonElement).disabled).toBe(false);

    // The layout of a 700 px high window, as the real app measured it: the bar's top at 592, the
    // button Tab reaches at 661..687 while the view is not scrolled.
    const main = document.getElementById("view") as HTMLElement;
    main.style.overflowY = "auto";
    let scrolled = 0;
    Object.defineProperty(main, "scrollTop", { configurable: true, get: () => scrolled, set: (v: number) => (scrolled = v) });
    const rect = (top: number, height: number) => ({ top, bottom: top + height, height, left: 0, right: 100, width: 100, x: 0, y: top, toJSON: () => ({}) });
    main.getBoundingClientRect = () => rect(0, 700);
    dock.getBoundingClientRect = () => rect(592, 108);
    const button = within(row("beta")).getByTestId("server-test");
    button.getBoundingClientRect = () => rect(661 - scrolled, 26);

    // Focused by a click (the last input was the pointer's): the list must not move under it.
    await fireEvent.pointerDown(button);
    await fireEvent.mouseDown(button);
    button.focus();
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    expect(scrolled).toBe(0);
    button.blur();

    // Reached with Tab.
    await fireEvent.keyDown(document.body, { key: "Tab" });
    button.focus();
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    await new Promise((r) => setTimeout(r, 20));
    const box = button.getBoundingClientRect();
    expect(box.bottom).toBeLessThanOrEqual(592);
    expect(box.top).toBeGreaterThan(0);
    // No further than that.
    expect(scrolled).toBe(687 - 592 + 8);

    // A control already clear of the bar: the view stays.
    const alpha = within(row("alpha")).getByTestId("server-test");
    alpha.getBoundingClientRect = () => rect(200, 26);
    alpha.focus();
    await new Promise((r) => setTimeout(r, 20));
    expect(scrolled).toBe(103);
  });
});
