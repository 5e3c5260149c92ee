import { open } from "@tauri-apps/plugin-dialog";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AddPreview, ProbeView } from "../ipc";
import { fakeApi, fakeSignIn, local, probeView, remote } from "../stores/addServer.fixtures";
import { createAddServer } from "../stores/addServer.svelte";
import { anywayHint } from "./AddAnyway.svelte";
import AddServerCard from "./AddServerCard.svelte";

// The system's file dialog, answered by each test.
vi.mock("@tauri-apps/plugin-dialog", () => ({ open: vi.fn() }));

afterEach(() => {
  cleanup();
  vi.mocked(open).mockReset();
});

describe("Add anyway's hint", () => {
  const failing = (code: string): ProbeView => {
    const probe = probeView(false);
    return { ...probe, diagnosis: probe.diagnosis && { ...probe.diagnosis, code } };
  };
  it("says a server may be down or need a sign-in only when that is what failed", () => {
    expect(anywayHint([failing("connection-refused"), probeView(true)])).toBe("A server may need a sign-in, or be down right now.");
    expect(anywayHint([failing("auth-required")])).toBe("A server may need a sign-in, or be down right now.");
  });
  it("says the entry is written as it is, failing, when the entry itself is wrong", () => {
    expect(anywayHint([failing("command-not-found")])).toContain("Writes the entry as it is");
    expect(anywayHint([failing("connection-refused"), failing("http-error")])).toContain("Writes the entries as they are");
  });
});

