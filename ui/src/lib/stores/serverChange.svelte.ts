/**
 * The Servers view's status bar: the last change made from the view (with Undo), or why an action
 * failed. Kept by the App, like `addFlow`, so it survives switching views; replaced or cleared when
 * another change lands (a server added), so Undo never names one change and undoes another.
 * When the file changes elsewhere (Claude Desktop, an editor, the CLI, the tray), Undo goes unless
 * the file still holds what the bar's change wrote; the bar then says only that, since the other
 * program may have undone the change it named (`mcp-tray undo`).
 */
import type { ChangeDone, ConfigChanged } from "../ipc";
import { describeChange } from "../servers";

export interface ServerChange {
  /** What happened, in the view's words. */
  text: string;
  undoable: boolean;
  failed: boolean;
  /** The history entry of the change, which Undo names (null: Undo takes the newest). */
  historyId: number | null;
  /** Another program changed the file since: the bar no longer names a change that may not hold. */
  elsewhere: boolean;
}

/** What the bar says once another program changed the file after its change. */
export const CHANGED_ELSEWHERE =
  "Another program changed the config file since, so the last change made here can no longer be undone from this window (mcp-tray history lists every change).";

export function createServerChange() {
  let current = $state<ServerChange | null>(null);
  return {
    get current() {
      return current;
    },
    /** A change was written: the command's answer (`remove gamma`, with its history entry). */
    done(change: ChangeDone | string, undoable = true): void {
      const { done, historyId } = typeof change === "string" ? { done: change, historyId: null } : change;
      current = { text: describeChange(done), undoable, failed: false, historyId, elsewhere: false };
    },
    /** An action failed; `message` says why. */
    failed(message: string): void {
      current = { text: message, undoable: false, failed: true, historyId: null, elsewhere: false };
    },
    /** The config file changed on disk (`news` from Rust): the bar keeps Undo only while its change
     *  is the one Undo would undo and the file still holds what it wrote. */
    fileChanged(news: ConfigChanged): void {
      if (!current?.undoable) return;
      const id = current.historyId;
      // Read before the bar's change was written: that write sends news of its own.
      if (id !== null && news.newest !== null && news.newest < id) return;
      if (id === null ? news.undoable !== null : news.undoable === id) return;
      // Not "Disabled ro2. …": the other program may have enabled it again.
      current = { ...current, text: CHANGED_ELSEWHERE, undoable: false, elsewhere: true };
    },
    /** Another change landed: the bar no longer names the newest one. */
    clear(): void {
      current = null;
    },
  };
}

export type ServerChangeBar = ReturnType<typeof createServerChange>;
