import { describe, expect, it, vi } from "vitest";
import type { ipc } from "../ipc";
import { createLocalServerForm, createServerEditor, envInput, envRow, isPlainHttpElsewhere } from "./serverForms.svelte";

type Api = typeof ipc;

function fakeApi(overrides: Partial<Api>): Api {
  return overrides as Api;
}

/** A local server whose one env value is a masked secret. */
const tokenOnly = {
  name: "gh",
  kind: "local",
  command: "npx",
  args: [],
  env: [{ name: "GITHUB_TOKEN", value: null, secret: true }],
  url: null,
  headers: [],
  caCert: null,
  allowHttp: false,
} as const satisfies Awaited<ReturnType<Api["serverDetails"]>>;

describe("server forms", () => {
  it("seeing a secret (Show) is not a change: the form holds none, and a save keeps that env as it is", async () => {
    const editServer = vi.fn(async () => ({ done: "edit gh", historyId: 8 }));
    const api = fakeApi({
      serverDetails: async () => tokenOnly,
      editServer,
      revealEnvValue: async () => "ghp_x",
    });
    const editor = createServerEditor("gh", api);
    await editor.load();
    await editor.reveal(editor.fields.env[0]);
    expect(editor.fields.env[0]).toMatchObject({ value: "ghp_x", masked: false });
    expect(editor.changed).toBe(false);
    editor.fields.name = "github";
    expect(editor.changed).toBe(true);
    await editor.save();
    expect(editServer).toHaveBeenLastCalledWith("gh", expect.objectContaining({ name: "github", env: null }));
  });

  it("a value typed over a masked secret while Show was asked for stays, and is saved", async () => {
    let answer: (value: string) => void = () => {};
    const editServer = vi.fn(async () => ({ done: "edit gh", historyId: 9 }));
    const api = fakeApi({
      serverDetails: async () => tokenOnly,
      editServer,
      revealEnvValue: () => new Promise<string>((resolve) => (answer = resolve)),
    });
    const editor = createServerEditor("gh", api);
    await editor.load();
    const showing = editor.reveal(editor.fields.env[0]);
    // The key is rotated: typed over the masked value before the old one came back.
    editor.fields.env[0] = { ...editor.fields.env[0], value: "ghp_new", masked: false };
    answer("ghp_old");
    await showing;
    expect(editor.fields.env[0]).toMatchObject({ value: "ghp_new", masked: false });
    expect(editor.changed).toBe(true);
    await editor.save();
    expect(editServer).toHaveBeenLastCalledWith("gh", expect.objectContaining({ env: [{ name: "GITHUB_TOKEN", value: "ghp_new" }] }));
  });

  it("a masked secret is sent as keep (null) and never shown until revealed", async () => {
    const editServer = vi.fn(async () => ({ done: "edit gh", historyId: 3 }));
    const revealEnvValue = vi.fn(async () => "ghp_x");
    const api = fakeApi({
      serverDetails: async () => ({
        name: "gh",
        kind: "local",
        command: "npx",
        args: ["-y", "gh server"],
        env: [
          { name: "GITHUB_TOKEN", value: null, secret: true },
          { name: "LOG", value: "1", secret: false },
        ],
        url: null,
        headers: [],
        caCert: null,
        allowHttp: false,
      }),
      editServer,
      revealEnvValue,
    });
    const editor = createServerEditor("gh", api);
    await editor.load();
    expect(editor.fields.args).toBe("-y 'gh server'");
    expect(editor.fields.env.map((r) => [r.name, r.value, r.masked])).toEqual([
      ["GITHUB_TOKEN", "", true],
      ["LOG", "1", false],
    ]);
    editor.fields.args = "-y other";
    editor.fields.env[1].value = "2";
    expect(await editor.save()).toEqual({ done: "edit gh", historyId: 3 });
    expect(editServer).toHaveBeenCalledWith("gh", {
      name: null,
      command: null,
      args: ["-y", "other"],
      env: [
        { name: "GITHUB_TOKEN", value: null },
        { name: "LOG", value: "2" },
      ],
      url: null,
      headers: null,
      caCert: null,
      allowHttp: null,
      loaded: {
        command: "npx",
        args: ["-y", "gh server"],
        env: [
          { name: "GITHUB_TOKEN", value: null, secret: true },
          { name: "LOG", value: "1", secret: false },
        ],
        url: null,
        headers: [],
        caCert: null,
        allowHttp: false,
      },
    });
    await editor.reveal(editor.fields.env[0]);
    expect(revealEnvValue).toHaveBeenCalledWith("gh", "GITHUB_TOKEN");
    expect(editor.fields.env[0]).toMatchObject({ value: "ghp_x", masked: false });
  });

  it("a save sends only the args and env the user changed: a change made elsewhere meanwhile to the others stays", async () => {
    const editServer = vi.fn(async () => ({ done: "edit gh", historyId: 7 }));
    const api = fakeApi({
      serverDetails: async () => ({
        name: "gh",
        kind: "local",
        command: "npx",
        args: ["-y", "gh server"],
        env: [{ name: "LOG", value: "1", secret: false }],
        url: null,
        headers: [],
        caCert: null,
        allowHttp: false,
      }),
      editServer,
    });
    const editor = createServerEditor("gh", api);
    await editor.load();
    // Only the name is changed: args and env are kept as the file has them by then.
    editor.fields.name = "github";
    await editor.save();
    expect(editServer).toHaveBeenLastCalledWith("gh", expect.objectContaining({ name: "github", args: null, env: null }));
    // Changed and changed back is no change either.
    editor.fields.args = "-y x";
    editor.fields.args = "-y 'gh server'";
    await editor.save();
    expect(editServer).toHaveBeenLastCalledWith("gh", expect.objectContaining({ args: null, env: null }));
    editor.fields.env = [...editor.fields.env, envRow("DEBUG", "1")];
    await editor.save();
    expect(editServer).toHaveBeenLastCalledWith(
      "gh",
      expect.objectContaining({ args: null, env: [{ name: "LOG", value: "1" }, { name: "DEBUG", value: "1" }] }),
    );
  });

  it("holds no change, and writes nothing, when what was typed is the entry as it is (spaces around a value, args quoted otherwise)", async () => {
    const editServer = vi.fn(async () => ({ done: "edit gh", historyId: 9 }));
    const api = fakeApi({
      serverDetails: async () => ({
        name: "gh",
        kind: "local",
        command: "npx",
        args: ["-y", "gh server"],
        env: [{ name: "LOG", value: "1", secret: false }],
        url: null,
        headers: [],
        caCert: null,
        allowHttp: false,
      }),
      editServer,
    });
    const editor = createServerEditor("gh", api);
    await editor.load();
    expect(editor.changed).toBe(false);
    editor.fields.name = " gh ";
    editor.fields.command = "npx ";
    editor.fields.args = `-y   "gh server"`;
    editor.fields.env = [...editor.fields.env, envRow("", "")];
    expect(editor.changed).toBe(false);
    expect(await editor.save()).toBeNull();
    expect(editServer).not.toHaveBeenCalled();
    expect(editor.status).toEqual({ state: "idle" });
    // A mistake is something to say: an unclosed quote is held (Save says why).
    editor.fields.args = `-y "gh server`;
    expect(editor.changed).toBe(true);
    editor.fields.args = "-y 'gh server' --verbose";
    expect(editor.changed).toBe(true);
    await editor.save();
    expect(editServer).toHaveBeenCalledWith("gh", expect.objectContaining({ name: null, command: null, args: ["-y", "gh server", "--verbose"], env: null }));
  });

  it("a remote server edits its URL and headers only; an unclosed quote is an error and nothing is sent", async () => {
    const editServer = vi.fn(async () => ({ done: "edit linear", historyId: 4 }));
    const api = fakeApi({
      serverDetails: async () => ({
        name: "linear",
        kind: "remote",
        command: "/bin/mcp-tray",
        args: ["bridge", "https://a/mcp"],
        env: [],
        url: "https://a/mcp",
        headers: [],
        caCert: null,
        allowHttp: false,
      }),
      editServer,
    });
    const editor = createServerEditor("linear", api);
    await editor.load();
    editor.fields.url = "https://b/mcp";
    editor.fields.name = "lin";
    await editor.save();
    expect(editServer).toHaveBeenCalledWith("linear", {
      name: "lin",
      command: null,
      args: null,
      env: null,
      url: "https://b/mcp",
      headers: null,
      caCert: null,
      allowHttp: null,
      loaded: { command: "/bin/mcp-tray", args: ["bridge", "https://a/mcp"], env: [], url: "https://a/mcp", headers: [], caCert: null, allowHttp: false },
    });

    const local = createServerEditor("x", fakeApi({ ...api, serverDetails: async () => ({ name: "x", kind: "local", command: "a", args: [], env: [], url: null, headers: [], caCert: null, allowHttp: false }) }));
    await local.load();
    local.fields.args = `"open`;
    editServer.mockClear();
    expect(await local.save()).toBeNull();
    expect(editServer).not.toHaveBeenCalled();
    expect(local.status).toEqual({ state: "failed", message: "Arguments: a double quote is not closed" });
  });

  it("a bridged server's CA certificate is sent only when changed, and an emptied field removes it", async () => {
    const editServer = vi.fn(async () => ({ done: "edit corp", historyId: 5 }));
    const api = fakeApi({
      serverDetails: async () => ({
        name: "corp",
        kind: "remote",
        command: "/bin/mcp-tray",
        args: ["bridge", "https://corp/mcp", "--ca-cert", "/etc/old-ca.pem"],
        env: [],
        url: "https://corp/mcp",
        headers: [],
        caCert: "/etc/old-ca.pem",
        allowHttp: false,
      }),
      editServer,
    });
    const editor = createServerEditor("corp", api);
    await editor.load();
    expect(editor.fields.caCert).toBe("/etc/old-ca.pem");
    editor.fields.name = "corp2";
    await editor.save();
    expect(editServer).toHaveBeenLastCalledWith("corp", expect.objectContaining({ name: "corp2", caCert: null }));
    editor.fields.caCert = " /etc/new-ca.pem ";
    await editor.save();
    expect(editServer).toHaveBeenLastCalledWith("corp", expect.objectContaining({ caCert: "/etc/new-ca.pem" }));
    editor.fields.caCert = "";
    await editor.save();
    expect(editServer).toHaveBeenLastCalledWith("corp", expect.objectContaining({ caCert: "" }));
  });

  it("a bridged server offers Allow unencrypted HTTP for an http:// URL to another computer only, sent when changed", async () => {
    expect(isPlainHttpElsewhere("http://10.0.0.7:8000/mcp")).toBe(true);
    expect(isPlainHttpElsewhere("HTTP://lan.example/mcp")).toBe(true);
    expect(isPlainHttpElsewhere("http://127.0.0.1:3001/mcp")).toBe(false);
    expect(isPlainHttpElsewhere("http://localhost/mcp")).toBe(false);
    expect(isPlainHttpElsewhere("http://[::1]:80/mcp")).toBe(false);
    expect(isPlainHttpElsewhere("https://10.0.0.7/mcp")).toBe(false);
    const editServer = vi.fn(async () => ({ done: "edit lan", historyId: 6 }));
    const editor = createServerEditor(
      "lan",
      fakeApi({
        serverDetails: async () => ({
          name: "lan",
          kind: "remote",
          command: "/bin/mcp-tray",
          args: ["bridge", "https://10.0.0.7/mcp"],
          env: [],
          url: "https://10.0.0.7/mcp",
          headers: [],
          caCert: null,
          allowHttp: false,
        }),
        editServer,
      }),
    );
    await editor.load();
    expect(editor.offersPlainHttp).toBe(false);
    editor.fields.url = "http://10.0.0.7/mcp";
    expect(editor.offersPlainHttp).toBe(true);
    editor.fields.allowHttp = true;
    await editor.save();
    expect(editServer).toHaveBeenLastCalledWith("lan", expect.objectContaining({ url: "http://10.0.0.7/mcp", allowHttp: true }));
  });

  it("the local form sends split args and named env, and says whether it wrote", async () => {
    const addLocalServer = vi.fn(async () => ({
      resolved: null,
      probe: { ok: false, serverName: null, serverVersion: null, transport: null, tools: [], diagnosis: null, stderrTail: [], totalMs: 0 },
      written: null,
      change: null,
      restartSupported: false,
      captured: false,
      split: null,
      stdoutLinesMoved: 0,
    }));
    const form = createLocalServerForm(fakeApi({ addLocalServer }));
    expect(form.canSubmit).toBe(false);
    form.fields.name = " ghost ";
    form.fields.command = "ghost-server";
    form.fields.args = "stdio --port 0";
    form.fields.env = [envRow("KEY", "v"), envRow()];
    expect(await form.submit()).toBe(false);
    expect(addLocalServer).toHaveBeenCalledWith(
      {
        name: "ghost",
        command: "ghost-server",
        args: ["stdio", "--port", "0"],
        env: [{ name: "KEY", value: "v" }],
        capture: true,
      },
      expect.any(Number),
      false,
    );
    expect(form.phase.state).toBe("done");
  });

  it("the local form adds a server whose test failed when asked to add it anyway", async () => {
    const failed = {
      ok: false,
      serverName: null,
      serverVersion: null,
      transport: null,
      tools: [],
      diagnosis: { code: "exited-early", severity: "error", server: "needs-token", summary: "exited", detail: "", fix: null },
      stderrTail: [],
      totalMs: 3,
    };
    const outcome = (written: boolean) => ({
      resolved: "/bin/sh",
      probe: failed,
      written: written ? "add needs-token" : null,
      change: written ? { done: "add needs-token", historyId: 3 } : null,
      restartSupported: false,
      captured: written,
      split: null,
      stdoutLinesMoved: 0,
    });
    const addLocalServer = vi.fn(async (_server: unknown, _run: number | null, anyway?: boolean) => outcome(anyway === true));
    const form = createLocalServerForm(fakeApi({ addLocalServer } as unknown as Partial<Api>));
    form.fields.name = "needs-token";
    form.fields.command = "sh";
    form.fields.args = "-c 'exit 2'";
    expect(form.canAddAnyway).toBe(false);
    expect(await form.submit()).toBe(false);
    expect(addLocalServer).toHaveBeenLastCalledWith(expect.objectContaining({ name: "needs-token" }), expect.any(Number), false);
    expect(form.canAddAnyway).toBe(true);

    expect(await form.submit(true)).toBe(true);
    expect(addLocalServer).toHaveBeenLastCalledWith(
      expect.objectContaining({ name: "needs-token", command: "sh", args: ["-c", "exit 2"], capture: true }),
      expect.any(Number),
      true,
    );
    expect(form.phase).toMatchObject({ state: "done", name: "needs-token", outcome: { written: "add needs-token" } });
    // Written: neither Add anyway nor Test and add is offered again for the same fields.
    expect(form.canAddAnyway).toBe(false);
    expect(form.canSubmit).toBe(false);
  });

  it("the local form captures the server's traffic unless unticked, and ticks it again for the next server", async () => {
    const probe = { ok: true, serverName: null, serverVersion: null, transport: null, tools: [], diagnosis: null, stderrTail: [], totalMs: 1 };
    const addLocalServer = vi.fn(async () => ({ resolved: "/bin/tiny", probe, written: "/c.json", change: { done: "add tiny", historyId: 1 }, restartSupported: false, captured: false, split: null, stdoutLinesMoved: 0 }));
    const form = createLocalServerForm(fakeApi({ addLocalServer }));
    expect(form.capture).toBe(true);
    form.fields.name = "tiny";
    form.fields.command = "tiny";
    form.capture = false;
    expect(await form.submit()).toBe(true);
    expect(addLocalServer).toHaveBeenLastCalledWith(expect.objectContaining({ name: "tiny", capture: false }), expect.any(Number), false);
    form.reset();
    expect(form.capture).toBe(true);
  });

  it("after a server is written, Test and add waits for a field to change (a second click would only be refused)", async () => {
    const probe = { ok: true, serverName: null, serverVersion: null, transport: null, tools: [], diagnosis: null, stderrTail: [], totalMs: 1 };
    const addLocalServer = vi.fn(async () => ({ resolved: "/bin/tiny", probe, written: "/c.json", change: { done: "add tiny", historyId: 1 }, restartSupported: false, captured: true, split: null, stdoutLinesMoved: 0 }));
    const form = createLocalServerForm(fakeApi({ addLocalServer }));
    form.fields.name = "tiny";
    form.fields.command = "tiny";
    expect(form.canSubmit).toBe(true);
    expect(await form.submit()).toBe(true);
    expect(form.canSubmit).toBe(false);
    form.fields.name = "tiny-2";
    expect(form.canSubmit).toBe(true);
    // What was added keeps its name while the fields change.
    expect(form.phase).toMatchObject({ state: "done", name: "tiny" });
    form.fields.name = "tiny";
    expect(form.canSubmit).toBe(false);
    form.reset();
    form.fields.name = "tiny";
    form.fields.command = "tiny";
    expect(form.canSubmit).toBe(true);
  });

  it("a server that did not answer can be tried again as it is", async () => {
    const probe = { ok: false, serverName: null, serverVersion: null, transport: null, tools: [], diagnosis: null, stderrTail: [], totalMs: 1 };
    const form = createLocalServerForm(fakeApi({ addLocalServer: vi.fn(async () => ({ resolved: null, probe, written: null, change: null, restartSupported: false, captured: false, split: null, stdoutLinesMoved: 0 })) }));
    form.fields.name = "flaky";
    form.fields.command = "flaky";
    expect(await form.submit()).toBe(false);
    expect(form.canSubmit).toBe(true);
  });

  it("Cancel in the local form stops the test under its run, and its answer is dropped", async () => {
    let fail: (error: unknown) => void = () => {};
    let run: number | null = null;
    const addLocalServer = vi.fn((_server: unknown, r: number | null) => {
      run = r;
      return new Promise((_resolve, reject) => (fail = reject));
    });
    const cancelTest = vi.fn(async () => {});
    const form = createLocalServerForm(fakeApi({ addLocalServer, cancelTest } as unknown as Partial<Api>));
    form.fields.name = "slow";
    form.fields.command = "npx";
    const submitting = form.submit();
    expect(form.phase.state).toBe("testing");
    form.cancel();
    expect(form.phase.state).toBe("editing");
    expect(run).not.toBeNull();
    expect(cancelTest).toHaveBeenCalledWith(run);
    fail({ code: "cancelled", message: "the test was cancelled" });
    expect(await submitting).toBe(false);
    expect(form.phase.state).toBe("editing");
    expect(form.canSubmit).toBe(true);
  });

  it("a server written before the cancel reached Rust is shown as added", async () => {
    let answer: (outcome: unknown) => void = () => {};
    const addLocalServer = vi.fn(() => new Promise((resolve) => (answer = resolve)));
    const form = createLocalServerForm(fakeApi({ addLocalServer, cancelTest: vi.fn(async () => {}) } as unknown as Partial<Api>));
    form.fields.name = "quick";
    form.fields.command = "quick";
    const submitting = form.submit();
    form.cancel();
    const probe = { ok: true, serverName: null, serverVersion: null, transport: null, tools: [], diagnosis: null, stderrTail: [], totalMs: 1 };
    answer({ resolved: "/bin/quick", probe, written: "/c.json", change: { done: "add tiny", historyId: 1 }, restartSupported: false, captured: false, split: null, stdoutLinesMoved: 0 });
    expect(await submitting).toBe(true);
    expect(form.phase).toMatchObject({ state: "done", name: "quick" });
  });

  it("a save sends the fields as loaded; one refused as changed in the file meanwhile keeps what the user typed", async () => {
    const message =
      "The Arguments field was changed in the file since you opened this form (by Claude Desktop, an editor or the CLI): saving would overwrite that change, so nothing was written.";
    const editServer = vi.fn(async () => {
      throw { code: "edit-conflict", message };
    });
    const details = {
      name: "alpha",
      kind: "local" as const,
      command: "srv",
      args: ["a"],
      env: [{ name: "LOG", value: "1", secret: false }],
      url: null,
      headers: [],
      caCert: null,
      allowHttp: false,
    };
    const editor = createServerEditor("alpha", fakeApi({ serverDetails: async () => details, editServer }));
    await editor.load();
    editor.fields.args = "a --changed";
    expect(await editor.save()).toBeNull();
    expect(editServer).toHaveBeenCalledWith(
      "alpha",
      expect.objectContaining({
        args: ["a", "--changed"],
        loaded: { command: "srv", args: ["a"], env: details.env, url: null, headers: [], caCert: null, allowHttp: false },
      }),
    );
    expect(editor.status).toEqual({ state: "failed", message, conflict: true });
    expect(editor.fields.args).toBe("a --changed");
    expect(editor.changed).toBe(true);
  });

  it("a whole command line typed in Command shows as the command and arguments it was split into", async () => {
    const probe = { ok: true, serverName: null, serverVersion: null, transport: null, tools: [], diagnosis: null, stderrTail: [], totalMs: 1 };
    const addLocalServer = vi.fn(async () => ({
      resolved: "/usr/bin/npx",
      probe,
      written: "add everything",
      change: { done: "add everything", historyId: 1 },
      restartSupported: false,
      captured: true,
      split: { command: "npx", args: ["-y", "@modelcontextprotocol/server-everything", "stdio"] },
      stdoutLinesMoved: 0,
    }));
    const form = createLocalServerForm(fakeApi({ addLocalServer }));
    form.fields.name = "everything";
    form.fields.command = "npx -y @modelcontextprotocol/server-everything";
    form.fields.args = "stdio";
    expect(await form.submit()).toBe(true);
    expect(form.fields.command).toBe("npx");
    expect(form.fields.args).toBe("-y @modelcontextprotocol/server-everything stdio");
    // As written: submitting it again would only be refused.
    expect(form.canSubmit).toBe(false);
  });

  it("envInput drops empty rows", () => {
    expect(envInput([envRow(), envRow("A", "", false)])).toEqual([{ name: "A", value: "" }]);
  });
});
