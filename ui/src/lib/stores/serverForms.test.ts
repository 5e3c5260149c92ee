import { describe, expect, it, vi } from "vitest";
import type { ipc } from "../ipc";
import { createLocalServerForm, createServerEditor, envInput, envRow } from "./serverForms.svelte";

type Api = typeof ipc;

function fakeApi(overrides: Partial<Api>): Api {
  return overrides as Api;
}

describe("server forms", () => {
  it("a masked secret is sent as keep (null) and never shown until revealed", async () => {
    const editServer = vi.fn(async () => "edit gh");
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
    expect(await editor.save()).toBe("edit gh");
    expect(editServer).toHaveBeenCalledWith("gh", {
      name: null,
      command: null,
      args: ["-y", "other"],
      env: [
        { name: "GITHUB_TOKEN", value: null },
        { name: "LOG", value: "1" },
      ],
      url: null,
      headers: null,
    });
    await editor.reveal(editor.fields.env[0]);
    expect(revealEnvValue).toHaveBeenCalledWith("gh", "GITHUB_TOKEN");
    expect(editor.fields.env[0]).toMatchObject({ value: "ghp_x", masked: false });
  });

  it("a remote server edits its URL and headers only; an unclosed quote is an error and nothing is sent", async () => {
    const editServer = vi.fn(async () => "edit linear");
    const api = fakeApi({
      serverDetails: async () => ({
        name: "linear",
        kind: "remote",
        command: "/bin/mcp-tray",
        args: ["bridge", "https://a/mcp"],
        env: [],
        url: "https://a/mcp",
        headers: [],
      }),
      editServer,
    });
    const editor = createServerEditor("linear", api);
    await editor.load();
    editor.fields.url = "https://b/mcp";
    editor.fields.name = "lin";
    await editor.save();
    expect(editServer).toHaveBeenCalledWith("linear", { name: "lin", command: null, args: null, env: null, url: "https://b/mcp", headers: [] });

    const local = createServerEditor("x", fakeApi({ ...api, serverDetails: async () => ({ name: "x", kind: "local", command: "a", args: [], env: [], url: null, headers: [] }) }));
    await local.load();
    local.fields.args = `"open`;
    editServer.mockClear();
    expect(await local.save()).toBeNull();
    expect(editServer).not.toHaveBeenCalled();
    expect(local.status).toEqual({ state: "failed", message: "Arguments: a double quote is not closed" });
  });

  it("the local form sends split args and named env, and says whether it wrote", async () => {
    const addLocalServer = vi.fn(async () => ({
      resolved: null,
      probe: { ok: false, serverName: null, serverVersion: null, transport: null, tools: [], diagnosis: null, stderrTail: [], totalMs: 0 },
      written: null,
    }));
    const form = createLocalServerForm(fakeApi({ addLocalServer }));
    expect(form.canSubmit).toBe(false);
    form.fields.name = " ghost ";
    form.fields.command = "ghost-server";
    form.fields.args = "stdio --port 0";
    form.fields.env = [envRow("KEY", "v"), envRow()];
    expect(await form.submit()).toBe(false);
    expect(addLocalServer).toHaveBeenCalledWith({
      name: "ghost",
      command: "ghost-server",
      args: ["stdio", "--port", "0"],
      env: [{ name: "KEY", value: "v" }],
    });
    expect(form.phase.state).toBe("done");
  });

  it("after a server is written, Test and add waits for a field to change (a second click would only be refused)", async () => {
    const probe = { ok: true, serverName: null, serverVersion: null, transport: null, tools: [], diagnosis: null, stderrTail: [], totalMs: 1 };
    const addLocalServer = vi.fn(async () => ({ resolved: "/bin/tiny", probe, written: "/c.json" }));
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
    const form = createLocalServerForm(fakeApi({ addLocalServer: vi.fn(async () => ({ resolved: null, probe, written: null })) }));
    form.fields.name = "flaky";
    form.fields.command = "flaky";
    expect(await form.submit()).toBe(false);
    expect(form.canSubmit).toBe(true);
  });

  it("envInput drops empty rows", () => {
    expect(envInput([envRow(), envRow("A", "", false)])).toEqual([{ name: "A", value: "" }]);
  });
});
