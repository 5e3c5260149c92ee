/**
 * A value loaded from Rust, with its loading and error states, as reactive Svelte state.
 * Views render `resource.current` by its `state`; `reload()` fetches again. It is "loading" only
 * until the first answer: a reload keeps showing the last answer, a value or an error, until the
 * new one arrives (`reloading` says one is on its way), so a list is not rebuilt (scroll, focus
 * and open forms stay), and an error with its buttons does not go and come back each time the
 * file is read again while it stays broken. It never caches across instances and never swallows
 * an error: a failure becomes `{ state: "error" }`, also after a value (what is shown would no
 * longer be what is on disk).
 */
import { toIpcError } from "../ipc";

export type Loadable<T> =
  | { state: "loading" }
  | { state: "ready"; value: T }
  | { state: "error"; code: string; message: string };

export interface Resource<T> {
  readonly current: Loadable<T>;
  /** A reload is under way (`current` is still the answer before it). */
  readonly reloading: boolean;
  reload(): Promise<void>;
}

function sameError<T>(shown: Loadable<T>, error: { code: string; message: string }): boolean {
  return shown.state === "error" && shown.code === error.code && shown.message === error.message;
}

export function createResource<T>(name: string, load: () => Promise<T>): Resource<T> {
  let current = $state<Loadable<T>>({ state: "loading" });
  let reloading = $state(false);
  // Answers can arrive out of order when reload() is called quickly; only the last one counts.
  let generation = 0;

  async function reload(): Promise<void> {
    const mine = ++generation;
    reloading = true;
    try {
      const value = await load();
      if (mine === generation) current = { state: "ready", value };
    } catch (thrown) {
      const error = toIpcError(name, thrown);
      // The same failure again (the file saved still broken): the same object stays, so nothing
      // that shows it is drawn again.
      if (mine === generation && !sameError(current, error)) current = { state: "error", code: error.code, message: error.message };
    } finally {
      if (mine === generation) reloading = false;
    }
  }

  return {
    get current() {
      return current;
    },
    get reloading() {
      return reloading;
    },
    reload,
  };
}
