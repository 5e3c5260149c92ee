import { describe, expect, it } from "vitest";
import { VIEWS, createNavigation, isViewId } from "./navigation.svelte";

const ctrl = (key: string) => ({ key, ctrlKey: true, metaKey: false, altKey: false, shiftKey: false });

describe("navigation", () => {
  it("has exactly the four views of the design, in order", () => {
    expect(VIEWS.map((v) => v.label)).toEqual(["Servers", "Traffic", "Logs", "Settings"]);
  });

  it("starts on Servers", () => {
    expect(createNavigation().current).toBe("servers");
  });

  it("moves down and up with the arrow keys, wrapping at both ends", () => {
    const nav = createNavigation();
    expect(nav.onListKey("ArrowDown")).toBe("traffic");
    expect(nav.current).toBe("traffic");
    nav.select("settings");
    expect(nav.onListKey("ArrowDown")).toBe("servers");
    expect(nav.onListKey("ArrowUp")).toBe("settings");
  });

  it("jumps to the first and last view with Home and End", () => {
    const nav = createNavigation("logs");
    expect(nav.onListKey("Home")).toBe("servers");
    expect(nav.onListKey("End")).toBe("settings");
  });

  it("ignores other keys in the list", () => {
    const nav = createNavigation("logs");
    expect(nav.onListKey("a")).toBeUndefined();
    expect(nav.current).toBe("logs");
  });

  it("switches view with Ctrl or Cmd and a digit", () => {
    const nav = createNavigation();
    expect(nav.onShortcut(ctrl("3"))).toBe(true);
    expect(nav.current).toBe("logs");
    expect(nav.onShortcut({ ...ctrl("2"), ctrlKey: false, metaKey: true })).toBe(true);
    expect(nav.current).toBe("traffic");
  });

  it("leaves plain digits, other modifiers and out-of-range digits alone", () => {
    const nav = createNavigation();
    expect(nav.onShortcut({ ...ctrl("2"), ctrlKey: false })).toBe(false);
    expect(nav.onShortcut({ ...ctrl("2"), shiftKey: true })).toBe(false);
    expect(nav.onShortcut(ctrl("9"))).toBe(false);
    expect(nav.onShortcut(ctrl("0"))).toBe(false);
    expect(nav.current).toBe("servers");
  });

  it("recognises view ids", () => {
    expect(isViewId("traffic")).toBe(true);
    expect(isViewId("Traffic")).toBe(false);
  });
});
