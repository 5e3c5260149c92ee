import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import { fakeApi, probeView } from "../stores/addServer.fixtures";
import { createAddServer } from "../stores/addServer.svelte";
import AddServerCard from "./AddServerCard.svelte";

afterEach(() => cleanup());

describe("Add server card", () => {
  it("offers Test again after a failed test, and Cancel while testing", async () => {
    const { api } = fakeApi({ probeOk: false });
    const flow = createAddServer(api);
    render(AddServerCard, { flow });
    flow.text = "http://127.0.0.1:9/mcp";
    await flow.add();
    const button = await screen.findByRole("button", { name: "Test again" });
    expect(button).toHaveProperty("disabled", false);

    let answer = () => {};
    api.probeAdd = () => new Promise((resolve) => (answer = () => resolve(probeView(true))));
    await fireEvent.click(button);
    await fireEvent.click(await screen.findByTestId("add-cancel"));
    answer();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(flow.phase.state).toBe("editing");
    expect(screen.queryByTestId("add-cancel")).toBeNull();
    expect(screen.getByTestId("add-button").textContent?.trim()).toBe("Add");
    expect(screen.getByTestId("add-button")).toHaveProperty("disabled", false);
  });

  it("offers to restart Claude Desktop only where it can, and says so while it restarts", async () => {
    const { api } = fakeApi({ restartSupported: true });
    let restarted = () => {};
    api.restartClaude = () => new Promise((resolve) => (restarted = () => resolve(null)));
    const flow = createAddServer(api);
    render(AddServerCard, { flow });
    flow.text = "https://mcp.example.com/mcp";
    await flow.add();
    const restart = await screen.findByTestId("restart-claude");
    expect(screen.queryByTestId("restart-by-hand")).toBeNull();
    await fireEvent.click(restart);
    expect(restart.textContent).toBe("Restarting…");
    expect(restart).toHaveProperty("disabled", true);
    restarted();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(restart.textContent).toBe("Restart Claude Desktop");
  });

  it("asks to restart the MCP client by hand where Claude Desktop cannot be restarted", async () => {
    const { api } = fakeApi({ restartSupported: false });
    const flow = createAddServer(api);
    render(AddServerCard, { flow });
    flow.text = "https://mcp.example.com/mcp";
    await flow.add();
    expect((await screen.findByTestId("restart-by-hand")).textContent?.trim()).toBe(
      "Restart your MCP client to load the new server.",
    );
    expect(screen.queryByTestId("restart-claude")).toBeNull();
    expect(screen.getByTestId("add-another")).toBeTruthy();
  });
});
