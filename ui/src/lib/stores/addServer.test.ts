import { afterEach, describe, expect, it, vi } from "vitest";
import type { AddPreview, ChangeDone, ProbeView } from "../ipc";
import { fakeApi, fakeSignIn, probeView, remote } from "./addServer.fixtures";
import { PREVIEW_DELAY_MS, PROBES_AT_ONCE, PROBLEM_DELAY_MS, createAddServer } from "./addServer.svelte";

describe("add server flow", () => {
  it("suggests the name Rust derives until the user types one", async () => {
    const { api } = fakeApi();
    const flow = createAddServer(api);
    flow.text = "https://mcp.example.com/mcp";
    await flow.refreshPreview();
    expect(flow.name).toBe("example");
    flow.name = "mine";
    await flow.refreshPreview();
    expect(flow.name).toBe("mine");
  });

  it("drops a preview answered after the card was cleared for the next server", async () => {
    const { api } = fakeApi();
    const preview = api.previewAdd;
    let release: () => void = () => {};
    api.previewAdd = async (text, name, options) => {
      await new Promise<void>((resolve) => (release = resolve));
      return preview(text, name, options);
    };
    const flow = createAddServer(api);
    flow.text = "https://mcp.example.com/mcp";
    const asked = flow.refreshPreview();
    flow.reset();
    release();
    await asked;
    expect(flow.text).toBe("");
    expect(flow.preview.state).toBe("empty");
    expect(flow.name).toBe("");
  });

  it("keeps an emptied Name field empty, and adds under the suggested name it shows as its placeholder", async () => {
    const { api, calls } = fakeApi();
    const flow = createAddServer(api);
    flow.text = "https://mcp.example.com/mcp";
    await flow.refreshPreview();
    flow.name = "";
    await flow.refreshPreview();
    // The suggestion does not come back into the field, to be typed onto.
    expect(flow.name).toBe("");
    expect(flow.suggestedName).toBe("example");
    await flow.add();
    expect(calls.filter((c) => c.startsWith("write"))).toEqual(["write -"]);
    if (flow.phase.state === "added") expect(flow.phase.outcome.added).toEqual(["example"]);
    flow.reset();
    flow.text = "https://mcp.example.com/mcp";
    await flow.refreshPreview();
    expect(flow.name).toBe("example");
  });

  it("probes a single server and writes it only when the probe succeeded", async () => {
    const { api, calls } = fakeApi();
    const added: ChangeDone[] = [];
    const flow = createAddServer(api, (change) => added.push(change));
    flow.text = "https://mcp.example.com/mcp";
    await flow.add();
    expect(calls.filter((c) => !c.startsWith("preview"))).toEqual(["probe", "write -"]);
    expect(flow.phase.state).toBe("added");
    // The change written goes to the view's bar, which offers its Undo.
    expect(added).toEqual([{ done: "add example", historyId: 1 }]);
  });

  it("stops with the diagnosis when the probe fails, and writes on Add anyway", async () => {
    const { api, calls } = fakeApi({ probeOk: false });
    const flow = createAddServer(api);
    flow.text = "http://127.0.0.1:9/mcp";
    await flow.add();
    expect(flow.phase.state).toBe("probe-failed");
    if (flow.phase.state === "probe-failed") expect(flow.phase.probe.diagnosis?.code).toBe("connection-refused");
    expect(calls).not.toContain("write -");
    await flow.addAnyway();
    expect(flow.phase.state).toBe("added");
  });

  it("tests again after a failed test, without the text being edited", async () => {
    const { api, calls } = fakeApi({ probeOk: false });
    const flow = createAddServer(api);
    flow.text = "http://127.0.0.1:9/mcp";
    await flow.add();
    expect(flow.phase.state).toBe("probe-failed");
    expect(flow.canAdd).toBe(true);
    api.probeAdd = async () => {
      calls.push("probe");
      return probeView(true);
    };
    await flow.add();
    expect(calls.filter((c) => !c.startsWith("preview"))).toEqual(["probe", "probe", "write -"]);
    expect(flow.phase.state).toBe("added");
  });

  it("stops the pending test on Cancel, writing nothing", async () => {
    const { api, calls, cancelled } = fakeApi();
    let answer = () => {};
    let run: number | null = null;
    api.probeAdd = (_text, _name, _server, _options, r) => {
      run = r ?? null;
      return new Promise((resolve) => (answer = () => resolve(probeView(true))));
    };
    const flow = createAddServer(api);
    flow.text = "https://mcp.example.com/mcp";
    const adding = flow.add();
    await expect.poll(() => flow.phase.state).toBe("probing");
    flow.cancel();
    expect(flow.phase.state).toBe("editing");
    expect(flow.canAdd).toBe(true);
    // Rust is told to stop the test (and the server it started) under the run it was given.
    expect(run).not.toBeNull();
    expect(cancelled).toEqual([run]);
    flow.cancel();
    expect(cancelled).toEqual([run]);
    answer();
    await adding;
    expect(flow.phase.state).toBe("editing");
    expect(calls.filter((c) => c.startsWith("write"))).toEqual([]);
  });

  it("shows the entries a snippet will not add before it tests or writes the others", async () => {
    const preview: AddPreview = {
      entries: [remote("a", "https://a/mcp"), remote("b", "https://b/mcp")],
      notes: [],
      refused: ['"ws": MCP has no WebSocket transport'],
      taken: [],
    };
    const { api, calls } = fakeApi({ preview });
    const flow = createAddServer(api);
    flow.text = '{"a": {"url": "https://a/mcp"}, "b": {"url": "https://b/mcp"}, "ws": {"url": "wss://x/mcp"}}';
    // Add pressed before the preview came: the refusal is shown, nothing tested or written.
    await flow.add();
    expect(calls.filter((c) => c === "probe" || c.startsWith("write"))).toEqual([]);
    expect(flow.preview.state === "ready" && flow.preview.value.refused).toEqual(['"ws": MCP has no WebSocket transport']);
    // Pressed again with the refusal in view: the others are tested and written.
    await flow.add();
    expect(calls.filter((c) => c === "probe")).toEqual(["probe", "probe"]);
    expect(calls.filter((c) => c.startsWith("write"))).toHaveLength(1);
  });

  it("stops a snippet's pending tests on Cancel, progress included", async () => {
    const preview: AddPreview = { entries: [remote("a", "https://a/mcp"), remote("b", "https://b/mcp")], notes: [], refused: [], taken: [] };
    const { api, calls, cancelled } = fakeApi({ preview });
    const answer: Record<string, () => void> = {};
    const runs: (number | null)[] = [];
    api.probeAdd = (_text, _name, server, _options, run) => {
      runs.push(run ?? null);
      return new Promise((resolve) => (answer[server ?? ""] = () => resolve(probeView(true))));
    };
    const flow = createAddServer(api);
    flow.text = '{"a": {"url": "https://a/mcp"}, "b": {"url": "https://b/mcp"}}';
    const adding = flow.add();
    await expect.poll(() => Object.keys(answer)).toEqual(["a", "b"]);
    flow.cancel();
    // Both tests share one run, stopped by one cancel.
    expect(runs[0]).not.toBeNull();
    expect(runs).toEqual([runs[0], runs[0]]);
    expect(cancelled).toEqual([runs[0]]);
    answer.a();
    answer.b();
    await adding;
    expect(flow.phase.state).toBe("editing");
    expect(calls.filter((c) => c.startsWith("write"))).toEqual([]);
  });

  it("cannot add a text that names no server, and says why", async () => {
    const { api } = fakeApi();
    const flow = createAddServer(api);
    flow.text = "hello";
    await flow.refreshPreview();
    expect(flow.canAdd).toBe(false);
    expect(flow.preview).toEqual({ state: "invalid", code: "bad-snippet", message: 'no URL found in "hello"' });
    expect(flow.offersPlainHttp).toBe(false);
  });

  describe("says why a text cannot be read once it is no longer being typed", () => {
    afterEach(() => vi.useRealTimers());

    it("not at the first letters of a URL typed: after a pause, or once the field is left", async () => {
      vi.useFakeTimers();
      const { api } = fakeApi();
      const flow = createAddServer(api);
      flow.text = "h";
      await flow.refreshPreview();
      expect(flow.preview.state).toBe("invalid");
      expect(flow.problem).toBeNull();
      vi.advanceTimersByTime(PROBLEM_DELAY_MS - 100);
      flow.text = "ht";
      await flow.refreshPreview();
      vi.advanceTimersByTime(PROBLEM_DELAY_MS - 100);
      expect(flow.problem).toBeNull();
      vi.advanceTimersByTime(100);
      expect(flow.problem).toEqual({ code: "bad-snippet", message: 'no URL found in "ht"' });
      // Typing again: not said until the next pause.
      flow.text = "htt";
      await flow.refreshPreview();
      expect(flow.problem).toBeNull();
      flow.settle();
      expect(flow.problem?.message).toBe('no URL found in "htt"');
      // A text that reads is no problem.
      flow.text = "https://mcp.example.com/mcp";
      await flow.refreshPreview();
      vi.advanceTimersByTime(PROBLEM_DELAY_MS);
      expect(flow.problem).toBeNull();
    });

    it("at once on Add, and for a plain http:// address on another computer (a whole URL, with its choice)", async () => {
      const { api } = fakeApi();
      const preview = api.previewAdd;
      api.previewAdd = async (text, name, options) => {
        if (text.startsWith("http://10.")) throw { code: "plain-http", message: "This is a plain http:// address on another computer" };
        return preview(text, name, options);
      };
      const flow = createAddServer(api);
      flow.text = "hello";
      await flow.add();
      expect(flow.problem?.message).toBe('no URL found in "hello"');
      flow.text = "http://10.0.0.7/mcp";
      await flow.refreshPreview();
      expect(flow.problem?.code).toBe("plain-http");
    });
    it("at once for a WebSocket URL typed (ws://, wss://, any case): its scheme alone refuses it", async () => {
      vi.useFakeTimers();
      const { api } = fakeApi();
      const preview = api.previewAdd;
      const WS = "is a WebSocket URL, and MCP has no WebSocket transport";
      // As Rust reads them: the scheme alone is no URL yet.
      api.previewAdd = async (text, name, options) => {
        if (/^\s*wss?:\/\/\S/i.test(text)) throw { code: "bad-snippet", message: `${text.trim()} ${WS}` };
        if (/^\s*wss?:\/\/$/i.test(text)) throw { code: "bad-snippet", message: `no URL found in "${text}"` };
        return preview(text, name, options);
      };
      const flow = createAddServer(api);
      // The letters of the scheme, and the scheme alone, are not said while typed…
      for (const typed of ["ws:/", "ws://"]) {
        flow.text = typed;
        await vi.advanceTimersByTimeAsync(PREVIEW_DELAY_MS);
        expect(flow.preview.state, typed).toBe("invalid");
        expect(flow.problem, typed).toBeNull();
      }
      // …nor, once the URL has begun, while the text read is still the one before it…
      flow.text = "ws://m";
      expect(flow.problem).toBeNull();
      // …and then at once: no pause in the typing waited for, nor the preview's delay.
      await vi.advanceTimersByTimeAsync(0);
      expect(flow.problem?.message).toBe(`ws://m ${WS}`);
      flow.text = "ws://mcp.example.com/socket";
      await vi.advanceTimersByTimeAsync(0);
      expect(flow.problem?.message).toBe(`ws://mcp.example.com/socket ${WS}`);
      for (const typed of ["wss://mcp.example.com", "WSS://MCP.EXAMPLE.COM", "  Ws://mcp.example.com"]) {
        flow.reset();
        flow.text = typed;
        await vi.advanceTimersByTimeAsync(0);
        expect(flow.problem?.message, typed).toBe(`${typed.trim()} ${WS}`);
      }
      // Other texts still wait for the pause.
      flow.text = "wss";
      await vi.advanceTimersByTimeAsync(PREVIEW_DELAY_MS);
      expect(flow.preview.state).toBe("invalid");
      expect(flow.problem).toBeNull();
      await vi.advanceTimersByTimeAsync(PROBLEM_DELAY_MS);
      expect(flow.problem?.message).toBe('no URL found in "wss"');
    });
  });

  it("offers Allow unencrypted HTTP only for plain HTTP to another computer, and sends it once chosen", async () => {
    const { api } = fakeApi();
    const sent: unknown[] = [];
    const preview = api.previewAdd;
    api.previewAdd = async (text, name, options) => {
      sent.push(options);
      if (text.startsWith("http://10.") && !options?.allowHttp)
        throw { code: "plain-http", message: "This is a plain http:// address on another computer" };
      return preview(text, name, options);
    };
    const flow = createAddServer(api);
    flow.text = "http://10.0.0.7/mcp";
    await flow.refreshPreview();
    expect(flow.preview.state).toBe("invalid");
    expect(flow.canAdd).toBe(false);
    expect(flow.offersPlainHttp).toBe(true);
    flow.allowHttp = true;
    await flow.refreshPreview();
    expect(flow.preview.state).toBe("ready");
    expect(flow.canAdd).toBe(true);
    expect(flow.offersPlainHttp).toBe(true);
    expect(sent.at(-1)).toEqual({ caCert: null, allowHttp: true, capture: true });
    flow.reset();
    expect(flow.allowHttp).toBe(false);
  });

  it("cannot add a server whose name is taken", async () => {
    const { api } = fakeApi({ taken: ["example"] });
    const flow = createAddServer(api);
    flow.text = "https://mcp.example.com/mcp";
    await flow.refreshPreview();
    expect(flow.canAdd).toBe(false);
  });

  it("probes a snippet's servers all at once, shows which are still running, and writes them when all answered", async () => {
    const preview: AddPreview = { entries: [remote("a", "https://a/mcp"), remote("b", "https://b/mcp")], notes: [], refused: [], taken: [] };
    const { api, calls } = fakeApi({ preview });
    const started: (string | null)[] = [];
    const answer: Record<string, () => void> = {};
    const flow = createAddServer(api);
    api.probeAdd = (_text, _name, server) => {
      started.push(server ?? null);
      return new Promise((resolve) => (answer[server ?? ""] = () => resolve(probeView(true))));
    };
    const progress = () => (flow.phase.state === "probing" ? flow.phase.progress : undefined);
    flow.text = '{"a": {"url": "https://a/mcp"}, "b": {"url": "https://b/mcp"}}';
    const adding = flow.add();
    await expect.poll(() => started).toEqual(["a", "b"]);
    expect(progress()).toEqual({ waiting: ["a", "b"], done: 0, total: 2 });
    // b answers first: a is still being waited for, and nothing is written yet.
    answer.b();
    await expect.poll(() => progress()).toEqual({ waiting: ["a"], done: 1, total: 2 });
    expect(calls.filter((c) => c.startsWith("write"))).toEqual([]);
    answer.a();
    await adding;
    expect(calls.filter((c) => c.startsWith("write"))).toEqual(["write -"]);
    expect(flow.phase.state).toBe("added");
    if (flow.phase.state === "added") expect(flow.phase.results?.map((r) => r.name)).toEqual(["a", "b"]);
  });

  it("tests a long snippet's servers a few at a time, the next as one answers, and keeps their order", async () => {
    const names = Array.from({ length: 20 }, (_, i) => `s${i}`);
    const preview: AddPreview = { entries: names.map((n) => remote(n, `https://${n}/mcp`)), notes: [], refused: [], taken: [] };
    const { api, calls } = fakeApi({ preview });
    let running = 0;
    let most = 0;
    const answer: (() => void)[] = [];
    api.probeAdd = () => {
      running += 1;
      most = Math.max(most, running);
      return new Promise((resolve) =>
        answer.push(() => {
          running -= 1;
          resolve(probeView(true));
        }),
      );
    };
    const flow = createAddServer(api);
    flow.text = JSON.stringify(Object.fromEntries(names.map((n) => [n, { url: `https://${n}/mcp` }])));
    const adding = flow.add();
    await expect.poll(() => answer.length).toBe(PROBES_AT_ONCE);
    // The last started answers first: one more starts, never more than the cap at once.
    answer.pop()?.();
    await expect.poll(() => answer.length).toBe(PROBES_AT_ONCE);
    while (answer.length > 0) {
      answer.shift()?.();
      await new Promise((r) => setTimeout(r, 0));
    }
    await adding;
    expect(most).toBe(PROBES_AT_ONCE);
    expect(calls.filter((c) => c.startsWith("write"))).toEqual(["write -"]);
    if (flow.phase.state === "added") expect(flow.phase.results?.map((r) => r.name)).toEqual(names);
    else expect.fail(`not added: ${flow.phase.state}`);
  });

  it("writes none of a snippet's servers when one fails, shows every result, and writes all on Add anyway", async () => {
    const preview: AddPreview = { entries: [remote("a", "https://a/mcp"), remote("b", "https://b/mcp")], notes: [], refused: [], taken: [] };
    const { api, calls } = fakeApi({ preview });
    // b wants a sign-in: that is offered for a single server only.
    api.probeAdd = async (_text, _name, server) => {
      const probe = probeView(server === "a");
      return probe.diagnosis ? { ...probe, diagnosis: { ...probe.diagnosis, code: "auth-required" } } : probe;
    };
    const flow = createAddServer(api, () => {}, fakeSignIn());
    flow.text = '{"a": {"url": "https://a/mcp"}, "b": {"url": "https://b/mcp"}}';
    await flow.add();
    expect(flow.phase.state).toBe("probe-failed");
    if (flow.phase.state === "probe-failed") {
      expect(flow.phase.results?.map((r) => [r.name, r.probe.ok])).toEqual([
        ["a", true],
        ["b", false],
      ]);
      expect(flow.phase.probe.diagnosis?.code).toBe("auth-required");
    }
    expect(flow.canSignIn).toBe(false);
    expect(calls.filter((c) => c.startsWith("write"))).toEqual([]);
    await flow.addAnyway();
    expect(calls.filter((c) => c.startsWith("write"))).toEqual(["write -"]);
    expect(flow.phase.state).toBe("added");
  });

  it("counts a snippet's server that cannot be started at all as a failed result, and still offers Add anyway", async () => {
    const preview: AddPreview = { entries: [remote("a", "https://a/mcp"), remote("b", "https://b/mcp")], notes: [], refused: [], taken: [] };
    const { api, calls } = fakeApi({ preview });
    api.probeAdd = async (_text, _name, server) => {
      if (server === "b") throw { code: "not-startable", message: '"b" has no command Claude could start' };
      return probeView(true);
    };
    const flow = createAddServer(api);
    flow.text = '{"a": {"url": "https://a/mcp"}, "b": {}}';
    await flow.add();
    expect(flow.phase.state).toBe("probe-failed");
    if (flow.phase.state === "probe-failed") {
      expect(flow.phase.results?.map((r) => [r.name, r.probe.ok, r.probe.diagnosis?.code ?? null])).toEqual([
        ["a", true, null],
        ["b", false, "not-startable"],
      ]);
    }
    await flow.addAnyway();
    expect(calls.filter((c) => c.startsWith("write"))).toEqual(["write -"]);
  });

  it("shows why Claude could not be restarted", async () => {
    const { api } = fakeApi();
    const flow = createAddServer(api);
    await flow.restartClaude();
    expect(flow.restart).toEqual({
      state: "failed",
      code: "restart-unsupported",
      message: "There is no official Claude Desktop for this OS",
    });
  });
});

