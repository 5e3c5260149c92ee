import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import ServerEditForm from "./ServerEditForm.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

/** A remote server run through the bridge, with a secret header and a plain one. */
function app() {
  const calls: [string, unknown][] = [];
  mockIPC((cmd, args) => {
    calls.push([cmd, args]);
    switch (cmd) {
      case "server_details":
        return {
          name: "linear",
          kind: "remote",
          command: "/opt/mcp-tray",
          args: ["bridge", "https://mcp.linear.app/mcp", "--name", "linear"],
          env: [],
          url: "https://mcp.linear.app/mcp",
          headers: [
            { name: "Authorization", value: null, secret: true },
            { name: "X-Team", value: "core", secret: false },
          ],
        };
      case "reveal_header_value":
        return "Bearer tok-1";
      case "edit_server":
        return "edit linear";
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
  return calls;
}

describe("ServerEditForm", () => {
  it("shows a remote server's headers, the secret masked until Show, and saves the edited list", async () => {
    const calls = app();
    const onSaved = vi.fn();
    render(ServerEditForm, { props: { name: "linear", onSaved, onCancel: () => {} } });
    await waitFor(() => expect(screen.getAllByTestId("edit-headers-row")).toHaveLength(2));
    expect(screen.getByText("Headers")).toBeTruthy();
    expect(screen.getByTestId("edit-headers-masked")).toBeTruthy();
    expect(document.body.innerHTML).not.toContain("tok-1");
    expect((screen.getByLabelText("Value of X-Team") as HTMLInputElement).value).toBe("core");

    await fireEvent.click(screen.getByTestId("edit-headers-reveal"));
    await waitFor(() => expect((screen.getByLabelText("Value of Authorization") as HTMLInputElement).value).toBe("Bearer tok-1"));
    expect(calls).toContainEqual(["reveal_header_value", { name: "linear", header: "Authorization" }]);

    await fireEvent.click(screen.getByLabelText("Remove X-Team"));
    await fireEvent.click(screen.getByTestId("edit-headers-add"));
    const names = screen.getAllByLabelText("Header name") as HTMLInputElement[];
    await fireEvent.input(names[1], { target: { value: "X-Region" } });
    await fireEvent.input(screen.getByLabelText("Value of X-Region"), { target: { value: "eu" } });
    await fireEvent.click(screen.getByTestId("edit-save"));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith("edit linear"));
    expect(calls).toContainEqual([
      "edit_server",
      {
        name: "linear",
        change: {
          name: null,
          command: null,
          args: null,
          env: null,
          url: null,
          headers: [
            { name: "Authorization", value: "Bearer tok-1" },
            { name: "X-Region", value: "eu" },
          ],
        },
      },
    ]);
  });
});
