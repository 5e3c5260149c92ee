import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { SignInPhaseChanged, SignInRequestView } from "../ipc";
import { type SignInApi, createSignIn } from "../stores/signIn.svelte";
import SignInBanner from "./SignInBanner.svelte";

afterEach(cleanup);

const linear: SignInRequestView = { name: "linear", serverUrl: "https://mcp.linear.app/mcp" };

/** A sign-in that waits for the browser until it is cancelled, as Rust's does. */
function waitingApi() {
  const calls: string[] = [];
  const push: { phase: ((change: SignInPhaseChanged) => void) | null } = { phase: null };
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
  };
  return { api, calls, push };
}

describe("SignInBanner", () => {
  it("while the browser is open, offers to open it again and to cancel; Cancel brings the request back", async () => {
    const { api, calls } = waitingApi();
    const signIn = createSignIn(api);
    await signIn.load();
    render(SignInBanner, { props: { signIn } });

    await fireEvent.click(screen.getByTestId("sign-in-button"));
    await waitFor(() => expect(screen.getByTestId("sign-in-waiting").textContent).toBe("Waiting for the browser…"));
    expect(screen.queryByTestId("sign-in-button")).toBeNull();

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
});
