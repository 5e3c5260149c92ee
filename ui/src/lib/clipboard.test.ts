import { afterEach, describe, expect, it, vi } from "vitest";
import { copyText } from "./clipboard";

/** jsdom has neither the Clipboard API nor execCommand: each test gives the ones it needs. */
function clipboard(writeText: (text: string) => Promise<void>, execCommand: (command: string) => boolean) {
  Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
  Object.defineProperty(document, "execCommand", { value: vi.fn(execCommand), configurable: true });
}

afterEach(() => {
  Reflect.deleteProperty(navigator, "clipboard");
  Reflect.deleteProperty(document, "execCommand");
});

describe("copyText", () => {
  it("uses the Clipboard API when it is allowed", async () => {
    const writeText = vi.fn(async () => {});
    clipboard(writeText, () => false);
    await copyText("hello");
    expect(writeText).toHaveBeenCalledWith("hello");
    expect(document.execCommand).not.toHaveBeenCalled();
  });

  it("falls back to a selected field, which it removes again", async () => {
    clipboard(() => Promise.reject(new Error("not allowed")), () => true);
    await copyText("hello");
    expect(document.execCommand).toHaveBeenCalledWith("copy");
    expect(document.querySelector("textarea")).toBeNull();
  });

  it("fails when the fallback copied nothing either (execCommand answers false, or throws)", async () => {
    clipboard(() => Promise.reject(new Error("not allowed")), () => false);
    await expect(copyText("hello")).rejects.toThrow("Could not copy");
    expect(document.querySelector("textarea")).toBeNull();
    clipboard(
      () => Promise.reject(new Error("not allowed")),
      () => {
        throw new Error("unsupported");
      },
    );
    await expect(copyText("hello")).rejects.toThrow("Could not copy");
  });
});
