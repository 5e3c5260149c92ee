import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { IpcError, ipc, toIpcError } from "./ipc";

const PATHS = {
  configPath: "/tmp/x/claude_desktop_config.json",
  configSource: "env",
  alsoPresent: [],
  dataDir: "/tmp/x/home",
};

afterEach(() => clearMocks());

describe("ipc", () => {
  it("calls the app_paths command and returns its answer", async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === "app_paths") return PATHS;
      throw new Error(`unexpected command ${cmd}`);
    });
    await expect(ipc.appPaths()).resolves.toEqual(PATHS);
    expect(calls).toEqual(["app_paths"]);
  });

  it("turns a coded error from Rust into an IpcError with that code", async () => {
    mockIPC(() => {
      throw { code: "bad-json-config", message: "config.json:3:7: expected a comma" };
    });
    const error = await ipc.appPaths().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpcError);
    expect(error).toMatchObject({
      command: "app_paths",
      code: "bad-json-config",
      message: "config.json:3:7: expected a comma",
    });
  });

  it("unwraps list_servers' typed result and throws its error as an IpcError", async () => {
    let fail = false;
    mockIPC((cmd) => {
      if (cmd !== "list_servers") throw new Error(`unexpected command ${cmd}`);
      if (fail) throw { code: "io-error", message: "/c.json: permission denied" };
      return [{ name: "a", enabled: true, kind: "local", url: null, command: "a", args: [], problem: null }];
    });
    await expect(ipc.listServers()).resolves.toMatchObject([{ name: "a" }]);
    fail = true;
    await expect(ipc.listServers()).rejects.toMatchObject({ name: "IpcError", code: "io-error" });
  });

  it("gives an uncoded failure the ipc-failed code and keeps its words", () => {
    expect(toIpcError("app_paths", "window closed")).toMatchObject({ code: "ipc-failed", message: "window closed" });
    expect(toIpcError("app_paths", new Error("boom"))).toMatchObject({ code: "ipc-failed", message: "boom" });
    expect(toIpcError("app_paths", 42).message).toContain("app_paths");
  });
});
