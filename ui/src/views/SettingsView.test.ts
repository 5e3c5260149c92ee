import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AppPaths } from "../lib/ipc";
import { createResource } from "../lib/stores/resource.svelte";
import SettingsView from "./SettingsView.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

const found: AppPaths = {
  configPath: "/home/ana/.config/Claude/claude_desktop_config.json",
  configExists: true,
  configSource: "msix",
  alsoPresent: ["/home/ana/AppData/Roaming/Claude/claude_desktop_config.json"],
  dataDir: "/home/ana/.local/share/mcp-tray",
  dataDirFromEnv: false,
  claudeLogsDir: "/home/ana/.config/Claude/logs",
  claudeLogsDirFromEnv: false,
  claudeReads: null,
  deletedOutside: null,
  emptiedOutside: null,
};

/** A settings file MCP Tray may not write, as Rust words it. */
const unwritable = () => {
  throw { code: "io-error", message: "could not write /home/ana/.local/share/mcp-tray/settings.json: permission denied" };
};

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

/** Answers the Settings view's commands like the app; records every call with its arguments.
 *  `redact` is what the settings file says at first; `answer` answers (or refuses, by throwing)
 *  a command in the app's place. */
function app(options: { redact?: boolean; answer?: Record<string, (args: unknown) => unknown> } = {}) {
  const calls: [string, unknown][] = [];
  let redact = options.redact ?? true;
  const retention = { fileBytes: 8 * 1024 * 1024, filesKept: 3, messageBytes: 65536 };
  mockIPC((cmd, args) => {
    calls.push([cmd, args]);
    const answer = options.answer?.[cmd];
    if (answer) return answer(args);
    switch (cmd) {
      case "get_start_at_login":
        return false;
      case "journal_settings":
        return { redact, retention };
      case "set_redaction":
        redact = (args as { enabled: boolean }).enabled;
        return { redact, retention };
      case "set_journal_retention": {
        const asked = (args as { retention: typeof retention }).retention;
        if (asked.filesKept > 20)
          throw { code: "invalid-setting", message: `the number of rotated journal files must be between 0 and 20 (got ${asked.filesKept})` };
        return { redact, retention: asked };
      }
      case "open_folder":
        throw { code: "folder-missing", message: "/home/ana/.config/Claude/logs does not exist yet" };
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
  return calls;
}

async function renderSettings(onRedactionChanged: () => void = () => {}) {
  const paths = createResource("app_paths", async () => found);
  await paths.reload();
  render(SettingsView, { props: { paths, onRedactionChanged } });
}

describe("SettingsView", () => {
  it("shows the config in use and why, the other config found, Claude's logs and the data folder", async () => {
    app();
    await renderSettings();
    expect(screen.getByTestId("settings-config-path").textContent).toBe(found.configPath);
    expect(screen.getByText("Claude Desktop (Microsoft Store build)")).toBeTruthy();
    expect(screen.getByTestId("settings-also-present-0").textContent).toBe(found.alsoPresent[0]);
    expect(screen.getByTestId("claude-logs-dir").textContent).toBe(found.claudeLogsDir);
    expect(screen.getByTestId("data-dir").textContent).toBe(found.dataDir);
    expect(screen.getByText("MCP Tray's standard location")).toBeTruthy();
    expect(screen.queryByText(/MCP_TRAY_HOME/)).toBeNull();
    expect(screen.getByText("Where Claude Desktop writes its logs on this system")).toBeTruthy();
    // Only folders Rust knows can be opened: the other config file has Copy but no Open folder.
    expect(screen.queryByTestId("settings-also-present-0-open")).toBeNull();
    expect(screen.getByTestId("settings-also-present-0-copy")).toBeTruthy();
  });

  it("asks Rust to open a folder by name and shows why it could not", async () => {
    const calls = app();
    await renderSettings();
    await fireEvent.click(screen.getByTestId("claude-logs-dir-open"));
    expect((await screen.findByTestId("claude-logs-dir-problem")).textContent).toBe(
      "/home/ana/.config/Claude/logs does not exist yet",
    );
    expect(calls).toContainEqual(["open_folder", { folder: "claude-logs" }]);
  });

  it("tells the window when redaction changed, so it reads its traffic and logs again, and not when it did not", async () => {
    app({ redact: false, answer: { set_redaction: unwritable } });
    const changed = vi.fn();
    await renderSettings(changed);
    const box = (await screen.findByTestId("redact-secrets")) as HTMLInputElement;
    await expect.poll(() => box.disabled).toBe(false);
    await fireEvent.click(box);
    await screen.findByTestId("journal-settings-error");
    expect(changed).not.toHaveBeenCalled();
    cleanup();
    app({ redact: false });
    await renderSettings(changed);
    const again = (await screen.findByTestId("redact-secrets")) as HTMLInputElement;
    await expect.poll(() => again.disabled).toBe(false);
    await fireEvent.click(again);
    await expect.poll(() => changed.mock.calls.length).toBe(1);
  });

  it("has redaction on, and turns it off through Rust", async () => {
    const calls = app();
    await renderSettings();
    const box = (await screen.findByTestId("redact-secrets")) as HTMLInputElement;
    await expect.poll(() => box.checked).toBe(true);
    await fireEvent.click(box);
    await expect.poll(() => screen.queryByTestId("redaction-off")).not.toBeNull();
    expect(calls).toContainEqual(["set_redaction", { enabled: false }]);
    expect(box.checked).toBe(false);
  });

  it("says tokens of known formats and URL passwords are hidden only as whole values, not inside other text", async () => {
    app();
    await renderSettings();
    const box = await screen.findByTestId("redact-secrets");
    const text = (box.closest("label")?.nextElementSibling?.textContent ?? "").replace(/\s+/g, " ");
    expect(text).toContain("ghp_…");
    expect(text).toMatch(/whole value/);
    expect(text).toMatch(/inside other text[^.]*recorded as sent/);
  });

  it("leaves Hide secrets unticked when Rust could not turn redaction on, and says why", async () => {
    // The worst case: a box that looks on while the journals keep recording secrets.
    const calls = app({ redact: false, answer: { set_redaction: unwritable } });
    await renderSettings();
    const box = (await screen.findByTestId("redact-secrets")) as HTMLInputElement;
    await expect.poll(() => box.disabled).toBe(false);
    expect(box.checked).toBe(false);
    await fireEvent.click(box);
    expect((await screen.findByTestId("journal-settings-error")).textContent).toBe(
      "could not write /home/ana/.local/share/mcp-tray/settings.json: permission denied",
    );
    expect(calls).toContainEqual(["set_redaction", { enabled: true }]);
    await expect.poll(() => box.disabled).toBe(false);
    expect(box.checked).toBe(false);
    expect(screen.getByTestId("redaction-off")).toBeTruthy();
  });

  it("keeps Hide secrets ticked when Rust could not turn redaction off", async () => {
    app({ answer: { set_redaction: unwritable } });
    await renderSettings();
    const box = (await screen.findByTestId("redact-secrets")) as HTMLInputElement;
    await expect.poll(() => box.checked).toBe(true);
    await fireEvent.click(box);
    await screen.findByTestId("journal-settings-error");
    await expect.poll(() => box.disabled).toBe(false);
    expect(box.checked).toBe(true);
    expect(screen.queryByTestId("redaction-off")).toBeNull();
  });

  it("leaves Start at login unticked when Rust could not turn it on, and says why", async () => {
    const calls = app({
      answer: {
        set_start_at_login: () => {
          throw { code: "autostart-failed", message: "could not change start at login: access denied" };
        },
      },
    });
    await renderSettings();
    const box = (await screen.findByTestId("start-at-login")) as HTMLInputElement;
    await expect.poll(() => box.disabled).toBe(false);
    await fireEvent.click(box);
    expect((await screen.findByText("could not change start at login: access denied")).className).toBe("warning");
    expect(calls).toContainEqual(["set_start_at_login", { enabled: true }]);
    await expect.poll(() => box.disabled).toBe(false);
    expect(box.checked).toBe(false);
  });

  it("sends one change of Start at login at a time", async () => {
    const written = deferred<boolean>();
    const calls = app({ answer: { set_start_at_login: () => written.promise } });
    await renderSettings();
    const box = (await screen.findByTestId("start-at-login")) as HTMLInputElement;
    await expect.poll(() => box.disabled).toBe(false);
    await fireEvent.click(box);
    expect(calls).toContainEqual(["set_start_at_login", { enabled: true }]);
    // A disabled box takes no click in a browser (jsdom still toggles it on a dispatched click).
    await expect.poll(() => box.disabled).toBe(true);
    written.resolve(true);
    await expect.poll(() => box.disabled).toBe(false);
    expect(box.checked).toBe(true);
  });

  it("keeps retention values not yet saved when redaction is turned off, and saves them after", async () => {
    const calls = app();
    await renderSettings();
    const fileMib = (await screen.findByTestId("retention-file-mib")) as HTMLInputElement;
    await expect.poll(() => fileMib.value).toBe("8");
    await fireEvent.input(fileMib, { target: { value: "32" } });
    await fireEvent.click(screen.getByTestId("redact-secrets"));
    await expect.poll(() => screen.queryByTestId("redaction-off")).not.toBeNull();
    expect(fileMib.value).toBe("32");
    await fireEvent.submit(screen.getByTestId("retention-form"));
    await screen.findByTestId("retention-saved");
    expect(calls).toContainEqual([
      "set_journal_retention",
      { retention: { fileBytes: 32 * 1024 * 1024, filesKept: 3, messageBytes: 65536 } },
    ]);
    expect(fileMib.value).toBe("32");
  });

  it("shows the retention as saved after a save, even when it is the one shown before", async () => {
    app();
    await renderSettings();
    const fileMib = (await screen.findByTestId("retention-file-mib")) as HTMLInputElement;
    await expect.poll(() => fileMib.value).toBe("8");
    // Rounds to the same bytes as 8 MiB: the settings file does not change.
    await fireEvent.input(fileMib, { target: { value: "8.0000001" } });
    await fireEvent.submit(screen.getByTestId("retention-form"));
    await screen.findByTestId("retention-saved");
    expect(fileMib.value).toBe("8");
  });

  it("shows the retention in MiB and KiB and Rust's refusal of a value out of bounds", async () => {
    const calls = app();
    await renderSettings();
    const kept = (await screen.findByTestId("retention-files-kept")) as HTMLInputElement;
    await expect.poll(() => (screen.getByTestId("retention-file-mib") as HTMLInputElement).value).toBe("8");
    expect((screen.getByTestId("retention-message-kib") as HTMLInputElement).value).toBe("64");
    await fireEvent.input(kept, { target: { value: "99" } });
    // jsdom does not submit a form from its button's click; the e2e spec presses the button itself.
    await fireEvent.submit(screen.getByTestId("retention-form"));
    expect((await screen.findByTestId("journal-settings-error")).textContent).toBe(
      "the number of rotated journal files must be between 0 and 20 (got 99)",
    );
    expect(calls).toContainEqual([
      "set_journal_retention",
      { retention: { fileBytes: 8 * 1024 * 1024, filesKept: 99, messageBytes: 65536 } },
    ]);
    expect(screen.queryByTestId("retention-saved")).toBeNull();
  });

  it("says Saved once, until a value is changed again", async () => {
    app();
    await renderSettings();
    const kept = (await screen.findByTestId("retention-files-kept")) as HTMLInputElement;
    await expect.poll(() => kept.value).toBe("3");
    await fireEvent.input(kept, { target: { value: "5" } });
    await fireEvent.submit(screen.getByTestId("retention-form"));
    expect((await screen.findByTestId("retention-saved")).textContent).toBe("Saved. Servers started from now on use it.");
    await fireEvent.input(kept, { target: { value: "6" } });
    await expect.poll(() => screen.queryByTestId("retention-saved")).toBeNull();
  });
});
