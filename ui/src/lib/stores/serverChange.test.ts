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