describe("add server flow with a sign-in", () => {
  function needsSignIn(): ProbeView {
    const probe = probeView(false);
    return { ...probe, diagnosis: probe.diagnosis && { ...probe.diagnosis, code: "auth-required", sign_in: true } };
  }

  it("offers no sign-in to a server that wants credentials without one, or refuses access", async () => {
    const { api } = fakeApi();
    api.probeAdd = async () => {
      const probe = probeView(false);
      // A 403 "your IP is blocked" is auth-required too, with nothing to sign in to.
      return { ...probe, diagnosis: probe.diagnosis && { ...probe.diagnosis, code: "auth-required", sign_in: false } };
    };
    const flow = createAddServer(api, () => {}, fakeSignIn());
    flow.text = "https://mcp.example.com/mcp";
    await flow.add();
    expect(flow.phase.state).toBe("probe-failed");
    expect(flow.canSignIn).toBe(false);
  });

  it("offers a sign-in when the probe says so, then tests and writes the server", async () => {
    const { api, calls } = fakeApi();
    let signedIn = false;
    api.probeAdd = async () => {
      calls.push("probe");
      return signedIn ? probeView(true) : needsSignIn();
    };
    const signIn = fakeSignIn({
      signIn: async (name, url) => {
        calls.push(`sign-in ${name} ${url}`);
        signedIn = true;
        return true;
      },
    });
    const flow = createAddServer(api, () => {}, signIn);
    flow.text = "https://mcp.example.com/mcp";
    await flow.add();
    expect(flow.phase.state).toBe("probe-failed");
    expect(flow.canSignIn).toBe(true);
    await flow.signInAndAdd();
    expect(calls.filter((c) => !c.startsWith("preview"))).toEqual([
      "probe",
      "sign-in example https://mcp.example.com/mcp",
      "probe",
      "write -",
    ]);
    expect(flow.phase.state).toBe("added");
  });

  it("keeps the diagnosis and shows why when the sign-in fails, writing nothing", async () => {
    const { api, calls } = fakeApi();
    api.probeAdd = async () => needsSignIn();
    const signIn = fakeSignIn({
      signIn: async () => false,
      phase: () => ({ state: "failed", message: "sign-in to example failed: the sign-in was denied" }),
    });
    const flow = createAddServer(api, () => {}, signIn);
    flow.text = "https://mcp.example.com/mcp";
    await flow.add();
    await flow.signInAndAdd();
    expect(flow.phase).toMatchObject({
      state: "probe-failed",
      signInError: "sign-in to example failed: the sign-in was denied",
    });
    expect(calls).not.toContain("write -");
  });

  it("stops the sign-in on Cancel without waiting for the browser, offers it again, and ignores a late answer", async () => {
    const { api, calls } = fakeApi();
    api.probeAdd = async () => {
      calls.push("probe");
      return needsSignIn();
    };
    let answer: (signedIn: boolean) => void = () => {};
    const signIn = fakeSignIn({
      signIn: () => new Promise((resolve) => (answer = resolve)),
      cancel: async (url) => void calls.push(`cancel sign-in ${url}`),
      openAgain: async (url) => void calls.push(`open again ${url}`),
    });
    const flow = createAddServer(api, () => {}, signIn);
    flow.text = "https://mcp.example.com/mcp";
    await flow.add();
    const signingIn = flow.signInAndAdd();
    expect(flow.phase.state).toBe("signing-in");
    await flow.openSignInAgain();
    flow.cancel();
    expect(flow.phase.state).toBe("probe-failed");
    expect(flow.text).toBe("https://mcp.example.com/mcp");
    expect(flow.canAdd).toBe(true);
    expect(flow.canSignIn).toBe(true);
    // The sign-in finishing after all (the tab was still open) neither tests nor writes the server.
    answer(true);
    await signingIn;
    expect(flow.phase.state).toBe("probe-failed");
    expect(calls.filter((c) => !c.startsWith("preview"))).toEqual([
      "probe",
      "open again https://mcp.example.com/mcp",
      "cancel sign-in https://mcp.example.com/mcp",
    ]);
  });

  it("says why the browser could not be opened again while signing in", async () => {
    const { api } = fakeApi();
    api.probeAdd = async () => needsSignIn();
    let trouble: string | null = null;
    const signIn = fakeSignIn({
      signIn: () => new Promise(() => {}),
      phase: () => (trouble === null ? { state: "signing-in" } : { state: "failed", message: trouble }),
      openAgain: async () => void (trouble = "no browser could be opened"),
    });
    const flow = createAddServer(api, () => {}, signIn);
    flow.text = "https://mcp.example.com/mcp";
    await flow.add();
    void flow.signInAndAdd();
    expect(flow.signInTrouble).toBeUndefined();
    await flow.openSignInAgain();
    expect(flow.signInTrouble).toBe("no browser could be opened");
  });

  it("offers no sign-in for other failures", async () => {
    const { api } = fakeApi({ probeOk: false });
    const flow = createAddServer(api, () => {}, fakeSignIn());
    flow.text = "http://127.0.0.1:9/mcp";
    await flow.add();
    expect(flow.canSignIn).toBe(false);
  });
});
