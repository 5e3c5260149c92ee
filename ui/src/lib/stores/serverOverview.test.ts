import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ServerOverview } from "../ipc";
import { createServerOverview } from "./serverOverview.svelte";

/** A page whose visibility the test sets, with real listeners. */
function fakePage(initial: DocumentVisibilityState) {
  const target = new EventTarget();
  const page = {
    visibilityState: initial,
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: target.removeEventListener.bind(target),
    set(state: DocumentVisibilityState) {
      page.visibilityState = state;
      target.dispatchEvent(new Event("visibilitychange"));
    },
  };
  return page;
}

const gh: ServerOverview = { name: "gh", evidence: null, process: null };

describe("createServerOverview", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("asks at once and every interval while visible, keyed by server name", async () => {
    const load = vi.fn(async () => [gh]);
    const store = createServerOverview(load, { intervalMs: 2000, page: fakePage("visible") as unknown as Document });
    const stop = store.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(load).toHaveBeenCalledTimes(1);
    expect(store.byName).toEqual(new Map([["gh", gh]]));
    await vi.advanceTimersByTimeAsync(4000);
    expect(load).toHaveBeenCalledTimes(3);
    stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it("asks nothing while hidden and asks at once when shown again", async () => {
    const load = vi.fn(async () => [gh]);
    const page = fakePage("hidden");
    const stop = createServerOverview(load, { intervalMs: 2000, page: page as unknown as Document }).start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(load).not.toHaveBeenCalled();
    page.set("visible");
    await vi.advanceTimersByTimeAsync(0);
    expect(load).toHaveBeenCalledTimes(1);
    page.set("hidden");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(load).toHaveBeenCalledTimes(1);
    stop();
  });

  it("asks once more when asked while a read is under way (its answer may predate what was asked for)", async () => {
    const answers: ((list: ServerOverview[]) => void)[] = [];
    const load = vi.fn(() => new Promise<ServerOverview[]>((resolve) => answers.push(resolve)));
    const store = createServerOverview(load, { intervalMs: 60_000, page: fakePage("visible") as unknown as Document });
    const stop = store.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(load).toHaveBeenCalledTimes(1);
    // A test finished while the poll was out: its refresh must not be lost.
    void store.refresh();
    void store.refresh();
    answers[0]([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(load).toHaveBeenCalledTimes(2);
    answers[1]([gh]);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.byName).toEqual(new Map([["gh", gh]]));
    expect(load).toHaveBeenCalledTimes(2);
    stop();
  });

  it("waits for the next tick after a read slower than the interval, not reading again at once", async () => {
    const load = vi.fn(() => new Promise<ServerOverview[]>((resolve) => setTimeout(() => resolve([gh]), 2500)));
    const stop = createServerOverview(load, { intervalMs: 1000, page: fakePage("visible") as unknown as Document }).start();
    await vi.advanceTimersByTimeAsync(2600);
    expect(load).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(load).toHaveBeenCalledTimes(2);
    stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("keeps the last answer when a call fails", async () => {
    let fail = false;
    const load = vi.fn(async () => {
      if (fail) throw new Error("gone");
      return [gh];
    });
    const store = createServerOverview(load, { intervalMs: 1000, page: fakePage("visible") as unknown as Document });
    const stop = store.start();
    await vi.advanceTimersByTimeAsync(0);
    fail = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(load).toHaveBeenCalledTimes(2);
    expect(store.byName).toEqual(new Map([["gh", gh]]));
    stop();
  });
});
