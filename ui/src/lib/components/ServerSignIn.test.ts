import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { copyText } from "../clipboard";
import type { ServerOverview, SignInPhaseChanged, ServerSummary } from "../ipc";
import { type SignInApi, createSignIn } from "../stores/signIn.svelte";
import ServerList from "./ServerList.svelte";

vi.mock("../clipboard", () => ({ copyText: vi.fn(async () => {}) }));

afterEach(cleanup);

const url = "https://mcp.linear.app/mcp";
const linear: ServerSummary = {
  name: "linear",
  enabled: true,
  kind: "remote",
  url,
  command: "/opt/mcp-tray",
  args: ["bridge", url, "--name", "linear"],
  problem: null,
};
const fetchServer: ServerSummary = { name: "fetch", enabled: true, kind: "local", url: null, command: "uvx", args: [], problem: null };

function overview(code: string, signIn = code === "auth-required"): ReadonlyMap<string, ServerOverview> {
  return new Map([
    [
      "linear",
      {
        name: "linear",
        evidence: { status: "failing", source: "journal", at: "2026-12-03T07:00:00.000Z", code, text: "the server answered 401", fix: "Sign in to the server again from MCP Tray, or check its token.", signIn },
        process: null,
      } as ServerOverview,
    ],
  ]);
}

function fakeSignIn() {
  const calls: string[] = [];
  const api = {
    signInRequests: async () => [],
    signIn: async (name: string, serverUrl: string) => {
      calls.push(`sign-in ${name} ${serverUrl}`);
      throw { code: "sign-in-failed", message: "sign-in to linear failed: access denied" };
    },
    dismissSignIn: async () => {},
    cancelSignIn: async () => {},
    openSignInPage: async () => null,
    onSignInPhaseChanged: async () => () => {},
    onSignedInFromTray: async () => () => {},
  } as unknown as SignInApi;
  return { signIn: createSignIn(api), calls };
}

describe("a server row's Sign in", () => {
  it("a remote server that asked for a sign-in has a Sign in button, also after the banner was dismissed", async () => {
    const { signIn, calls } = fakeSignIn();
    render(ServerList, { props: { servers: [linear, fetchServer], overview: overview("auth-required"), signIn, onRemove: () => {} } });
    const buttons = screen.getAllByTestId("server-sign-in");
    expect(buttons).toHaveLength(1);
    await fireEvent.click(buttons[0]);
    expect(calls).toEqual([`sign-in linear ${url}`]);
    await waitFor(() => expect(screen.getByTestId("server-sign-in-error").textContent).toBe("sign-in to linear failed: access denied"));
  });

  it("no Sign in for a remote server failing for another reason", () => {
    const { signIn } = fakeSignIn();
    render(ServerList, { props: { servers: [linear], overview: overview("connection-refused"), signIn, onRemove: () => {} } });
    expect(screen.queryByTestId("server-sign-in")).toBeNull();
  });

  it("no Sign in for a server that refused access or wants credentials it offers no sign-in for", () => {
    const { signIn } = fakeSignIn();
    render(ServerList, { props: { servers: [linear], overview: overview("auth-required", false), signIn, onRemove: () => {} } });
    expect(screen.queryByTestId("server-sign-in")).toBeNull();
  });

  it("keeps the focus off the page: on Cancel sign-in while the browser is open, then back on Sign in, described by why it failed", async () => {
    let fail: (message: string) => void = () => {};
    const api = {
      signInRequests: async () => [],
      signIn: () => new Promise((_, reject) => (fail = (message) => reject({ code: "sign-in-failed", message }))),
      dismissSignIn: async () => {},
      cancelSignIn: async () => {},
      openSignInPage: async () => null,
      onSignInPhaseChanged: async () => () => {},
    onSignedInFromTray: async () => () => {},
      restartClaude: async () => null,
    } as unknown as SignInApi;
    render(ServerList, { props: { servers: [linear], overview: overview("auth-required"), signIn: createSignIn(api), onRemove: () => {} } });
    const button = screen.getByTestId("server-sign-in");
    button.focus();
    await fireEvent.click(button);
    await waitFor(() => expect(document.activeElement?.getAttribute("data-testid")).toBe("server-sign-in-cancel"));
    expect(document.activeElement?.getAttribute("aria-label")).toBe("Cancel sign-in to linear");
    fail("sign-in to linear failed: access denied");
    const error = await screen.findByTestId("server-sign-in-error");
    const again = screen.getByTestId("server-sign-in");
    await waitFor(() => expect(document.activeElement).toBe(again));
    expect(again.getAttribute("aria-describedby")).toBe(error.id);
  });

  it("a sign-in from the row that worked leaves the app's notice of it (what to do next)", async () => {
    const api = {
      signInRequests: async () => [],
      signIn: async () => ({ restartSupported: true }),
      dismissSignIn: async () => {},
      cancelSignIn: async () => {},
      openSignInPage: async () => null,
      onSignInPhaseChanged: async () => () => {},
    onSignedInFromTray: async () => () => {},
      restartClaude: async () => null,
    } as unknown as SignInApi;
    const signIn = createSignIn(api);
    render(ServerList, { props: { servers: [linear], overview: overview("auth-required"), signIn, onRemove: () => {} } });
    await fireEvent.click(screen.getByTestId("server-sign-in"));
    await waitFor(() => expect(signIn.notice).toEqual({ name: "linear", serverUrl: url, restartSupported: true }));
  });

  it("when no browser opened, the row shows the sign-in address with Copy, unless the banner shows it", async () => {
    const page = "http://127.0.0.1:7100/authorize?response_type=code&client_id=c1&code_challenge=x&state=s";
    let push: ((change: SignInPhaseChanged) => void) | null = null;
    const api = {
      signInRequests: async () => [],
      signIn: () => new Promise(() => {}),
      dismissSignIn: async () => {},
      cancelSignIn: async () => {},
      openSignInPage: async () => null,
      onSignInPhaseChanged: async (handler: (change: SignInPhaseChanged) => void) => {
        push = handler;
        return () => {};
      },
      onSignedInFromTray: async () => () => {},
      restartClaude: async () => null,
    } as unknown as SignInApi;
    const signIn = createSignIn(api);
    // The banner, always there in the app, follows Rust's phases.
    await signIn.follow();
    render(ServerList, { props: { servers: [linear], overview: overview("auth-required"), signIn, onRemove: () => {} } });
    await fireEvent.click(screen.getByTestId("server-sign-in"));
    await screen.findByTestId("server-sign-in-cancel");
    expect(screen.queryByTestId("server-sign-in-address")).toBeNull();

    push!({ serverUrl: url, phase: { state: "signing-in", unopenedPage: page } });
    const address = (await screen.findByTestId("server-sign-in-address")) as HTMLInputElement;
    expect(address.value).toBe(page);
    expect(screen.getByTestId("server-sign-in-browser-failed").textContent).toMatch(/^The browser did not open\./);
    expect(screen.getByTestId("server-sign-in-cancel")).toBeTruthy();
    await fireEvent.click(screen.getByTestId("server-sign-in-copy"));
    expect(copyText).toHaveBeenCalledWith(page);

    // A bridge asked for this sign-in: the banner above shows the address, the row does not again.
    signIn.receive([{ name: "linear", serverUrl: url, shownUrl: url }]);
    await waitFor(() => expect(screen.queryByTestId("server-sign-in-address")).toBeNull());
    expect(screen.getByTestId("server-sign-in-cancel")).toBeTruthy();
  });
});
