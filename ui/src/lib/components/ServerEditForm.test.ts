import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { probeView } from "../stores/addServer.fixtures";
import ServerEditForm from "./ServerEditForm.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

/** A remote server run through the bridge, with a secret header and a plain one; `more` answers other commands. */
function app(more: (cmd: string, args: unknown) => unknown = (cmd) => {
  throw new Error(`unexpected command ${cmd}`);
}) {
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
          caCert: "/etc/corp-ca.pem",
          allowHttp: false,
        };
      case "reveal_header_value":
        return "Bearer tok-1";
      case "edit_server":
        return { done: "edit linear", historyId: 12 };
      default:
        return more(cmd, args);
    }
  });
  return calls;
}

/** The server's fields as the form loaded them, sent back with each change (Rust refuses to save
 *  a field the file changed meanwhile). */
const loaded = {
  command: "/opt/mcp-tray",
  args: ["bridge", "https://mcp.linear.app/mcp", "--name", "linear"],
  env: [],
  url: "https://mcp.linear.app/mcp",
  headers: [
    { name: "Authorization", value: null, secret: true },
    { name: "X-Team", value: "core", secret: false },
  ],
  caCert: "/etc/corp-ca.pem",
  allowHttp: false,
};

/** What the form sends when only its URL changed (Save and Test send the same): the headers it
 *  did not change are kept as the file has them (null). */
const urlChanged = (url: string) => ({
  name: null,
  command: null,
  args: null,
  env: null,
  url,
  headers: null,
  caCert: null,
  allowHttp: null,
  loaded,
});

