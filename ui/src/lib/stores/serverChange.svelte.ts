/**
 * The Servers view's status bar: the last change made from the view (with Undo), or why an action
 * failed. Kept by the App, like `addFlow`, so it survives switching views; replaced or cleared when
 * another change lands (a server added), so Undo never names one change and undoes another.
 */
import { describeChange } from "../servers";

export interface ServerChange {
  /** What happened, in the view's words. */
  text: string;
  undoable: boolean;
  failed: boolean;
}

export function createServerChange() {
  let current = $state<ServerChange | null>(null);
  return {
    get current() {
      return current;
    },
    /** A change was written; `op` is the command's answer (`remove gamma`). */
    done(op: string, undoable = true): void {
      current = { text: describeChange(op), undoable, failed: false };
    },
    /** An action failed; `message` says why. */
    failed(message: string): void {
      current = { text: message, undoable: false, failed: true };
    },
    /** Another change landed: the bar no longer names the newest one. */
    clear(): void {
      current = null;
    },
  };
}

export type ServerChangeBar = ReturnType<typeof createServerChange>;
