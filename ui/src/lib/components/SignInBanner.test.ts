import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { copyText } from "../clipboard";
import type { SignInPhaseChanged, SignInRequestView, SignedInFromTray } from "../ipc";
import { type SignInApi, createSignIn } from "../stores/signIn.svelte";
import SignInBanner from "./SignInBanner.svelte";

vi.mock("../clipboard", () => ({ copyText: vi.fn(async () => {}) }));

afterEach(cleanup);

const linear: SignInRequestView = { name: "linear", serverUrl: "https://mcp.linear.app/mcp", shownUrl: "https://mcp.linear.app/mcp" };

/** A sign-in that waits for the browser until it is cancelled, as Rust's does. */
function waitingApi() {
  const calls: string[] = [];
  const push: { phase: ((change: SignInPhaseChanged) => void) | null; trayDone: ((done: SignedInFromTray) => void) | null } = {
    phase: null,
    trayDone: null,
  };
  let stop: ((err: unknown) => void) | null = null;
  const api: SignInApi = {
    signInRequests: async () => [linear],
    signIn: (name, url) => {
      calls.push(`sign-in ${name} ${url}`);
      return new Promise((_, reject) => (stop = reject));
    },
    dismissSignIn: async () => null,
    cancelSignIn: async (url) => {
      calls.push(`cancel ${url}`);
      stop?.({ code: "sign-in-cancelled", message: "the sign-in to linear was cancelled" });
    },
    openSignInPage: async (url) => {
      calls.push(`open ${url}`);
      return null;
    },
    onSignInPhaseChanged: async (handler) => {
      push.phase = handler;
      return () => {};
    },
    onSignedInFromTray: async (handler) => {
      push.trayDone = handler;
      return () => {};
    },
    restartClaude: async () => {
      calls.push("restart");
      return null;
    },
  };
  return { api, calls, push };
}

/** A sign-in whose browser answers when the test says: `finish()` (it worked) or `fail(message)`. */
function answeredApi(restartSupported: boolean) {
  const waiting = waitingApi();
  const answer: { finish: () => void; fail: (message: string) => void } = { finish: () => {}, fail: () => {} };
  waiting.api.signIn = (name, url) => {
    waiting.calls.push(`sign-in ${name} ${url}`);
    return new Promise((resolve, reject) => {
      answer.finish = () => resolve({ restartSupported });
      answer.fail = (message) => reject({ code: "sign-in-failed", message });
    });
  };
  return { ...waiting, answer };
}

/** Clicks like a person: the button takes the focus first. */
async function press(element: HTMLElement) {
  element.focus();
  await fireEvent.click(element);
}

