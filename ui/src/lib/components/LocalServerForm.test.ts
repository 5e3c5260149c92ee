import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { LocalAddOutcome } from "../ipc";
import { probeView } from "../stores/addServer.fixtures";
import LocalServerForm from "./LocalServerForm.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

/** Whether Rust says it can restart Claude Desktop on this computer (in the add's outcome). */
let restartSupported = true;
/** Whether Rust writes a server asked to be captured through the tap (not when its env sets PATH). */
let capturable = true;
/** What Rust adds to its outcome: the command line it split, the lines its tap moved to stderr. */
let extra: Pick<LocalAddOutcome, "split" | "stdoutLinesMoved"> = { split: null, stdoutLinesMoved: 0 };

/** Whether the server answers its test (else it is written only when added anyway). */
let answers = true;

/** The app as the form sees it: `add_local_server` writes the server, which lists one tool (echo). */
function app(restart: () => unknown = () => null) {
  const calls: string[] = [];
  mockIPC((cmd, args) => {
    calls.push(cmd);
    switch (cmd) {
      case "add_local_server": {
        const written = answers || (args as { anyway?: boolean }).anyway === true;
        const outcome: LocalAddOutcome = {
          resolved: "/usr/bin/tiny",
          probe: probeView(answers),
          written: written ? "add tiny" : null,
          change: written ? { done: "add tiny", historyId: 7 } : null,
          restartSupported,
          captured: written && capturable && (args as { server: { capture: boolean } }).server.capture,
          ...extra,
        };
        return outcome;
      }
      case "restart_claude":
        return restart();
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
  return calls;
}

async function addTiny(restartable: boolean, capture = true) {
  restartSupported = restartable;
  render(LocalServerForm, { props: {} });
  await fireEvent.input(screen.getByTestId("local-name"), { target: { value: "tiny" } });
  await fireEvent.input(screen.getByTestId("local-command"), { target: { value: "tiny" } });
  if (!capture) await fireEvent.click(screen.getByRole("checkbox", { name: "Capture its traffic" }));
  await fireEvent.click(screen.getByTestId("local-add"));
  return screen.findByTestId("local-added");
}

describe("local server form", () => {
  it("captures the new server's traffic unless the box is unticked, and says so once added", async () => {
    app();
    render(LocalServerForm, { props: {} });
    const box = screen.getByRole("checkbox", { name: "Capture its traffic" }) as HTMLInputElement;
    expect(box.checked).toBe(true);
    expect(box.getAttribute("aria-describedby")).toBe("local-capture-hint");
    cleanup();
    await addTiny(true);
    expect(screen.getByTestId("local-captured").textContent).toContain("Traffic");
    cleanup();
    await addTiny(true, false);
    expect(screen.queryByTestId("local-captured")).toBeNull();
    expect(screen.queryByTestId("local-not-captured")).toBeNull();
  });

  it("says why a server asked to be captured was written as it is", async () => {
    app();
    capturable = false;
    try {
      await addTiny(true);
      expect(screen.queryByTestId("local-captured")).toBeNull();
      expect(screen.getByTestId("local-not-captured").textContent).toContain("its env sets its own PATH");
    } finally {
      capturable = true;
    }
  });

  it("names the server and the program it found apart: “Added tiny (/usr/bin/tiny): 1 tool”", async () => {
    app();
    const added = await addTiny(true);
    expect(added.querySelector("p")?.textContent?.replace(/\s+/g, " ")).toContain("Added tiny (/usr/bin/tiny): 1 tool");
  });

  it("shows a command line typed in Command as the command and arguments it was split into", async () => {
    app();
    extra = { split: { command: "tiny", args: ["--stdio", "-v"] }, stdoutLinesMoved: 0 };
    try {
      await addTiny(true);
      expect(screen.getByTestId("local-split").textContent?.replace(/\s+/g, " ")).toContain(
        "Command tiny, Arguments --stdio -v",
      );
      expect((screen.getByTestId("local-command") as HTMLInputElement).value).toBe("tiny");
      expect((screen.getByTestId("local-args") as HTMLInputElement).value).toBe("--stdio -v");
    } finally {
      extra = { split: null, stdoutLinesMoved: 0 };
    }
  });

  it("says when the tap kept lines the server prints on stdout out of Claude's way", async () => {
    app();
    extra = { split: null, stdoutLinesMoved: 2 };
    try {
      await addTiny(true);
      expect(screen.getByTestId("local-moved").textContent).toContain("2 lines");
      expect(screen.queryByTestId("local-split")).toBeNull();
    } finally {
      extra = { split: null, stdoutLinesMoved: 0 };
    }
  });

  it("moves the focus from Test and add (disabled while testing) to what was added, and from Add another to Name", async () => {
    app();
    render(LocalServerForm, { props: {} });
    await fireEvent.input(screen.getByTestId("local-name"), { target: { value: "tiny" } });
    await fireEvent.input(screen.getByTestId("local-command"), { target: { value: "tiny" } });
    const submit = screen.getByTestId("local-add");
    submit.focus();
    await fireEvent.click(submit);
    const added = await screen.findByTestId("local-added");
    await waitFor(() => expect(document.activeElement).toBe(added));

    const another = screen.getByTestId("local-another");
    another.focus();
    await fireEvent.click(another);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("local-name")));
  });

  it("offers Add anyway under a failed test's diagnosis, with the remote card's words; it writes the server then", async () => {
    const calls = app();
    answers = false;
    try {
      render(LocalServerForm, { props: {} });
      await fireEvent.input(screen.getByTestId("local-name"), { target: { value: "tiny" } });
      await fireEvent.input(screen.getByTestId("local-command"), { target: { value: "tiny" } });
      await fireEvent.click(screen.getByTestId("local-add"));
      const anyway = await screen.findByTestId("local-anyway");
      expect(anyway.textContent?.trim()).toBe("Add anyway");
      // Below the diagnosis, as in the Add card; its failure (nothing listens) may pass by itself.
      const diagnosis = screen.getByTestId("local-diagnosis");
      expect(diagnosis.compareDocumentPosition(anyway) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
      expect(screen.getByTestId("local-anyway-hint").textContent).toBe("A server may need a sign-in, or be down right now.");
      expect(screen.queryByTestId("local-added")).toBeNull();

      anyway.focus();
      await fireEvent.click(anyway);
      const added = await screen.findByTestId("local-added");
      expect(added.querySelector("p")?.textContent?.replace(/\s+/g, " ")).toContain(
        "Added tiny (/usr/bin/tiny): it did not pass the test; its row shows what the test found.",
      );
      expect(screen.queryByTestId("local-tool-count")).toBeNull();
      expect(screen.queryByTestId("local-anyway")).toBeNull();
      expect(calls).toEqual(["add_local_server", "add_local_server"]);
      // The button went: the focus is on what was added, not on the page.
      await waitFor(() => expect(document.activeElement).toBe(added));
    } finally {
      answers = true;
    }
  });

  it("drops a failed test's diagnosis and Add anyway once a field changes: they described the fields tested", async () => {
    const calls = app();
    answers = false;
    try {
      render(LocalServerForm, { props: {} });
      await fireEvent.input(screen.getByTestId("local-name"), { target: { value: "tiny" } });
      await fireEvent.input(screen.getByTestId("local-command"), { target: { value: "tiny" } });
      await fireEvent.click(screen.getByTestId("local-add"));
      await screen.findByTestId("local-anyway");
      await fireEvent.input(screen.getByTestId("local-args"), { target: { value: "--other" } });
      expect(screen.queryByTestId("local-anyway")).toBeNull();
      expect(screen.queryByTestId("local-diagnosis")).toBeNull();
      expect(screen.getByTestId("local-add")).toHaveProperty("disabled", false);

      // Tested again and failed again: a new env variable drops it too.
      await fireEvent.click(screen.getByTestId("local-add"));
      await screen.findByTestId("local-anyway");
      await fireEvent.click(screen.getByRole("button", { name: "Add variable" }));
      expect(screen.queryByTestId("local-anyway")).toBeNull();
      // So does unticking Capture.
      await fireEvent.click(screen.getByTestId("local-add"));
      await screen.findByTestId("local-anyway");
      await fireEvent.click(screen.getByRole("checkbox", { name: "Capture its traffic" }));
      expect(screen.queryByTestId("local-anyway")).toBeNull();
      expect(calls).toEqual(["add_local_server", "add_local_server", "add_local_server"]);
    } finally {
      answers = true;
    }
  });

  it("counts one tool as “1 tool”", async () => {
    app();
    await addTiny(true);
    expect(screen.getByTestId("local-tool-count").textContent).toBe("1 tool");
  });

  it("asks to restart Claude Desktop by hand where MCP Tray cannot restart it, as the remote card does", async () => {
    app();
    const added = await addTiny(false);
    expect(screen.getByTestId("local-restart-by-hand").textContent?.trim()).toBe(
      "Restart Claude Desktop to load the new server.",
    );
    // No restart offered: only the words, as the Servers bar and the CLI say them.
    expect(added.textContent).not.toContain("Claude Desktop reads its config");
    expect(screen.queryByTestId("local-restart-claude")).toBeNull();
    expect(screen.getByTestId("local-another")).toBeTruthy();
  });

  it("offers Restart Claude Desktop where it can be restarted, and says so once it restarts", async () => {
    const calls = app();
    await addTiny(true);
    expect(screen.queryByTestId("local-restart-by-hand")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Restart Claude Desktop" }));
    expect((await screen.findByTestId("local-restart-result")).textContent).toBe("Claude Desktop is restarting.");
    expect(calls).toEqual(["add_local_server", "restart_claude"]);
    // Add another starts afresh: no word of the last restart.
    await fireEvent.click(screen.getByTestId("local-another"));
    expect(screen.queryByTestId("local-restart-result")).toBeNull();
  });

  it("shows why Claude Desktop could not be restarted", async () => {
    app(() => {
      throw { code: "restart-failed", message: "Claude did not accept the quit request" };
    });
    await addTiny(true);
    await fireEvent.click(screen.getByTestId("local-restart-claude"));
    expect((await screen.findByTestId("local-restart-result")).textContent).toBe("Claude did not accept the quit request");
  });

  it("says a name already used as it is typed, in the Add card's words, and cannot be submitted with it", async () => {
    const calls = app();
    render(LocalServerForm, { props: { taken: ["racer", "old-one"] } });
    await fireEvent.input(screen.getByTestId("local-command"), { target: { value: "tiny" } });
    await fireEvent.input(screen.getByTestId("local-name"), { target: { value: " racer " } });
    expect((await screen.findByTestId("local-taken")).textContent?.trim()).toBe(
      "A server named “racer” already exists: choose another name.",
    );
    const add = screen.getByTestId("local-add") as HTMLButtonElement;
    expect(add.disabled).toBe(true);
    await fireEvent.submit(add.form as HTMLFormElement);
    expect(calls).not.toContain("add_local_server");

    await fireEvent.input(screen.getByTestId("local-name"), { target: { value: "tiny" } });
    await waitFor(() => expect(screen.queryByTestId("local-taken")).toBeNull());
    expect(add.disabled).toBe(false);
  });
});
