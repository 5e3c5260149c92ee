import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../App.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("Servers: which config file", () => {
  it("warns when Claude reads another file, and switches to it on request", async () => {
    let switched = false;
    const calls: string[] = [];
    mockIPC(
      (cmd) => {
        calls.push(cmd);
        const inUse = switched ? "/claude/claude_desktop_config.json" : "/elsewhere/claude_desktop_config.json";
        const paths = {
          configPath: inUse,
          configSource: switched ? "detected" : "env",
          alsoPresent: [],
          claudeReads: switched ? null : "/claude/claude_desktop_config.json",
          dataDir: "/h",
        };
        if (cmd === "app_paths") return paths;
        if (cmd === "use_claude_config") {
          switched = true;
          return { ...paths, configPath: "/claude/claude_desktop_config.json", claudeReads: null };
        }
        if (cmd === "list_servers") return [];
        if (cmd === "server_overview") return [];
        throw new Error(`unexpected command ${cmd}`);
      },
      { shouldMockEvents: true },
    );
    render(App);
    const banner = await screen.findByTestId("claude-config-banner");
    expect(screen.getByTestId("claude-reads").textContent).toBe("/claude/claude_desktop_config.json");
    expect(banner.textContent).toContain("/elsewhere/claude_desktop_config.json");
    await fireEvent.click(screen.getByTestId("use-claude-config"));
    await expect.poll(() => screen.queryByTestId("claude-config-banner")).toBeNull();
    expect(calls).toContain("use_claude_config");
    expect((await screen.findByTestId("config-path")).textContent).toBe("/claude/claude_desktop_config.json");
  });

  it("shows no warning when the file in use is the one Claude reads", async () => {
    mockIPC(
      (cmd) => {
        if (cmd === "app_paths")
          return { configPath: "/c.json", configSource: "detected", alsoPresent: [], claudeReads: null, dataDir: "/h" };
        return [];
      },
      { shouldMockEvents: true },
    );
    render(App);
    expect((await screen.findByTestId("config-path")).textContent).toBe("/c.json");
    expect(screen.queryByTestId("claude-config-banner")).toBeNull();
  });
});
