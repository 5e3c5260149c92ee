import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "./App.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

function answerPaths(configPath: string) {
  mockIPC((cmd) => {
    if (cmd === "app_paths") {
      return { configPath, configSource: "env", alsoPresent: [], dataDir: "/tmp/home" };
    }
    throw new Error(`unexpected command ${cmd}`);
  });
}

describe("App", () => {
  it("shows the four views in the navigation and the config path on Servers", async () => {
    answerPaths("/tmp/t/claude_desktop_config.json");
    render(App);
    const labels = screen.getAllByRole("button").map((b) => b.textContent?.trim());
    expect(labels).toEqual(["Servers", "Traffic", "Logs", "Settings"]);
    expect(await screen.findByTestId("config-path")).toHaveProperty(
      "textContent",
      "/tmp/t/claude_desktop_config.json",
    );
  });

  it("says what went wrong when the paths cannot be read", async () => {
    mockIPC(() => {
      throw "the app is shutting down";
    });
    render(App);
    expect((await screen.findByRole("alert")).textContent).toContain("the app is shutting down");
  });

  it("moves between views with the arrow keys and keeps one tab stop", async () => {
    answerPaths("/c.json");
    render(App);
    const servers = screen.getByTestId("nav-servers");
    servers.focus();
    await fireEvent.keyDown(servers, { key: "ArrowDown" });
    const traffic = screen.getByTestId("nav-traffic");
    expect(document.activeElement).toBe(traffic);
    expect(traffic.getAttribute("aria-current")).toBe("page");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Traffic");
    const tabStops = screen.getAllByRole("button").filter((b) => b.tabIndex === 0);
    expect(tabStops).toEqual([traffic]);
  });

  it("switches view with Ctrl+4", async () => {
    answerPaths("/c.json");
    render(App);
    await fireEvent.keyDown(window, { key: "4", ctrlKey: true });
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Settings");
    expect(await screen.findByTestId("data-dir")).toHaveProperty("textContent", "/tmp/home");
  });
});