describe("Add server card", () => {
  it("a snippet's local servers are captured unless unticked; a remote URL alone has no such choice", async () => {
    const snippet = '{"mcpServers": {"files": {"command": "npx", "args": ["fs"]}, "git": {"command": "uvx", "args": ["git"]}}}';
    const preview: AddPreview = { entries: [local("files", "npx"), local("git", "uvx")], notes: [], refused: [], taken: [] };
    const { api } = fakeApi({ preview });
    api.previewAdd = async () => preview;
    const written: unknown[] = [];
    const add = api.addServers;
    api.addServers = (text, name, options) => {
      written.push(options?.capture);
      return add(text, name, options);
    };
    let flow = createAddServer(api);
    render(AddServerCard, { flow });
    flow.text = snippet;
    await flow.refreshPreview();
    const box = (await screen.findByRole("checkbox", { name: "Capture the traffic of files and git" })) as HTMLInputElement;
    expect(box.checked).toBe(true);
    await flow.add();
    expect(written).toEqual([true]);
    expect((await screen.findByTestId("add-captured")).textContent).toMatch(/Traffic\s+will show the messages of files and git from their next start/);
    cleanup();

    flow = createAddServer(api);
    render(AddServerCard, { flow });
    flow.text = snippet;
    await flow.refreshPreview();
    await fireEvent.click(await screen.findByRole("checkbox", { name: "Capture the traffic of files and git" }));
    await flow.add();
    expect(written).toEqual([true, false]);
    await screen.findByTestId("add-done");
    expect(screen.queryByTestId("add-captured")).toBeNull();
    cleanup();

    const remoteOnly = createAddServer(fakeApi().api);
    render(AddServerCard, { flow: remoteOnly });
    remoteOnly.text = "https://example.com/mcp";
    await remoteOnly.refreshPreview();
    await screen.findByTestId("add-preview");
    expect(screen.queryByRole("checkbox", { name: /Capture/ })).toBeNull();
  });

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

  it("a remote URL gets a CA certificate field, and Test and Add both use what it says", async () => {
    const { api } = fakeApi({ probeOk: true });
    const probed: unknown[] = [];
    const written: unknown[] = [];
    api.probeAdd = async (_text, _name, _server, options) => {
      probed.push(options);
      return probeView(true);
    };
    const add = api.addServers;
    api.addServers = (text, name, options) => {
      written.push(options);
      return add(text, name, options);
    };
    const flow = createAddServer(api);
    render(AddServerCard, { flow });
    expect(screen.queryByTestId("add-ca-cert")).toBeNull();
    flow.text = "https://corp.example/mcp";
    await flow.refreshPreview();
    const field = (await screen.findByTestId("add-ca-cert")) as HTMLInputElement;
    expect(screen.getByText(/CA certificate/)).toBeTruthy();
    await fireEvent.input(field, { target: { value: " /etc/corp-ca.pem " } });
    await flow.add();
    expect(probed).toEqual([{ caCert: "/etc/corp-ca.pem", allowHttp: false, capture: true }]);
    expect(written).toEqual([{ caCert: "/etc/corp-ca.pem", allowHttp: false, capture: true }]);
  });

  it("Choose… fills the CA certificate field from the system's file dialog, Cancel there keeps it, and Test uses it", async () => {
    const { api } = fakeApi({ probeOk: true });
    const probed: unknown[] = [];
    api.probeAdd = async (_text, _name, _server, options) => {
      probed.push(options);
      return probeView(true);
    };
    const flow = createAddServer(api);
    render(AddServerCard, { flow });
    flow.text = "https://corp.example/mcp";
    await flow.refreshPreview();
    const field = (await screen.findByTestId("add-ca-cert")) as HTMLInputElement;
    const choose = screen.getByRole("button", { name: "Choose…" });
    expect(choose).toHaveProperty("disabled", false);

    vi.mocked(open).mockResolvedValueOnce("/home/me/corp-ca.pem");
    await fireEvent.click(choose);
    await waitFor(() => expect(field.value).toBe("/home/me/corp-ca.pem"));
    expect(flow.caCert).toBe("/home/me/corp-ca.pem");
    expect(open).toHaveBeenCalledWith(
      expect.objectContaining({
        multiple: false,
        directory: false,
      }),
    );

    vi.mocked(open).mockResolvedValueOnce(null);
    await fireEvent.click(choose);
    await waitFor(() => expect(open).toHaveBeenCalledTimes(2));
    await waitFor(() => expect(choose).toHaveProperty("disabled", false));
    expect(field.value).toBe("/home/me/corp-ca.pem");

    await flow.add();
    expect(probed).toEqual([{ caCert: "/home/me/corp-ca.pem", allowHttp: false, capture: true }]);
  });

  it("says so when the file dialog cannot open, and the field keeps what was typed", async () => {
    const flow = createAddServer(fakeApi().api);
    render(AddServerCard, { flow });
    flow.text = "https://corp.example/mcp";
    await flow.refreshPreview();
    const field = (await screen.findByTestId("add-ca-cert")) as HTMLInputElement;
    await fireEvent.input(field, { target: { value: "/etc/ca.pem" } });
    vi.mocked(open).mockRejectedValueOnce("dialog.open not allowed");
    await fireEvent.click(screen.getByTestId("add-ca-cert-choose"));
    expect((await screen.findByTestId("add-ca-cert-problem")).textContent).toContain("The file dialog did not open");
    expect(field.value).toBe("/etc/ca.pem");
  });

  it("says why a text cannot be read not while it is typed, but at once when it was pasted, or once the field is left", async () => {
    const { api } = fakeApi();
    const flow = createAddServer(api);
    render(AddServerCard, { flow });
    const field = screen.getByTestId("add-input") as HTMLTextAreaElement;
    await fireEvent.input(field, { target: { value: "h" }, inputType: "insertText" });
    await flow.refreshPreview();
    expect(flow.preview.state).toBe("invalid");
    expect(screen.queryByTestId("add-invalid")).toBeNull();
    await fireEvent.blur(field);
    expect((await screen.findByTestId("add-invalid")).textContent).toBe('no URL found in "h"');

    await fireEvent.input(field, { target: { value: "ha" }, inputType: "insertText" });
    await flow.refreshPreview();
    expect(screen.queryByTestId("add-invalid")).toBeNull();
    await fireEvent.input(field, { target: { value: "hello there" }, inputType: "insertFromPaste" });
    await flow.refreshPreview();
    expect((await screen.findByTestId("add-invalid")).textContent).toBe('no URL found in "hello there"');
  });

  it("a plain http:// address on another computer is explained, and Allow unencrypted HTTP warns once chosen", async () => {
    const { api } = fakeApi();
    const preview = api.previewAdd;
    api.previewAdd = async (text, name, options) => {
      if (!options?.allowHttp) throw { code: "plain-http", message: "This is a plain http:// address on another computer." };
      return preview(text, name, options);
    };
    const flow = createAddServer(api);
    render(AddServerCard, { flow });
    flow.text = "http://10.0.0.7/mcp";
    await flow.refreshPreview();
    const choice = (await screen.findByTestId("add-allow-http")) as HTMLInputElement;
    expect(choice.checked).toBe(false);
    expect(screen.getByText("Allow unencrypted HTTP")).toBeTruthy();
    expect(screen.queryByTestId("add-allow-http-warning")).toBeNull();
    await fireEvent.click(choice);
    await flow.refreshPreview();
    expect((await screen.findByTestId("add-allow-http-warning")).textContent).toContain("unencrypted");
    expect(screen.getByTestId("add-preview")).toBeTruthy();
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

  it("asks to restart Claude Desktop by hand where MCP Tray cannot restart it", async () => {
    const { api } = fakeApi({ restartSupported: false });
    const flow = createAddServer(api);
    render(AddServerCard, { flow });
    flow.text = "https://mcp.example.com/mcp";
    await flow.add();
    expect((await screen.findByTestId("restart-by-hand")).textContent?.trim()).toBe(
      "Restart Claude Desktop to load the new server.",
    );
    expect(screen.queryByTestId("restart-claude")).toBeNull();
    expect(screen.getByTestId("add-another")).toBeTruthy();
  });

  it("lets the Name field be emptied: the suggestion becomes its placeholder, and typing starts afresh", async () => {
    const { api, calls } = fakeApi();
    const flow = createAddServer(api);
    render(AddServerCard, { flow });
    flow.text = "https://mcp.example.com/mcp";
    await flow.refreshPreview();
    const name = (await screen.findByTestId("add-name")) as HTMLInputElement;
    expect(name.value).toBe("example");
    await fireEvent.input(name, { target: { value: "" } });
    await flow.refreshPreview();
    expect(name.value).toBe("");
    expect(name.placeholder).toBe("example");
    // The user types on from what the field shows.
    await fireEvent.input(name, { target: { value: `${name.value}mine` } });
    await flow.add();
    expect(calls.filter((c) => c.startsWith("write"))).toEqual(["write mine"]);
  });

  it("while signing in, offers Cancel and, once a browser came up, Open the browser again; Cancel makes the card editable again, the text kept", async () => {
    const { api } = fakeApi();
    api.probeAdd = async () => {
      const probe: ProbeView = probeView(false);
      return { ...probe, diagnosis: probe.diagnosis && { ...probe.diagnosis, code: "auth-required", sign_in: true } };
    };
    const asked: string[] = [];
    let answer: (signedIn: boolean) => void = () => {};
    const signIn = fakeSignIn({
      signIn: () => new Promise((resolve) => (answer = resolve)),
      // As Rust does: the sign-in under way ends, cancelled.
      cancel: async (url) => {
        asked.push(`cancel ${url}`);
        answer(false);
      },
      openAgain: async (url) => void asked.push(`open ${url}`),
      // As Rust tells the window once the browser came up at the sign-in page.
      phase: () => ({ state: "signing-in", browserOpened: true }),
    });
    const flow = createAddServer(api, () => {}, signIn);
    render(AddServerCard, { flow });
    flow.text = "https://mcp.example.com/mcp";
    await flow.add();
    await fireEvent.click(await screen.findByTestId("add-sign-in"));
    expect(screen.getByTestId("add-signing-in").textContent).toContain("Sign in to example in your browser");
    expect(screen.getByTestId("add-open-browser").textContent?.trim()).toBe("Open the browser again");
    const input = screen.getByTestId("add-input") as HTMLTextAreaElement;
    expect(input.disabled).toBe(true);

    await fireEvent.click(screen.getByRole("button", { name: "Open the browser again" }));
    await fireEvent.click(screen.getByTestId("add-cancel"));
    expect(asked).toEqual(["open https://mcp.example.com/mcp", "cancel https://mcp.example.com/mcp"]);
    await waitFor(() => expect(screen.queryByTestId("add-signing-in")).toBeNull());
    expect(input.disabled).toBe(false);
    expect(input.value).toBe("https://mcp.example.com/mcp");
    expect(screen.getByTestId("add-sign-in")).toBeTruthy();
    expect(screen.getByTestId("add-button")).toHaveProperty("disabled", false);
    expect(screen.queryByTestId("add-cancel")).toBeNull();
  });

  it("while signing in with no browser opened, shows the sign-in address with Copy, and Open the browser (not again)", async () => {
    const { api } = fakeApi();
    api.probeAdd = async () => {
      const probe: ProbeView = probeView(false);
      return { ...probe, diagnosis: probe.diagnosis && { ...probe.diagnosis, code: "auth-required", sign_in: true } };
    };
    const page = "http://127.0.0.1:4000/authorize?response_type=code&state=s1";
    // As Rust tells the window when no browser came up for the sign-in under way.
    const signIn = fakeSignIn({
      signIn: () => new Promise(() => {}),
      phase: () => ({ state: "signing-in", unopenedPage: page }),
    });
    const flow = createAddServer(api, () => {}, signIn);
    render(AddServerCard, { flow });
    flow.text = "https://mcp.example.com/mcp";
    await flow.add();
    expect(screen.queryByTestId("add-sign-in-address")).toBeNull();
    await fireEvent.click(await screen.findByTestId("add-sign-in"));
    const address = (await screen.findByTestId("add-sign-in-address")) as HTMLInputElement;
    expect(address.value).toBe(page);
    expect(screen.getByTestId("add-sign-in-browser-failed").textContent).toContain("The browser did not open");
    expect(screen.getByTestId("add-sign-in-copy")).toBeTruthy();
    expect(screen.getByTestId("add-open-browser").textContent?.trim()).toBe("Open the browser");
  });

  it("while signing in before the sign-in page is known, offers no browser button, only Cancel and the waiting words", async () => {
    const { api } = fakeApi();
    api.probeAdd = async () => {
      const probe: ProbeView = probeView(false);
      return { ...probe, diagnosis: probe.diagnosis && { ...probe.diagnosis, code: "auth-required", sign_in: true } };
    };
    const signIn = fakeSignIn({ signIn: () => new Promise(() => {}), phase: () => ({ state: "signing-in" }) });
    const flow = createAddServer(api, () => {}, signIn);
    render(AddServerCard, { flow });
    flow.text = "https://mcp.example.com/mcp";
    await flow.add();
    await fireEvent.click(await screen.findByTestId("add-sign-in"));
    expect((await screen.findByTestId("add-signing-in")).textContent).toContain("Sign in to example in your browser");
    expect(screen.queryByTestId("add-open-browser")).toBeNull();
    expect(screen.queryByRole("button", { name: /Open the browser/ })).toBeNull();
    expect(screen.getByTestId("add-cancel")).toBeTruthy();
    expect(screen.queryByTestId("add-sign-in-address")).toBeNull();
  });

  it("keeps the focus off the page through Sign in: on the waiting words while no page is known (not on Cancel), then on what was added", async () => {
    const { api } = fakeApi();
    let probes = 0;
    api.probeAdd = async () => {
      // Asks for a sign-in the first time, answers once signed in.
      if (probes++ > 0) return probeView(true);
      const probe: ProbeView = probeView(false);
      return { ...probe, diagnosis: probe.diagnosis && { ...probe.diagnosis, code: "auth-required", sign_in: true } };
    };
    let answer: (signedIn: boolean) => void = () => {};
    const signIn = fakeSignIn({ signIn: () => new Promise((resolve) => (answer = resolve)) });
    const flow = createAddServer(api, () => {}, signIn);
    render(AddServerCard, { flow });
    flow.text = "https://mcp.example.com/mcp";
    await flow.add();
    const button = await screen.findByTestId("add-sign-in");
    button.focus();
    await fireEvent.click(button);
    await waitFor(() => expect(document.activeElement?.getAttribute("data-testid")).toBe("add-signing-in"));
    answer(true);
    const done = await screen.findByTestId("add-done");
    await waitFor(() => expect(document.activeElement).toBe(done));
  });

  it("says to rename a taken name in the pasted JSON when the snippet holds several servers (no Name field)", async () => {
    const preview: AddPreview = {
      entries: [remote("linear", "https://mcp.linear.app/mcp"), remote("notion", "https://mcp.notion.com/mcp")],
      notes: [],
      refused: [],
      taken: ["linear"],
    };
    const flow = createAddServer(fakeApi({ preview }).api);
    render(AddServerCard, { flow });
    flow.text = '{"linear": {"url": "https://mcp.linear.app/mcp"}, "notion": {"url": "https://mcp.notion.com/mcp"}}';
    await flow.refreshPreview();
    const taken = await screen.findByTestId("add-taken");
    expect(screen.queryByTestId("add-name")).toBeNull();
    expect(taken.textContent?.trim()).toBe("A server named “linear” already exists: rename it in the pasted JSON.");
  });

  it("says which entries of a snippet of several cannot be added, and why, beside the ones that can", async () => {
    const preview: AddPreview = {
      entries: [remote("linear", "https://mcp.linear.app/mcp")],
      notes: [],
      refused: ['"ws": MCP has no WebSocket transport'],
      taken: [],
    };
    const flow = createAddServer(fakeApi({ preview }).api);
    render(AddServerCard, { flow });
    flow.text = '{"linear": {"url": "https://mcp.linear.app/mcp"}, "ws": {"url": "wss://example.com/mcp"}}';
    await flow.refreshPreview();
    const refused = await screen.findByTestId("add-refused");
    expect(refused.textContent?.trim()).toBe('Not added: "ws": MCP has no WebSocket transport');
    expect(refused.classList.contains("problem")).toBe(true);
  });

  it("says to choose another name when the one server's name is taken (its Name field is shown)", async () => {
    const flow = createAddServer(fakeApi({ taken: ["example"] }).api);
    render(AddServerCard, { flow });
    flow.text = "https://mcp.example.com/mcp";
    await flow.refreshPreview();
    expect((await screen.findByTestId("add-taken")).textContent?.trim()).toBe(
      "A server named “example” already exists: choose another name.",
    );
    expect(screen.getByTestId("add-name")).toBeTruthy();
  });

  it("adds on Enter in the Name and CA certificate fields, as the Add button does (not while Add is off)", async () => {
    const { api, calls } = fakeApi();
    const flow = createAddServer(api);
    render(AddServerCard, { flow });
    flow.text = "https://mcp.example.com/mcp";
    await flow.refreshPreview();
    const name = (await screen.findByTestId("add-name")) as HTMLInputElement;
    await fireEvent.input(name, { target: { value: "racer" } });
    // An input method's Enter is the input method's.
    await fireEvent.keyDown(name, { key: "Enter", isComposing: true });
    expect(calls).not.toContain("probe");
    await fireEvent.keyDown(name, { key: "Enter" });
    await waitFor(() => expect(calls).toContain("write racer"));
    expect((await screen.findByTestId("add-done")).textContent).toContain("racer");

    flow.reset();
    flow.text = "https://mcp.example.com/mcp";
    await flow.refreshPreview();
    const ca = (await screen.findByTestId("add-ca-cert")) as HTMLInputElement;
    await fireEvent.input(ca, { target: { value: "/etc/corp-ca.pem" } });
    const probes = calls.filter((c) => c === "probe").length;
    await fireEvent.keyDown(ca, { key: "Enter" });
    await waitFor(() => expect(calls.filter((c) => c === "probe").length).toBe(probes + 1));
  });

  it("does nothing on Enter in the Name field while the name is taken (Add is off)", async () => {
    const { api, calls } = fakeApi({ taken: ["example"] });
    const flow = createAddServer(api);
    render(AddServerCard, { flow });
    flow.text = "https://mcp.example.com/mcp";
    await flow.refreshPreview();
    await screen.findByTestId("add-taken");
    expect((screen.getByTestId("add-button") as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.keyDown(screen.getByTestId("add-name"), { key: "Enter" });
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).not.toContain("probe");
  });
});
