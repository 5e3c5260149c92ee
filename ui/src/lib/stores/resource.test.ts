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

  it("shows an error after a value: the old value is no longer what is on disk", async () => {
    let fail = false;
    const resource = createResource("s", () => (fail ? Promise.reject({ code: "io", message: "gone" }) : Promise.resolve(1)));
    await resource.reload();
    fail = true;
    await resource.reload();
    expect(resource.current).toEqual({ state: "error", code: "io", message: "gone" });
  });
});
