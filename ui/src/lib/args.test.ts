import { describe, expect, it } from "vitest";
import { joinArgs, splitArgs } from "./args";

describe("splitArgs / joinArgs", () => {
  it("splits like a shell: quotes keep spaces, backslash escapes", () => {
    expect(splitArgs(`-y  @scope/pkg "/path with space" 'it''s' a\\ b ""`)).toEqual([
      "-y",
      "@scope/pkg",
      "/path with space",
      "its",
      "a b",
      "",
    ]);
    expect(splitArgs("   ")).toEqual([]);
    expect(() => splitArgs(`"open`)).toThrow(/double quote/);
  });

  it("joins so that splitting gives the same list back", () => {
    const lists = [["-y", "pkg"], ["a b", "", "it's", 'say "hi"', "back\\slash"], []];
    for (const list of lists) expect(splitArgs(joinArgs(list))).toEqual(list);
    expect(joinArgs(["stdio"])).toBe("stdio");
  });
});