describe("SignInBanner", () => {
  it("shows the server's address as Rust masked it, never a credential in it", async () => {
    const { api } = waitingApi();
    const keyed = { name: "vault", serverUrl: "https://mcp.example.com/mcp?token=s3cret-t0ken", shownUrl: "https://mcp.example.com/mcp?token=••••••" };
    api.signInRequests = async () => [keyed];
    const signIn = createSignIn(api);
    await signIn.load();
    render(SignInBanner, { props: { signIn } });
    await waitFor(() => expect(screen.getByTestId("sign-in-title").textContent).toBe("Sign in to vault"));
    const banner = document.body.textContent ?? "";
    expect(banner).toContain("https://mcp.example.com/mcp?token=••••••");
    expect(banner).not.toContain("s3cret-t0ken");
  });

  it("offers no browser button before the sign-in page is known, then Open the browser again once a browser came up", async () => {
    const { api, calls, push } = waitingApi();
    const signIn = createSignIn(api);
    await signIn.load();
    render(SignInBanner, { props: { signIn } });
    await waitFor(() => expect(push.phase).not.toBeNull());

    await fireEvent.click(screen.getByTestId("sign-in-button"));
    // Before either: still finding out where to sign in, nothing to open (again) yet.
    await waitFor(() => expect(screen.getByTestId("sign-in-waiting").textContent).toBe("Preparing the sign-in…"));
    expect(screen.queryByTestId("sign-in-button")).toBeNull();
    expect(screen.queryByTestId("sign-in-open-again")).toBeNull();
    expect(screen.getByTestId("sign-in-cancel")).toBeTruthy();

    // Rust says a browser came up at the page.
    push.phase?.({ serverUrl: linear.serverUrl, phase: { state: "signing-in", browserOpened: true } });
    await waitFor(() => expect(screen.getByTestId("sign-in-waiting").textContent).toBe("Waiting for the browser…"));
    expect(screen.getByTestId("sign-in-open-again").textContent?.trim()).toBe("Open the browser again");
    expect(screen.queryByTestId("sign-in-address")).toBeNull();

    await fireEvent.click(screen.getByTestId("sign-in-open-again"));
    expect(calls).toContain("open https://mcp.linear.app/mcp");

    await fireEvent.click(screen.getByTestId("sign-in-cancel"));
    await waitFor(() => expect(screen.getByTestId("sign-in-button").textContent?.trim()).toBe("Sign in"));
    expect(calls).toContain("cancel https://mcp.linear.app/mcp");
    expect(screen.getByTestId("sign-in-title").textContent).toBe("Sign in to linear");
    expect(screen.getByTestId("sign-in-dismiss")).toBeTruthy();
    expect(screen.queryByTestId("sign-in-error")).toBeNull();
  });

  it("follows a sign-in started from the tray: waiting with Cancel, then the reason it failed", async () => {
    const { api, push } = waitingApi();
    const signIn = createSignIn(api);
    await signIn.load();
    render(SignInBanner, { props: { signIn } });
    await waitFor(() => expect(push.phase).not.toBeNull());

    push.phase?.({ serverUrl: linear.serverUrl, phase: { state: "signing-in" } });
    await waitFor(() => expect(screen.getByTestId("sign-in-cancel")).toBeTruthy());
    push.phase?.({ serverUrl: linear.serverUrl, phase: { state: "failed", message: "sign-in to linear failed: access denied" } });
    await waitFor(() => expect(screen.getByTestId("sign-in-error").textContent).toBe("sign-in to linear failed: access denied"));
    expect(screen.getByTestId("sign-in-button")).toBeTruthy();
  });

  it("a sign-in from the tray that worked leaves the same notice, with Restart where MCP Tray can restart Claude", async () => {
    const { api, push, calls } = waitingApi();
    const signIn = createSignIn(api);
    await signIn.load();
    render(SignInBanner, { props: { signIn } });
    await waitFor(() => expect(push.trayDone).not.toBeNull());

    push.phase?.({ serverUrl: linear.serverUrl, phase: { state: "signing-in" } });
    // Storing the tokens clears the request, then the tray's sign-in says it is done.
    signIn.receive([]);
    push.phase?.({ serverUrl: linear.serverUrl, phase: { state: "idle" } });
    push.trayDone?.({ name: "linear", serverUrl: linear.serverUrl, restartSupported: true });
    await waitFor(() =>
      expect(screen.getByTestId("sign-in-notice").textContent?.replace(/\s+/g, " ").trim()).toBe(
        "Signed in to linear. If Claude Desktop shows linear as failed, restart Claude Desktop: it does not try a server again by itself.",
      ),
    );
    expect(screen.queryByTestId("sign-in-banner")).toBeNull();
    await press(screen.getByRole("button", { name: "Restart Claude Desktop" }));
    expect(calls).toContain("restart");
  });

  it("after the sign-in worked, says so and what to do next in a polite live region, and puts the focus there", async () => {
    const { api, answer } = answeredApi(false);
    const signIn = createSignIn(api);
    await signIn.load();
    render(SignInBanner, { props: { signIn } });
    // There before anything is said in it: a live region added with its words may be missed.
    const notice = screen.getByTestId("sign-in-notice");
    expect(notice.getAttribute("role")).toBe("status");
    expect(notice.textContent?.trim()).toBe("");

    await press(screen.getByTestId("sign-in-button"));
    // The Sign in button went: the focus is on what took its place (the waiting words, while there
    // is no page to open the browser at: not Cancel, which a second Enter would press), not on the page.
    await waitFor(() => expect(document.activeElement?.getAttribute("data-testid")).toBe("sign-in-waiting"));
    answer.finish();
    await waitFor(() => expect(screen.queryByTestId("sign-in-banner")).toBeNull());
    expect(screen.getByTestId("sign-in-notice")).toBe(notice);
    expect(notice.textContent?.replace(/\s+/g, " ").trim()).toBe(
      "Signed in to linear. If Claude Desktop shows linear as failed, restart Claude Desktop: it does not try a server again by itself.",
    );
    await waitFor(() => expect(document.activeElement).toBe(notice));
    // Where MCP Tray cannot restart Claude Desktop (Linux), no button offers to.
    expect(screen.queryByTestId("sign-in-restart-claude")).toBeNull();
    await press(screen.getByTestId("sign-in-notice-dismiss"));
    expect(notice.textContent?.trim()).toBe("");
  });

  it("offers Restart Claude Desktop after the sign-in where MCP Tray can restart it", async () => {
    const { api, answer, calls } = answeredApi(true);
    const signIn = createSignIn(api);
    await signIn.load();
    render(SignInBanner, { props: { signIn } });
    await press(screen.getByTestId("sign-in-button"));
    answer.finish();
    const restart = await screen.findByRole("button", { name: "Restart Claude Desktop" });
    await press(restart);
    expect(calls).toContain("restart");
    await waitFor(() => expect(screen.getByTestId("sign-in-restart-result").textContent).toBe("Claude Desktop is restarting."));
  });

  it("after a failed sign-in, says why politely and puts the focus back on Sign in, which the reason describes", async () => {
    const { api, answer } = answeredApi(false);
    const signIn = createSignIn(api);
    await signIn.load();
    render(SignInBanner, { props: { signIn } });
    await press(screen.getByTestId("sign-in-button"));
    answer.fail("sign-in to linear failed: access denied");
    const error = await screen.findByTestId("sign-in-error");
    expect(error.textContent).toBe("sign-in to linear failed: access denied");
    // Polite (the request's own status region), not an alert that cuts in.
    expect(error.getAttribute("role")).toBeNull();
    expect(error.closest('[role="status"]')).toBeTruthy();
    const again = screen.getByTestId("sign-in-button");
    await waitFor(() => expect(document.activeElement).toBe(again));
    expect(again.getAttribute("aria-describedby")).toBe(error.id);
    expect(screen.getByTestId("sign-in-notice").textContent?.trim()).toBe("");
  });

  it("puts the focus back on Sign in when the sign-in is cancelled", async () => {
    const { api } = waitingApi();
    const signIn = createSignIn(api);
    await signIn.load();
    render(SignInBanner, { props: { signIn } });
    await press(screen.getByTestId("sign-in-button"));
    await press(await screen.findByTestId("sign-in-cancel"));
    await waitFor(() => expect(document.activeElement?.getAttribute("data-testid")).toBe("sign-in-button"));
  });

  it("when no browser opened, says so and shows the sign-in address with Copy, with Open the browser and Cancel", async () => {
    const page = "http://127.0.0.1:7100/authorize?response_type=code&client_id=c1&code_challenge=x&state=s";
    const { api, push, calls } = waitingApi();
    const signIn = createSignIn(api);
    await signIn.load();
    render(SignInBanner, { props: { signIn } });
    await waitFor(() => expect(push.phase).not.toBeNull());
    await press(screen.getByTestId("sign-in-button"));
    await screen.findByTestId("sign-in-cancel");
    expect(screen.queryByTestId("sign-in-address")).toBeNull();

    // Rust says the browser did not come up, and where the person signs in instead.
    push.phase?.({ serverUrl: linear.serverUrl, phase: { state: "signing-in", unopenedPage: page } });
    const address = (await screen.findByTestId("sign-in-address")) as HTMLInputElement;
    expect(address.value).toBe(page);
    expect(address.readOnly).toBe(true);
    expect(screen.getByTestId("sign-in-browser-failed").textContent).toMatch(/^The browser did not open\./);
    // Said by the request's own status region.
    expect(address.closest('[role="status"]')).toBeTruthy();
    // Not "again": no browser came up so far.
    expect(screen.getByTestId("sign-in-open-again").textContent?.trim()).toBe("Open the browser");
    expect(screen.getByTestId("sign-in-waiting").textContent).toBe("Waiting for the sign-in…");
    expect(screen.queryByTestId("sign-in-button")).toBeNull();
    await press(screen.getByTestId("sign-in-open-again"));
    expect(calls).toContain("open https://mcp.linear.app/mcp");

    const copy = screen.getByTestId("sign-in-copy");
    await press(copy);
    expect(copyText).toHaveBeenCalledWith(page);
    await waitFor(() => expect(copy.textContent?.trim()).toBe("Copied"));

    await press(screen.getByTestId("sign-in-cancel"));
    await waitFor(() => expect(screen.getByTestId("sign-in-button")).toBeTruthy());
    expect(calls).toContain("cancel https://mcp.linear.app/mcp");
    expect(screen.queryByTestId("sign-in-address")).toBeNull();
  });
});
