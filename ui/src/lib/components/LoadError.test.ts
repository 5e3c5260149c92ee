import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import LoadError from "./LoadError.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("LoadError", () => {
  it("for a watched file: opens its folder, says the view comes back by itself, and offers no Try again", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "open_folder") throw { code: "open-failed", message: "could not open /c: no file manager" };
      throw new Error(`unexpected command ${cmd}`);
    });
    render(LoadError, {
      props: { message: "/c/claude_desktop_config.json:3:7: expected a comma", folder: "claude-config", note: "It comes back by itself." },
    });
    expect(screen.getByRole("alert").textContent).toContain(":3:7: expected a comma");
    expect(screen.getByTestId("load-error-note").textContent).toBe("It comes back by itself.");
    expect(screen.queryByText("Try again")).toBeNull();
    await fireEvent.click(screen.getByText("Open folder"));
    expect(calls).toEqual([["open_folder", { folder: "claude-config" }]]);
    expect((await screen.findByTestId("load-error-problem")).textContent).toBe("could not open /c: no file manager");
  });

  it("for a load nothing repeats: Try again, and no folder to open", async () => {
    const retry = vi.fn();
    render(LoadError, { props: { message: "the app did not answer", retry } });
    expect(screen.queryByText("Open folder")).toBeNull();
    await fireEvent.click(screen.getByText("Try again"));
    expect(retry).toHaveBeenCalledOnce();
  });

  it("says it is trying again while the try is under way, and does not start another", async () => {
    const retry = vi.fn();
    render(LoadError, { props: { message: "the app did not answer", retry, retrying: true } });
    const button = screen.getByTestId("load-error-retry");
    expect(button.textContent).toBe("Trying again…");
    expect(button.getAttribute("aria-disabled")).toBe("true");
    await fireEvent.click(button);
    expect(retry).not.toHaveBeenCalled();
  });
});
