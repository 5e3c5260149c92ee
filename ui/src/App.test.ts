import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/svelte";
import { emit } from "@tauri-apps/api/event";
import { tick } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import App from "./App.svelte";
import { ipc } from "./lib/ipc";
import { trafficRow } from "./lib/stores/traffic.fixtures";

afterEach(() => {
  cleanup();
  clearMocks();
  vi.restoreAllMocks();
});

const server = (name: string) => ({
  name,
  enabled: true,
  kind: "local",
  url: null,
  command: "npx",
  args: ["-y", name],
  problem: null,
});

function answerPaths(configPath: string, servers: () => unknown[] = () => []) {
  mockIPC(
    (cmd) => {
      if (cmd === "app_paths") {
        return { configPath, configSource: "env", alsoPresent: [], dataDir: "/tmp/home" };
      }
      if (cmd === "list_servers") return servers();
      throw new Error(`unexpected command ${cmd}`);
    },
    { shouldMockEvents: true },
  );
}

describe("App", () => {
  it("shows the four views in the navigation and the config path on Servers", async () => {
    answerPaths("/tmp/t/claude_desktop_config.json");
    render(App);
    const labels = within(screen.getByRole("navigation")).getAllByRole("tab").map((b) => b.textContent?.trim());
    expect(labels).toEqual(["Servers", "Traffic", "Logs", "Settings"]);
    expect(await screen.findByTestId("config-path")).toHaveProperty(
      "textContent",
      "/tmp/t/claude_desktop_config.json",
    );
  });

  it("says what went wrong when the paths cannot be read", async () => {
    mockIPC(
      () => {
        throw "the app is shutting down";
      },
      { shouldMockEvents: true },
    );
    render(App);
    expect((await screen.findAllByRole("alert"))[0].textContent).toContain("the app is shutting down");
  });

  it("lists the servers of the config and re-reads them when the file changes", async () => {
    let names = ["alpha"];
    answerPaths("/c.json", () => names.map(server));
    render(App);
    await screen.findByText("alpha");
    names = ["alpha", "beta"];
    await emit("config-changed", null);
    await screen.findByText("beta");
    expect(screen.getAllByTestId("server-name").map((n) => n.textContent)).toEqual(["alpha", "beta"]);
  });

  it("shows where a config that does not parse is broken", async () => {
    mockIPC(
      (cmd) => {
        if (cmd === "list_servers") throw { code: "bad-json-config", message: "/c.json:3:7: expected a comma" };
        return { configPath: "/c.json", configSource: "env", alsoPresent: [], dataDir: "/h" };
      },
      { shouldMockEvents: true },
    );
    render(App);
    expect((await screen.findByRole("alert")).textContent).toContain("/c.json:3:7");
  });

  it("says in Traffic and in Logs that their streams could not start, rather than look empty", async () => {
    mockIPC(
      (cmd) => {
        if (cmd === "stream_traffic" || cmd === "stream_logs") throw { code: "io-error", message: "/home/me/journals: permission denied" };
        if (cmd === "app_paths") return { configPath: "/c.json", configSource: "env", alsoPresent: [], dataDir: "/h" };
        if (cmd === "list_servers") return [];
        throw new Error(`unexpected command ${cmd}`);
      },
      { shouldMockEvents: true },
    );
    render(App);
    await fireEvent.click(screen.getByTestId("nav-traffic"));
    const traffic = await screen.findByTestId("traffic-failed");
    expect(traffic.textContent?.replace(/\s+/g, " ").trim()).toBe(
      "MCP Tray could not start reading the traffic journals, so no messages are shown: /home/me/journals: permission denied",
    );
    expect(traffic.getAttribute("role")).toBe("alert");
    await fireEvent.click(screen.getByTestId("nav-logs"));
    const logs = await screen.findByTestId("logs-failed");
    expect(logs.textContent?.replace(/\s+/g, " ").trim()).toBe(
      "MCP Tray could not start reading Claude's logs and its journals' events, so none are shown: /home/me/journals: permission denied",
    );
    expect(screen.queryByTestId("logs-empty")).toBeNull();
  });

  it("moves between views with the arrow keys and keeps one tab stop", async () => {
    answerPaths("/c.json");
    render(App);
    const servers = screen.getByTestId("nav-servers");
    servers.focus();
    await fireEvent.keyDown(servers, { key: "ArrowDown" });
    const traffic = screen.getByTestId("nav-traffic");
    expect(document.activeElement).toBe(traffic);
    expect(traffic.getAttribute("aria-selected")).toBe("true");
    expect(screen.getByTestId("nav-servers").getAttribute("aria-selected")).toBe("false");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Traffic");
    const tabStops = within(screen.getByRole("tablist", { name: "Views" })).getAllByRole("tab").filter((b) => b.tabIndex === 0);
    expect(tabStops).toEqual([traffic]);
  });

  it("shows all of a server's logs and traffic when the tray asks, whatever words were typed before", async () => {
    answerPaths("/c.json");
    render(App);
    await fireEvent.click(screen.getByTestId("nav-logs"));
    await fireEvent.input(screen.getByTestId("logs-search"), { target: { value: "timeout" } });
    await emit("tray-navigate", { view: "logs", server: "alpha" });
    await tick();
    expect((screen.getByTestId("logs-search") as HTMLInputElement).value).toBe("");
    expect((screen.getByTestId("logs-server") as HTMLSelectElement).value).toBe("alpha");

    await fireEvent.click(screen.getByTestId("nav-traffic"));
    await fireEvent.input(screen.getByTestId("traffic-search"), { target: { value: "sk" } });
    await fireEvent.input(screen.getByTestId("traffic-method-filter"), { target: { value: "tools/call" } });
    await emit("tray-navigate", { view: "traffic", server: "alpha" });
    await tick();
    expect((screen.getByTestId("traffic-search") as HTMLInputElement).value).toBe("");
    expect((screen.getByTestId("traffic-method-filter") as HTMLInputElement).value).toBe("");
    expect((screen.getByTestId("traffic-server") as HTMLSelectElement).value).toBe("alpha");
  });

  it("shows the message selected in Traffic again when Traffic is opened again after another view", async () => {
    answerPaths("/c.json");
    vi.spyOn(ipc, "streamTraffic").mockImplementation((onBatch) => {
      onBatch({ initial: true, rows: [trafficRow({ id: "1" }), trafficRow({ id: "2", method: "tools/call" })] });
      return new Promise(() => {});
    });
    render(App);
    await fireEvent.click(screen.getByTestId("nav-traffic"));
    await fireEvent.click(screen.getAllByTestId("traffic-row")[1]);
    for (const view of ["servers", "logs", "settings"]) {
      await fireEvent.click(screen.getByTestId(`nav-${view}`));
      expect(screen.queryByTestId("traffic-detail")).toBeNull();
      await fireEvent.click(screen.getByTestId("nav-traffic"));
      expect(screen.getByTestId("traffic-detail").textContent, view).toContain("tools/call");
    }
  });

  it("opens a view from the sidebar at its top, whatever the view left was scrolled to; Servers comes back where it was left", async () => {
    answerPaths("/c.json");
    render(App);
    const region = document.getElementById("view") as HTMLElement;
    region.scrollTop = 480;
    await fireEvent.scroll(region);
    for (const view of ["settings", "traffic", "logs"]) {
      await fireEvent.click(screen.getByTestId(`nav-${view}`));
      await tick();
      expect([view, region.scrollTop]).toEqual([view, 0]);
      region.scrollTop = 90;
      await fireEvent.scroll(region);
    }
    await fireEvent.click(screen.getByTestId("nav-servers"));
    await tick();
    expect(region.scrollTop).toBe(480);
  });

  it("switches view with Ctrl+4", async () => {
    answerPaths("/c.json");
    render(App);
    await fireEvent.keyDown(window, { key: "4", ctrlKey: true });
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Settings");
    expect(await screen.findByTestId("data-dir")).toHaveProperty("textContent", "/tmp/home");
  });
});
