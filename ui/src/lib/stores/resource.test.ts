import { describe, expect, it } from "vitest";
import { createResource } from "./resource.svelte";

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("createResource", () => {
  it("is loading until the answer arrives, then ready with it", async () => {
    const answer = deferred<number>();
    const resource = createResource("n", () => answer.promise);
    const done = resource.reload();
    expect(resource.current).toEqual({ state: "loading" });
    answer.resolve(7);
    await done;
    expect(resource.current).toEqual({ state: "ready", value: 7 });
  });

  it("turns a failure into an error state with code and message", async () => {
    const resource = createResource("app_paths", () => Promise.reject({ code: "io", message: "disk gone" }));
    await resource.reload();
    expect(resource.current).toEqual({ state: "error", code: "io", message: "disk gone" });
  });

  it("keeps the answer of the latest reload when answers arrive out of order", async () => {
    const first = deferred<string>();
    const second = deferred<string>();
    const queue = [first, second];
    const resource = createResource("s", () => (queue.shift() ?? second).promise);
    const a = resource.reload();
    const b = resource.reload();
    second.resolve("new");
    await b;
    first.resolve("old");
    await a;
    expect(resource.current).toEqual({ state: "ready", value: "new" });
  });

  it("keeps the last value while reloading, so a list is not rebuilt", async () => {
    const next = deferred<string>();
    let calls = 0;
    const resource = createResource("s", () => (++calls === 1 ? Promise.resolve("old") : next.promise));
    await resource.reload();
    const shown = resource.current;
    const done = resource.reload();
    expect(resource.current).toBe(shown);
    expect(resource.current).toEqual({ state: "ready", value: "old" });
    next.resolve("new");
    await done;
    expect(resource.current).toEqual({ state: "ready", value: "new" });
  });

  it("keeps an error shown while reloading, until the new answer replaces it; says a reload is on its way", async () => {
    let next = deferred<string>();
    const resource = createResource("s", () => next.promise);
    const first = resource.reload();
    expect(resource.reloading).toBe(true);
    next.reject({ code: "bad-json-config", message: "/c.json:3:7: expected a comma" });
    await first;
    expect(resource.reloading).toBe(false);
    const shown = resource.current;

    // The file changed, still broken: the error stays through the reload (its buttons and the
    // focus on them too), the same object when the answer is the same error.
    next = deferred<string>();
    const again = resource.reload();
    expect(resource.current).toBe(shown);
    expect(resource.reloading).toBe(true);
    next.reject({ code: "bad-json-config", message: "/c.json:3:7: expected a comma" });
    await again;
    expect(resource.current).toBe(shown);
    expect(resource.reloading).toBe(false);

    next = deferred<string>();
    const fixed = resource.reload();
    expect(resource.current).toBe(shown);
    next.resolve("read");
    await fixed;
    expect(resource.current).toEqual({ state: "ready", value: "read" });
  });

  it("says it reloads until the latest reload's answer, not an earlier one's", async () => {
    const first = deferred<string>();
    const second = deferred<string>();
    const queue = [first, second];
    const resource = createResource("s", () => (queue.shift() ?? second).promise);
    const a = resource.reload();
    const b = resource.reload();
    first.resolve("old");
    await a;
    expect(resource.reloading).toBe(true);
    second.resolve("new");
    await b;
    expect(resource.reloading).toBe(false);
  });

  it("shows an error after a value: the old value is no longer what is on disk", async () => {
    let fail = false;
    const resource = createResource("s", () => (fail ? Promise.reject({ code: "io", message: "gone" }) : Promise.resolve(1)));
    await resource.reload();
    fail = true;
    await resource.reload();
    expect(resource.current).toEqual({ state: "error", code: "io", message: "gone" });
  });
});
