/**
 * A value loaded from Rust, with its loading and error states, as reactive Svelte state.
 * Views render `resource.current` by its `state`; `reload()` fetches again. It is "loading" only
 * until the first answer: a reload keeps showing the last value until the new one arrives, so a
 * list is not rebuilt (scroll, focus and open forms stay). It never caches across instances and
 * never swallows an error: a failure becomes `{ state: "error" }`, also after a value (what is
 * shown would no longer be what is on disk).
 */
import { toIpcError } from "../ipc";

export type Loadable<T> =
  | { state: "loading" }
  | { state: "ready"; value: T }
  | { state: "error"; code: string; message: string };

export interface Resource<T> {
  readonly current: Loadable<T>;
  reload(): Promise<void>;
}

export function createResource<T>(name: string, load: () => Promise<T>): Resource<T> {
  let current = $state<Loadable<T>>({ state: "loading" });
  // Answers can arrive out of order when reload() is called quickly; only the last one counts.
  let generation = 0;

  async function reload(): Promise<void> {
    const mine = ++generation;
    if (current.state !== "ready") current = { state: "loading" };
    try {
      const value = await load();
      if (mine === generation) current = { state: "ready", value };
    } catch (thrown) {
      const error = toIpcError(name, thrown);
      if (mine === generation) current = { state: "error", code: error.code, message: error.message };
    }
  }

  return {
    get current() {
      return current;
    },
    reload,
  };
}
