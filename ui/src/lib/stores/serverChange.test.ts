// The Servers view's status bar: what it says once another program changed the config file, and a
// failure that was only the file not reading, once it reads again.
import { describe, expect, it } from "vitest";
import { CHANGED_ELSEWHERE, CHANGED_ELSEWHERE_SINCE, createServerChange } from "./serverChange.svelte";

describe("serverChange: a bar without Undo (Undone: …)", () => {
  it("stops naming its change once another program changed the file after it, its own write's news aside", () => {
    const change = createServerChange();
    change.done({ done: "remove github", historyId: 7 });
    change.fileChanged({ newest: 7, undoable: 7 });
    change.done("undo remove github", false);
    expect(change.current?.text).toBe("Undone: Removed github");
    // The undo's own write: a newer history entry (the undo's).
    change.fileChanged({ newest: 8, undoable: null });
    expect(change.current?.text).toBe("Undone: Removed github");
    expect(change.current?.elsewhere).toBe(false);
    // An editor writes the file: no history entry of its own.
    change.fileChanged({ newest: 8, undoable: null });
    expect(change.current).toMatchObject({ text: CHANGED_ELSEWHERE_SINCE, undoable: false, failed: false, elsewhere: true });
  });

  it("stops naming it when its own write's news came before it was shown", () => {
    const change = createServerChange();
    change.done({ done: "remove github", historyId: 7 });
    change.fileChanged({ newest: 8, undoable: null });
    change.done("undo remove github", false);
    // Nothing newer in the history: another program's change.
    change.fileChanged({ newest: 8, undoable: null });
    expect(change.current?.elsewhere).toBe(true);
  });

  it("stops naming it when the CLI made a change after it", () => {
    const change = createServerChange();
    change.done({ done: "remove github", historyId: 7 });
    change.fileChanged({ newest: 7, undoable: 7 });
    change.done("undo remove github", false);
    change.fileChanged({ newest: 8, undoable: null });
    change.fileChanged({ newest: 9, undoable: 9 });
    expect(change.current?.text).toBe(CHANGED_ELSEWHERE_SINCE);
  });

  it("keeps a bar with Undo as it was (its own rule), and its words once changed elsewhere", () => {
    const change = createServerChange();
    change.done({ done: "remove github", historyId: 7 });
    change.fileChanged({ newest: 7, undoable: 7 });
    expect(change.current?.undoable).toBe(true);
    change.fileChanged({ newest: 7, undoable: null });
    expect(change.current?.text).toBe(CHANGED_ELSEWHERE);
    change.fileChanged({ newest: 8, undoable: 8 });
    expect(change.current?.text).toBe(CHANGED_ELSEWHERE);
  });

  it("keeps a failure: it is about an action, not about the file", () => {
    const change = createServerChange();
    change.failed("alpha was not disabled: the file is read-only");
    change.fileChanged({ newest: 3, undoable: null });
    change.fileChanged({ newest: 4, undoable: null });
    expect(change.current).toMatchObject({ text: "alpha was not disabled: the file is read-only", failed: true, elsewhere: false });
  });
});

describe("serverChange: the file reads again", () => {
  const PARSE = "/c.json:3:7: expected a comma";

  it("drops a failure that was only the file not reading", () => {
    const change = createServerChange();
    change.failed(PARSE, true);
    change.fileReads(null);
    expect(change.current).toBeNull();
  });

  it("drops a failure that says what the file said while it could not be read", () => {
    const change = createServerChange();
    change.failed(PARSE);
    change.fileReads(PARSE);
    expect(change.current).toBeNull();
  });

  it("keeps any other bar", () => {
    const change = createServerChange();
    change.failed("alpha was not disabled: the file is read-only");
    change.fileReads(PARSE);
    expect(change.current?.text).toBe("alpha was not disabled: the file is read-only");
    change.done({ done: "remove github", historyId: 7 });
    change.fileReads(PARSE);
    expect(change.current?.text).toBe("Removed github");
  });
});

describe("serverChange: Undo walks back this window's changes, newest first", () => {
  /** Three changes made here (ids 5, 6, 7), each one's own news seen. */
  function threeChanges() {
    const change = createServerChange();
    change.done({ done: "disable alpha", historyId: 5 });
    change.fileChanged({ newest: 5, undoable: 5 });
    change.done({ done: "remove beta", historyId: 6 });
    change.fileChanged({ newest: 6, undoable: 6 });
    change.done({ done: "tap gamma", historyId: 7 });
    change.fileChanged({ newest: 7, undoable: 7 });
    return change;
  }

  it("offers the change made before the one undone, and the one before that once it is undone", () => {
    const change = threeChanges();
    expect(change.undoTarget).toBe(7);
    change.undone("tap gamma", 7);
    expect(change.current).toMatchObject({ text: "Undone: Traffic capture on for gamma", undoable: false });
    expect(change.current?.earlier).toEqual({ historyId: 6, text: "Removed beta" });
    expect(change.undoTarget).toBe(6);
    // The undo's own write: Undo would take back 6 now.
    change.fileChanged({ newest: 8, undoable: 6 });
    expect(change.current?.earlier?.historyId).toBe(6);
    change.undone("remove beta", 6);
    expect(change.current?.text).toBe("Undone: Removed beta");
    expect(change.current?.earlier).toEqual({ historyId: 5, text: "Disabled alpha" });
    change.fileChanged({ newest: 9, undoable: 5 });
    change.undone("disable alpha", 5);
    expect(change.current?.earlier).toBeNull();
    expect(change.undoTarget).toBeNull();
  });

  it("offers none when the undo's own news says another change would be undone (the tray's, the CLI's)", () => {
    const change = threeChanges();
    change.undone("tap gamma", 7);
    change.fileChanged({ newest: 9, undoable: 8 });
    expect(change.current?.text).toBe("Undone: Traffic capture on for gamma");
    expect(change.current?.earlier).toBeNull();
  });

  it("offers none once another program changed the file, and none later either", () => {
    const change = threeChanges();
    change.undone("tap gamma", 7);
    change.fileChanged({ newest: 8, undoable: 6 });
    // An editor writes the file.
    change.fileChanged({ newest: 8, undoable: null });
    expect(change.current).toMatchObject({ text: CHANGED_ELSEWHERE_SINCE, elsewhere: true, earlier: null });
    change.done({ done: "enable delta", historyId: 9 });
    change.undone("enable delta", 9);
    expect(change.current?.earlier).toBeNull();
  });

  it("forgets the changes made before another program's change, a failure, or the bar closed", () => {
    for (const between of [
      (c: ReturnType<typeof createServerChange>) => c.fileChanged({ newest: 7, undoable: null }),
      (c: ReturnType<typeof createServerChange>) => c.failed("beta was not removed: the file is read-only"),
      (c: ReturnType<typeof createServerChange>) => c.clear(),
    ]) {
      const change = threeChanges();
      between(change);
      change.done({ done: "enable delta", historyId: 9 });
      change.undone("enable delta", 9);
      expect(change.current?.earlier).toBeNull();
    }
  });

  it("never offers a change that was undone already", () => {
    const change = threeChanges();
    change.undone("tap gamma", 7);
    change.fileChanged({ newest: 8, undoable: 6 });
    change.done({ done: "enable delta", historyId: 9 });
    change.fileChanged({ newest: 9, undoable: 9 });
    change.undone("enable delta", 9);
    expect(change.current?.earlier).toEqual({ historyId: 6, text: "Removed beta" });
  });
});
