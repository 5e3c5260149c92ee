import { describe, expect, it } from "vitest";
import type { JournalRetention, JournalSettings } from "../ipc";
import { type JournalSettingsApi, createJournalSettings, fromForm, toForm } from "./journalSettings.svelte";

const defaults: JournalSettings = {
  redact: true,
  retention: { fileBytes: 8 * 1024 * 1024, filesKept: 3, messageBytes: 64 * 1024 },
};

/** A settings file in memory, with Rust's bounds check on the file size. */
function fakeApi() {
  let file = structuredClone(defaults);
  const api: JournalSettingsApi = {
    journalSettings: async () => structuredClone(file),
    setRedaction: async (enabled) => {
      file = { ...file, redact: enabled };
      return structuredClone(file);
    },
    setJournalRetention: async (retention: JournalRetention) => {
      if (retention.fileBytes < 64 * 1024) {
        throw { code: "invalid-setting", message: "the journal file size must be between 64 KiB and 1 GiB (got 1 KiB)" };
      }
      file = { ...file, retention };
      return structuredClone(file);
    },
  };
  return { api, file: () => file };
}

describe("journal settings", () => {
  it("loads what the settings file says, redaction on by default", async () => {
    const store = createJournalSettings(fakeApi().api);
    expect(store.current).toBeNull();
    await store.load();
    expect(store.current).toEqual(defaults);
  });

  it("shows redaction off only once Rust has written it", async () => {
    const fake = fakeApi();
    const store = createJournalSettings(fake.api);
    await store.load();
    expect(await store.setRedaction(false)).toBe(true);
    expect(store.current?.redact).toBe(false);
    expect(fake.file().redact).toBe(false);
  });

  it("keeps the shown settings and the error when a change is refused", async () => {
    const store = createJournalSettings(fakeApi().api);
    await store.load();
    const ok = await store.setRetention({ fileBytes: 1024, filesKept: 3, messageBytes: 65536 });
    expect(ok).toBe(false);
    expect(store.error).toBe("the journal file size must be between 64 KiB and 1 GiB (got 1 KiB)");
    expect(store.current).toEqual(defaults);
    expect(store.saving).toBe(false);
  });

  it("clears the error once a change succeeds", async () => {
    const store = createJournalSettings(fakeApi().api);
    await store.load();
    await store.setRetention({ fileBytes: 1, filesKept: 0, messageBytes: 1 });
    await store.setRetention({ fileBytes: 2 * 1024 * 1024, filesKept: 5, messageBytes: 4096 });
    expect(store.error).toBeNull();
    expect(store.current?.retention.filesKept).toBe(5);
  });
});

describe("retention form", () => {
  it("shows bytes as MiB and KiB and turns them back into the same bytes", () => {
    const form = toForm(defaults.retention);
    expect(form).toEqual({ fileMib: 8, filesKept: 3, messageKib: 64 });
    expect(fromForm(form)).toEqual(defaults.retention);
    expect(fromForm({ fileMib: 0.5, filesKept: 0, messageKib: 1.5 })).toEqual({
      fileBytes: 512 * 1024,
      filesKept: 0,
      messageBytes: 1536,
    });
  });

  it("gives back the very same bytes for any saved value, the smallest file size included", () => {
    for (const retention of [
      { fileBytes: 64 * 1024, filesKept: 0, messageBytes: 1024 },
      { fileBytes: 100 * 1024, filesKept: 3, messageBytes: 1000 },
      { fileBytes: 1024 * 1024 * 1024, filesKept: 20, messageBytes: 16 * 1024 * 1024 - 1 },
    ]) {
      expect(fromForm(toForm(retention))).toEqual(retention);
    }
  });

  it("says what is wrong with an empty or fractional field", () => {
    // An emptied number input binds as null.
    expect(fromForm({ fileMib: null as unknown as number, filesKept: 3, messageKib: 64 })).toBe("Enter a number in each field.");
    expect(fromForm({ fileMib: 8, filesKept: 2.5, messageKib: 64 })).toBe(
      "Older files kept must be a whole number, 0 or more.",
    );
  });
});
