import { describe, expect, it } from "vitest";
import type { SignInRequestView } from "../ipc";
import { type SignInApi, createSignIn } from "./signIn.svelte";

const linear: SignInRequestView = { name: "linear", serverUrl: "https://mcp.linear.app/mcp", shownUrl: "https://mcp.linear.app/mcp" };

function fakeApi(outcome: "ok" | "denied") {
  const calls: string[] = [];
  const api: SignInApi = {
    signInRequests: async () => [linear],
    signIn: async (name, url) => {
      calls.push(`sign-in ${name} ${url}`);
      if (outcome === "denied") throw { code: "sign-in-failed", message: "sign-in to linear failed: denied" };
      return { restartSupported: false };
    },
    dismissSignIn: async (url) => {
      calls.push(`dismiss ${url}`);
      return null;
    },
    cancelSignIn: async () => {},
    openSignInPage: async () => null,
    onSignInPhaseChanged: async () => () => {},
    onSignedInFromTray: async () => () => {},
    restartClaude: async () => null,
  };
  return { api, calls };
}

describe("sign-ins waiting", () => {
  it("drops a request once its sign-in worked", async () => {
    const { api, calls } = fakeApi("ok");
    const signIn = createSignIn(api);
    await signIn.load();
    expect(signIn.requests).toEqual([linear]);
    expect(await signIn.signIn("linear", linear.serverUrl)).toBe(true);
    expect(calls).toEqual(["sign-in linear https://mcp.linear.app/mcp"]);
    expect(signIn.requests).toEqual([]);
  });

  it("keeps a request whose sign-in failed, with the reason", async () => {
    const { api } = fakeApi("denied");
    const signIn = createSignIn(api);
    await signIn.load();
    expect(await signIn.signIn("linear", linear.serverUrl)).toBe(false);
    expect(signIn.requests).toEqual([linear]);
    expect(signIn.phase(linear.serverUrl)).toEqual({ state: "failed", message: "sign-in to linear failed: denied" });
  });

  it("forgets a failure once its request is gone, so the server asking again starts afresh", async () => {
    const { api } = fakeApi("denied");
    const signIn = createSignIn(api);
    await signIn.load();
    await signIn.signIn("linear", linear.serverUrl);
    expect(signIn.phase(linear.serverUrl).state).toBe("failed");
    // Still asked: the failure stays with the request.
    signIn.receive([linear]);
    expect(signIn.phase(linear.serverUrl).state).toBe("failed");
    // Signed in elsewhere (the CLI): the request goes, and so does its failure.
    signIn.receive([]);
    signIn.receive([linear]);
    expect(signIn.phase(linear.serverUrl)).toEqual({ state: "idle" });
    // Dismissed: the same.
    await signIn.signIn("linear", linear.serverUrl);
    await signIn.dismiss(linear.serverUrl);
    signIn.receive([linear]);
    expect(signIn.phase(linear.serverUrl)).toEqual({ state: "idle" });
  });

  it("follows the list Rust pushes, and forgets a dismissed request", async () => {
    const { api, calls } = fakeApi("ok");
    const signIn = createSignIn(api);
    signIn.receive([linear]);
    await signIn.dismiss(linear.serverUrl);
    expect(signIn.requests).toEqual([]);
    expect(calls).toEqual(["dismiss https://mcp.linear.app/mcp"]);
  });

  it("says a sign-in for Claude worked until dismissed, or until the server asks again; Add's sign-in says nothing", async () => {
    const { api } = fakeApi("ok");
    const signIn = createSignIn(api);
    await signIn.load();
    expect(await signIn.signIn("linear", linear.serverUrl)).toBe(true);
    expect(signIn.notice).toBeNull();
    expect(await signIn.signInForClaude("linear", linear.serverUrl)).toBe(true);
    expect(signIn.notice).toEqual({ name: "linear", serverUrl: linear.serverUrl, restartSupported: false });
    signIn.receive([]);
    expect(signIn.notice).not.toBeNull();
    signIn.receive([linear]);
    expect(signIn.notice).toBeNull();
    await signIn.signInForClaude("linear", linear.serverUrl);
    signIn.dismissNotice();
    expect(signIn.notice).toBeNull();
  });

  it("drops a read answered after a push, and keeps the list when a read fails", async () => {
    let answer: ((list: SignInRequestView[]) => void) | undefined;
    const { api } = fakeApi("ok");
    const signIn = createSignIn({ ...api, signInRequests: () => new Promise((resolve) => (answer = resolve)) });
    const loading = signIn.load();
    // Signed in from the tray meanwhile: the pushed list is the newer.
    signIn.receive([]);
    answer?.([linear]);
    await loading;
    expect(signIn.requests).toEqual([]);
    const failing = createSignIn({ ...api, signInRequests: async () => Promise.reject({ code: "ipc", message: "no" }) });
    failing.receive([linear]);
    await failing.load();
    expect(failing.requests).toEqual([linear]);
  });
});
