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
});