async function opened() {
  render(ServerEditForm, { props: { name: "linear", onSaved: () => {}, onCancel: () => {} } });
  await waitFor(() => expect((screen.getByTestId("edit-url") as HTMLInputElement).value).toBe("https://mcp.linear.app/mcp"));
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
    expect((screen.getByTestId("edit-ca-cert") as HTMLInputElement).value).toBe("/etc/corp-ca.pem");

    expect(screen.getByTestId("edit-headers-reveal").getAttribute("aria-label")).toBe("Show the value of Authorization");
    await fireEvent.click(screen.getByTestId("edit-headers-reveal"));
    await waitFor(() => expect((screen.getByLabelText("Value of Authorization") as HTMLInputElement).value).toBe("Bearer tok-1"));
    expect(calls).toContainEqual(["reveal_header_value", { name: "linear", header: "Authorization" }]);

    await fireEvent.click(screen.getByLabelText("Remove X-Team"));
    await fireEvent.click(screen.getByTestId("edit-headers-add"));
    const names = screen.getAllByLabelText("Header name") as HTMLInputElement[];
    await fireEvent.input(names[1], { target: { value: "X-Region" } });
    await fireEvent.input(screen.getByLabelText("Value of X-Region"), { target: { value: "eu" } });
    await fireEvent.click(screen.getByTestId("edit-save"));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith({ done: "edit linear", historyId: 12 }));
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
          caCert: null,
          allowHttp: null,
          loaded,
        },
      },
    ]);
  });

  it("a save refused because the file changed that field meanwhile says so and keeps what was typed", async () => {
    const message =
      "The URL field was changed in the file since you opened this form (by Claude Desktop, an editor or the CLI): saving would overwrite that change, so nothing was written.";
    const onSaved = vi.fn();
    // What the file says once another program changed it.
    let inFile = { ...loaded };
    mockIPC((cmd) => {
      if (cmd === "edit_server") throw { code: "edit-conflict", message };
      if (cmd === "server_details") return { name: "linear", kind: "remote", ...inFile };
      throw new Error(`unexpected command ${cmd}`);
    });
    render(ServerEditForm, { props: { name: "linear", onSaved, onCancel: () => {} } });
    const url = (await screen.findByTestId("edit-url")) as HTMLInputElement;
    await fireEvent.input(url, { target: { value: "https://mcp.linear.app/v2/mcp" } });
    inFile = { ...loaded, url: "https://mcp.linear.app/v3/mcp" };
    await fireEvent.click(screen.getByTestId("edit-save"));
    expect((await screen.findByTestId("edit-problem")).textContent).toBe(message);
    expect(url.value).toBe("https://mcp.linear.app/v2/mcp");
    expect(onSaved).not.toHaveBeenCalled();
    // The form offers the file's version in place of what was typed.
    await fireEvent.click(screen.getByTestId("edit-reload"));
    await waitFor(() => expect(url.value).toBe("https://mcp.linear.app/v3/mcp"));
    expect(screen.queryByTestId("edit-problem")).toBeNull();
    expect(screen.queryByTestId("edit-reload")).toBeNull();
  });

  it("a save refused for another reason offers no reload", async () => {
    mockIPC((cmd) => {
      if (cmd === "edit_server") throw { code: "invalid", message: "a server named \"x\" exists" };
      if (cmd === "server_details") return { name: "linear", kind: "remote", ...loaded };
      throw new Error(`unexpected command ${cmd}`);
    });
    render(ServerEditForm, { props: { name: "linear", onSaved: () => {}, onCancel: () => {} } });
    const url = (await screen.findByTestId("edit-url")) as HTMLInputElement;
    await fireEvent.input(url, { target: { value: "https://mcp.linear.app/v2/mcp" } });
    await fireEvent.click(screen.getByTestId("edit-save"));
    await screen.findByTestId("edit-problem");
    expect(screen.queryByTestId("edit-reload")).toBeNull();
  });

  it("Choose… puts the file chosen in the system's file dialog into the CA certificate field; Cancel there keeps it", async () => {
    let answer: string | null = "/home/me/certs/corp-root.crt";
    const calls = app((cmd) => {
      if (cmd === "plugin:dialog|open") return answer;
      throw new Error(`unexpected command ${cmd}`);
    });
    await opened();
    const field = screen.getByTestId("edit-ca-cert") as HTMLInputElement;
    await fireEvent.click(screen.getByTestId("edit-ca-cert-choose"));
    await waitFor(() => expect(field.value).toBe("/home/me/certs/corp-root.crt"));
    const [, args] = calls.find(([cmd]) => cmd === "plugin:dialog|open") ?? [];
    expect(args).toEqual({
      options: {
        title: "Choose the CA certificate",
        multiple: false,
        directory: false,
      },
    });

    answer = null;
    await fireEvent.click(screen.getByTestId("edit-ca-cert-choose"));
    await waitFor(() => expect(calls.filter(([cmd]) => cmd === "plugin:dialog|open")).toHaveLength(2));
    await waitFor(() => expect(screen.getByTestId("edit-ca-cert-choose")).toHaveProperty("disabled", false));
    expect(field.value).toBe("/home/me/certs/corp-root.crt");

    await fireEvent.click(screen.getByTestId("edit-save"));
    await waitFor(() => expect(calls.some(([cmd]) => cmd === "edit_server")).toBe(true));
    const [, saved] = calls.find(([cmd]) => cmd === "edit_server") ?? [];
    expect((saved as { change: { caCert: string } }).change.caCert).toBe("/home/me/certs/corp-root.crt");
  });

  it("tests the unsaved entry as Save would write it: progress, Cancel, the diagnosis, then the tools; nothing saved", async () => {
    let answer: (probe: unknown) => void = () => {};
    const calls = app((cmd) => {
      if (cmd === "test_server_edit") return new Promise((resolve) => (answer = resolve));
      if (cmd === "cancel_test") return null;
      throw new Error(`unexpected command ${cmd}`);
    });
    await opened();
    const url = screen.getByTestId("edit-url") as HTMLInputElement;
    await fireEvent.input(url, { target: { value: "http://127.0.0.1:9/mcp" } });

    // Under way: progress and Cancel test; cancelled, its late answer is dropped.
    await fireEvent.click(screen.getByTestId("edit-test"));
    expect((await screen.findByTestId("edit-test-progress")).textContent).toContain("asking for its tools");
    expect(screen.getByTestId("edit-test").textContent?.trim()).toBe("Testing…");
    expect(screen.getByTestId("edit-save")).toHaveProperty("disabled", true);
    await fireEvent.click(screen.getByTestId("edit-test-cancel"));
    // Rust is told to stop that test, and the server it started, under the test's own run.
    const first = calls.find(([cmd]) => cmd === "test_server_edit")?.[1] as { run: number };
    expect(typeof first.run).toBe("number");
    expect(calls.filter(([cmd]) => cmd === "cancel_test")).toEqual([["cancel_test", { run: first.run }]]);
    answer(probeView(false));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(screen.queryByTestId("edit-test-progress")).toBeNull();
    expect(screen.queryByTestId("edit-test-diagnosis")).toBeNull();
    expect(screen.getByTestId("edit-test")).toHaveProperty("disabled", false);

    // A server that is not there: the diagnosis.
    await fireEvent.click(screen.getByTestId("edit-test"));
    answer(probeView(false));
    const diagnosis = await screen.findByTestId("edit-test-diagnosis");
    expect(diagnosis.getAttribute("data-code")).toBe("connection-refused");
    expect(calls.filter(([cmd]) => cmd === "test_server_edit").at(-1)).toEqual([
      "test_server_edit",
      { name: "linear", change: urlChanged("http://127.0.0.1:9/mcp"), run: expect.any(Number) },
    ]);

    // Editing the form again: that result no longer describes it.
    await fireEvent.input(url, { target: { value: "https://mcp.linear.app/v2/mcp" } });
    expect(screen.queryByTestId("edit-test-diagnosis")).toBeNull();
    await fireEvent.click(screen.getByTestId("edit-test"));
    answer(probeView(true));
    const ok = await screen.findByTestId("edit-test-ok");
    expect(ok.textContent).toContain("everything");
    expect(screen.getByTestId("edit-test-tool-count").textContent).toBe("1 tool");
    expect(ok.textContent).toContain("Not saved yet");
    expect(calls.filter(([cmd]) => cmd === "test_server_edit").at(-1)).toEqual([
      "test_server_edit",
      { name: "linear", change: urlChanged("https://mcp.linear.app/v2/mcp"), run: expect.any(Number) },
    ]);
    expect(calls.some(([cmd]) => cmd === "edit_server")).toBe(false);
  });

  it("says why a test could not run (a CA certificate file that is not one)", async () => {
    app((cmd) => {
      if (cmd === "test_server_edit") throw { code: "bad-ca-cert", message: "/tmp/x.pem is not a usable CA certificate" };
      throw new Error(`unexpected command ${cmd}`);
    });
    await opened();
    await fireEvent.input(screen.getByTestId("edit-ca-cert"), { target: { value: "/tmp/x.pem" } });
    await fireEvent.click(screen.getByTestId("edit-test"));
    expect((await screen.findByTestId("edit-test-error")).textContent).toContain("not a usable CA certificate");
  });

  /** Types `text` into `field` one key at a time, as a person does (each key an input event on
   *  the field the key went to), and says which element had the focus after each key. */
  async function typeKeyByKey(field: HTMLInputElement, text: string): Promise<Element[]> {
    field.focus();
    const focused: Element[] = [];
    for (const key of text) {
      const target = document.activeElement as HTMLInputElement;
      await fireEvent.input(target, { target: { value: target.value + key } });
      focused.push(document.activeElement as Element);
    }
    return focused;
  }

  it("typing over a hidden header keeps every key, the focus and the value hidden, and saves it all", async () => {
    const calls = app();
    const onSaved = vi.fn();
    render(ServerEditForm, { props: { name: "linear", onSaved, onCancel: () => {} } });
    const box = (await screen.findByTestId("edit-headers-masked")) as HTMLInputElement;
    const focused = await typeKeyByKey(box, "Bearer xyz");
    expect(focused.every((element) => element === box)).toBe(true);
    expect(box.isConnected).toBe(true);
    expect(box.value).toBe("Bearer xyz");
    expect(box.type).toBe("password");
    await fireEvent.click(screen.getByTestId("edit-save"));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const edit = calls.find(([cmd]) => cmd === "edit_server")?.[1] as { change: { headers: unknown } };
    expect(edit.change.headers).toEqual([
      { name: "Authorization", value: "Bearer xyz" },
      { name: "X-Team", value: "core" },
    ]);
  });

  it("says it is loading the entry, and offers Try again when it could not be read", async () => {
    let fail = true;
    let answer: () => void = () => {};
    const calls: string[] = [];
    // Each read of the entry waits for `answer`, and fails while `fail`.
    mockIPC(async (cmd) => {
      calls.push(cmd);
      if (cmd !== "server_details") throw new Error(`unexpected command ${cmd}`);
      await new Promise<void>((resolve) => (answer = resolve));
      if (fail) throw { code: "io-error", message: "/c.json: resource busy" };
      return { name: "linear", kind: "remote", ...loaded };
    });
    render(ServerEditForm, { props: { name: "linear", onSaved: () => {}, onCancel: () => {} } });
    const loading = await screen.findByTestId("edit-loading");
    expect(loading.textContent).toBe("Loading linear's entry…");
    expect(loading.getAttribute("role")).toBe("status");
    answer();
    expect((await screen.findByTestId("edit-problem")).textContent).toBe("/c.json: resource busy");
    expect(screen.queryByTestId("edit-loading")).toBeNull();
    fail = false;
    await fireEvent.click(screen.getByTestId("edit-retry"));
    expect(screen.getByTestId("edit-loading")).toBeTruthy();
    answer();
    await waitFor(() => expect((screen.getByTestId("edit-url") as HTMLInputElement).value).toBe("https://mcp.linear.app/mcp"));
    expect(screen.queryByTestId("edit-retry")).toBeNull();
    expect(screen.queryByTestId("edit-problem")).toBeNull();
    expect(calls).toEqual(["server_details", "server_details"]);
  });

  it("a value shown by Show can be hidden again by Hide, and shown again without asking Rust", async () => {
    const calls = app();
    await opened();
    await fireEvent.click(screen.getByTestId("edit-headers-reveal"));
    const box = (await screen.findByLabelText("Value of Authorization")) as HTMLInputElement;
    expect(box.value).toBe("Bearer tok-1");
    expect(box.type).toBe("text");
    expect(screen.queryByTestId("edit-headers-reveal")).toBeNull();
    expect(screen.getByTestId("edit-headers-hide").getAttribute("aria-label")).toBe("Hide the value of Authorization");
    await fireEvent.click(screen.getByTestId("edit-headers-hide"));
    expect(box.type).toBe("password");
    expect(screen.queryByTestId("edit-headers-hide")).toBeNull();
    await fireEvent.click(screen.getByTestId("edit-headers-reveal"));
    expect(box.type).toBe("text");
    expect(box.value).toBe("Bearer tok-1");
    expect(calls.filter(([cmd]) => cmd === "reveal_header_value")).toHaveLength(1);
    // Seen and hidden is no change: Save has nothing to write.
    expect(screen.getByTestId("edit-save")).toHaveProperty("disabled", true);
  });

  it("a value typed over a hidden one is shown by Show without asking Rust, and hidden again by Hide", async () => {
    const calls = app();
    render(ServerEditForm, { props: { name: "linear", onSaved: () => {}, onCancel: () => {} } });
    const box = (await screen.findByTestId("edit-headers-masked")) as HTMLInputElement;
    await typeKeyByKey(box, "tok-2");
    await fireEvent.click(screen.getByTestId("edit-headers-reveal"));
    expect(box.type).toBe("text");
    expect(box.value).toBe("tok-2");
    expect(calls.some(([cmd]) => cmd === "reveal_header_value")).toBe(false);
    await fireEvent.click(screen.getByTestId("edit-headers-hide"));
    expect(box.type).toBe("password");
  });

  it("typing over a local server's hidden env value keeps every key and saves it all", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "server_details")
        return {
          name: "local",
          kind: "local",
          command: "node",
          args: ["index.js"],
          env: [{ name: "API_KEY", value: null, secret: true }],
          url: null,
          headers: [],
          caCert: null,
          allowHttp: false,
        };
      if (cmd === "edit_server") return { done: "edit local", historyId: 3 };
      throw new Error(`unexpected command ${cmd}`);
    });
    const onSaved = vi.fn();
    render(ServerEditForm, { props: { name: "local", onSaved, onCancel: () => {} } });
    const box = (await screen.findByTestId("edit-env-masked")) as HTMLInputElement;
    const focused = await typeKeyByKey(box, "real-key-42");
    expect(focused.every((element) => element === box)).toBe(true);
    expect(box.type).toBe("password");
    await fireEvent.click(screen.getByTestId("edit-save"));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const edit = calls.find(([cmd]) => cmd === "edit_server")?.[1] as { change: { env: unknown } };
    expect(edit.change.env).toEqual([{ name: "API_KEY", value: "real-key-42" }]);
  });
});
