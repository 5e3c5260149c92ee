import { describe, expect, it } from "vitest";
import type { KeptServerList, KeptServerView } from "../ipc";
import { type KeptServersApi, createKeptServers } from "./keptServers.svelte";

function view(name: string, over: Partial<KeptServerView> = {}): KeptServerView {
  return { name, state: "running", pid: 4242, restarts: 0, since: "2026-12-02T05:00:00.000Z", toolCount: 3, problem: null, ...over };
}

/** Rust's revisions: one per list read. */
let revision = 0;
function listOf(servers: KeptServerView[]): KeptServerList {
  revision += 1;
  return { revision, servers };
}

function fakeApi() {
  const calls: string[] = [];
  let kept: KeptServerView[] = [];
  let release: (() => void) | undefined;
  const api: KeptServersApi = {
    keptServers: async () => listOf(kept),
    setServerKept: async (name, keep) => {
      calls.push(`${keep ? "keep" : "stop"} ${name}`);
      if (name === "missing") throw { code: "no-such-server", message: 'no enabled server named "missing" in Claude\'s config' };
      if (name === "slow") await new Promise<void>((r) => (release = r));
      kept = keep ? [...kept.filter((k) => k.name !== name), view(name, { state: "starting", toolCount: null })] : kept.filter((k) => k.name !== name);
      return listOf(kept);
    },
    restartKeptServer: async (name) => {
      calls.push(`restart ${name}`);
      kept = kept.map((k) => (k.name === name ? view(name, { pid: 5151, state: "starting" }) : k));
      return listOf(kept);
    },
  };
  return { api, calls, release: () => release?.() };
}

describe("kept servers", () => {
  it("keeps a server, follows what Rust pushes about it, and stops it", async () => {
    const { api, calls } = fakeApi();
    const kept = createKeptServers(api);
    expect(await kept.keep("fetch")).toBe(true);
    expect(kept.byName.get("fetch")?.state).toBe("starting");
    kept.receive(listOf([view("fetch", { toolCount: 7 })]));
    expect(kept.byName.get("fetch")).toMatchObject({ state: "running", pid: 4242, toolCount: 7 });
    expect(await kept.stop("fetch")).toBe(true);
    expect(kept.byName.get("fetch")).toBeUndefined();
    expect(calls).toEqual(["keep fetch", "stop fetch"]);
  });

  it("restarts a server and shows its new process", async () => {
    const { api, calls } = fakeApi();
    const kept = createKeptServers(api);
    await kept.keep("fetch");
    await kept.restart("fetch");
    expect(kept.byName.get("fetch")?.pid).toBe(5151);
    expect(calls).toEqual(["keep fetch", "restart fetch"]);
  });

  it("says why an action failed and keeps the list as it was", async () => {
    const { api } = fakeApi();
    const kept = createKeptServers(api);
    kept.receive(listOf([view("fetch")]));
    expect(await kept.keep("missing")).toBe(false);
    expect(kept.failure).toBe('no enabled server named "missing" in Claude\'s config');
    expect([...kept.byName.keys()]).toEqual(["fetch"]);
    kept.dismissFailure();
    expect(kept.failure).toBeNull();
  });

  it("runs one action per server at a time", async () => {
    const { api, calls, release } = fakeApi();
    const kept = createKeptServers(api);
    const first = kept.keep("slow");
    expect(kept.isPending("slow")).toBe(true);
    expect(await kept.stop("slow")).toBe(false);
    release();
    expect(await first).toBe(true);
    expect(kept.isPending("slow")).toBe(false);
    expect(calls).toEqual(["keep slow"]);
  });

  it("loads the list when the view opens", async () => {
    const { api } = fakeApi();
    await api.setServerKept("fetch", true);
    const kept = createKeptServers(api);
    await kept.load();
    expect([...kept.byName.keys()]).toEqual(["fetch"]);
  });

  it("drops a list older than the one shown, whichever way it came", async () => {
    // Read while the server was starting, answered after the push that it answered: the window
    // must not go back to "starting" (nothing more would be pushed while it runs).
    let answer: ((list: KeptServerList) => void) | undefined;
    const api: KeptServersApi = {
      keptServers: () => new Promise((resolve) => (answer = resolve)),
      setServerKept: async () => listOf([]),
      restartKeptServer: async () => listOf([]),
    };
    const kept = createKeptServers(api);
    const loading = kept.load();
    const stale = listOf([view("fast", { state: "starting", toolCount: null })]);
    kept.receive(listOf([view("fast", { toolCount: 4 })]));
    answer?.(stale);
    await loading;
    expect(kept.byName.get("fast")).toMatchObject({ state: "running", toolCount: 4 });
    // A newer list is taken, also one that says less.
    kept.receive(listOf([]));
    expect(kept.byName.size).toBe(0);
  });
});
