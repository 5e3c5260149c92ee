/**
 * The Servers view's status bar: the last change made from the view (with Undo), or why an action
 * failed. Kept by the App, like `addFlow`, so it survives switching views; replaced or cleared when
 * another change lands (a server added), so Undo never names one change and undoes another.
 * When the file changes elsewhere (Claude Desktop, an editor, the CLI, the tray), Undo goes unless
 * the file still holds what the bar's change wrote; the bar then says only that, since the other
 * program may have undone the change it named (`mcp-tray undo`). A bar without Undo ("Undone: …")
 * stops naming its change the same way. A failure stays (it is about an action), unless it was only
 * the file not reading: that one goes once the file reads again.
 *
 * Undo walks back this window's own changes, newest first: once a change is undone, the bar offers
 * the change made here before it (Rust's history holds one entry per change, and undoes one only
 * when it is the newest not undone). Anything that may have come in between ends the walk: another
 * program's change, a failure, the bar closed, a change of which file is shown.
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
  /** A failure only because the config file could not be read (the view says so above the list). */
  unreadable: boolean;
  /** On a bar saying what Undo undid: the change made here before it, which Undo takes back next. */
  earlier: EarlierChange | null;
}

/** A change made from this window, with the history entry Undo names. */
export interface EarlierChange {
  historyId: number;
  /** What it did, in the view's words ("Removed github"). */
  text: string;
}

/** What the bar says once another program changed the file after its change. */
export const CHANGED_ELSEWHERE =
  "Another program changed the config file since, so the last change made here can no longer be undone from this window (mcp-tray history lists every change).";
/** The same, for a change that had no Undo (an Undo itself). */
export const CHANGED_ELSEWHERE_SINCE =
  "Another program changed the config file since the last change made here (mcp-tray history lists every change).";

export function createServerChange() {
  let current = $state<ServerChange | null>(null);
  // The newest history entry any news named so far; and, for a bar without Undo (no history id to
  // compare), whether its write's own news is still to come: the first news naming an entry newer
  // than any seen is that write's (its history entry), any other news another program's.
  let newestSeen: number | null = null;
  let ownNewsDue = false;
  // This window's changes not undone yet, oldest first: where Undo walks back to.
  let made: EarlierChange[] = [];
  const bar = (text: string, more: Partial<ServerChange> = {}): ServerChange => ({
    text,
    undoable: false,
    failed: false,
    historyId: null,
    elsewhere: false,
    unreadable: false,
    earlier: null,
    ...more,
  });
  /** Another program may have changed the file in between: no earlier change is offered. */
  const forget = () => {
    made = [];
    if (current?.earlier) current = { ...current, earlier: null };
  };
  return {
    get current() {
      return current;
    },
    /** A change was written: the command's answer (`remove gamma`, with its history entry). */
    done(change: ChangeDone | string, undoable = true): void {
      const { done, historyId } = typeof change === "string" ? { done: change, historyId: null } : change;
      current = bar(describeChange(done), { undoable, historyId });
      if (undoable && historyId !== null) made.push({ historyId, text: current.text });
      ownNewsDue = true;
    },
    /** The history entry Undo takes back now: the bar's change, or the earlier one it offers
     *  after an Undo (null: the newest, for a bar whose change has no entry). */
    get undoTarget(): number | null {
      return current?.undoable ? current.historyId : (current?.earlier?.historyId ?? null);
    },
    /** Undo took back change `historyId` (`op`: what Rust says it undid): the bar says so, and
     *  offers the change made here before it, if any. */
    undone(op: string, historyId: number | null): void {
      made = historyId === null ? [] : made.filter((c) => c.historyId < historyId);
      current = bar(describeChange(`undo ${op}`), { earlier: made.at(-1) ?? null });
      ownNewsDue = true;
    },
    /** An action failed; `message` says why (`unreadable`: only because the file cannot be read). */
    failed(message: string, unreadable = false): void {
      current = bar(message, { failed: true, unreadable });
      // (An Undo refused, say: whatever came in between is unknown.)
      made = [];
    },
    /** The config file changed on disk (`news` from Rust): the bar keeps Undo only while its change
     *  is the one Undo would undo and the file still holds what it wrote. (No news at all: the
     *  history could not be compared, as when it cannot be read.) */
    fileChanged(given: ConfigChanged | null): void {
      const news = given ?? { newest: null, undoable: null };
      const before = newestSeen;
      if (news.newest !== null && (newestSeen === null || news.newest > newestSeen)) newestSeen = news.newest;
      if (!current || current.failed || current.elsewhere) {
        // No bar to tell whose change this is.
        made = [];
        return;
      }
      if (current.undoable) {
        const id = current.historyId;
        // Read before the bar's change was written: that write sends news of its own.
        if (id !== null && news.newest !== null && news.newest < id) return;
        if (id === null ? news.undoable !== null : news.undoable === id) return;
        // Not "Disabled ro2. …": the other program may have enabled it again.
        current = { ...current, text: CHANGED_ELSEWHERE, undoable: false, elsewhere: true };
        made = [];
        return;
      }
      // Read before news already seen: it says nothing about the file now.
      if (news.newest !== null && before !== null && news.newest < before) return;
      if (ownNewsDue && news.newest !== null && (before === null || news.newest > before)) {
        ownNewsDue = false;
        // The undo's own write: the earlier change is offered while it is the one Undo would undo
        // (a change from the tray or the CLI came in between, or the file no longer holds it: not).
        if (current.earlier && news.undoable !== current.earlier.historyId) forget();
        return;
      }
      // "Undone: Removed github" no more: the other program may have removed it again.
      current = { ...current, text: CHANGED_ELSEWHERE_SINCE, elsewhere: true, earlier: null };
      made = [];
    },
    /** The config file reads again (`error`: what it said while it could not): a failure that was
     *  only that is stale, the list above showing the file as it is now. */
    fileReads(error: string | null): void {
      if (current?.failed && (current.unreadable || (error !== null && current.text === error))) current = null;
    },
    /** What the view did to follow another program's change (an Edit form closed with its server):
     *  said in the bar, with no Undo; later news of the file leaves it as it is. */
    notice(text: string): void {
      current = bar(text, { elsewhere: true });
      made = [];
    },
    /** Another change landed: the bar no longer names the newest one. (Also when the person
     *  closes the bar: its Undo goes with it.) */
    clear(): void {
      current = null;
      made = [];
    },
  };
}

export type ServerChangeBar = ReturnType<typeof createServerChange>;
