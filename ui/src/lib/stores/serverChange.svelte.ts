/**
 * The Servers view's status bar: the last change made from the view (with Undo), or why an action
 * failed. Kept by the App, like `addFlow`, so it survives switching views; replaced or cleared when
 * another change lands (a server added), so Undo never names one change and undoes another.
 */
import type { ChangeDone } from "../ipc";
import { describeChange } from "../servers";

export interface ServerChange {
  /** What happened, in the view's words. */
  text: string;
  undoable: boolean;
  failed: boolean;
  /** The history entry of the change, which Undo names (null: Undo takes the newest). */
  historyId: number | null;
}

export function createServerChange() {
  let current = $state<ServerChange | null>(null);
  return {
    get current() {
      return current;
    },
    /** A change was written: the command's answer (`remove gamma`, with its history entry). */
    done(change: ChangeDone | string, undoable = true): void {
      const { done, historyId } = typeof change === "string" ? { done: change, historyId: null } : change;
      current = { text: describeChange(done), undoable, failed: false, historyId };
    },
    /** An action failed; `message` says why. */
    failed(message: string): void {
      current = { text: message, undoable: false, failed: true, historyId: null };
    },
    /** Another change landed: the bar no longer names the newest one. */
    clear(): void {
      current = null;
    },
  };
}

export type ServerChangeBar = ReturnType<typeof createServerChange>;
