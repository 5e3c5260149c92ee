/**
 * What the journals record (redaction, retention) as the Settings view edits it: loaded from
 * Rust, changed one setting at a time, each change answered with what the settings file now says.
 * A refused change (a value out of bounds, a file that cannot be written) leaves the shown
 * settings as they were and keeps the error to show; nothing is changed here without Rust's answer.
 */
import type { JournalRetention, JournalSettings } from "../ipc";
import { toIpcError } from "../ipc";

/** The commands this store needs (`ipc` in the app, a fake in tests). */
export interface JournalSettingsApi {
  journalSettings(): Promise<JournalSettings>;
  setRedaction(enabled: boolean): Promise<JournalSettings>;
  setJournalRetention(retention: JournalRetention): Promise<JournalSettings>;
}

export function createJournalSettings(api: JournalSettingsApi) {
  let current = $state<JournalSettings | null>(null);
  let error = $state<string | null>(null);
  let saving = $state(false);

  async function apply(command: string, run: () => Promise<JournalSettings>): Promise<boolean> {
    saving = true;
    error = null;
    try {
      current = await run();
      return true;
    } catch (thrown) {
      error = toIpcError(command, thrown).message;
      return false;
    } finally {
      saving = false;
    }
  }

  return {
    get current() {
      return current;
    },
    get error() {
      return error;
    },
    get saving() {
      return saving;
    },
    load: () => apply("journal_settings", () => api.journalSettings()),
    setRedaction: (enabled: boolean) => apply("set_redaction", () => api.setRedaction(enabled)),
    setRetention: (retention: JournalRetention) =>
      apply("set_journal_retention", () => api.setJournalRetention(retention)),
  };
}

export type JournalSettingsStore = ReturnType<typeof createJournalSettings>;

const KIB = 1024;
const MIB = 1024 * 1024;

/** Retention in the units the form shows: MiB per file, files, KiB per message. */
export interface RetentionForm {
  fileMib: number;
  filesKept: number;
  messageKib: number;
}

/** Six decimals: fine enough that saving the form unchanged gives back the very same bytes
 *  (two were not: the smallest file size, 64 KiB, came back as 0.06 MiB, below the bound). */
const shown = (value: number) => Math.round(value * 1e6) / 1e6;

export function toForm(r: JournalRetention): RetentionForm {
  return {
    fileMib: shown(r.fileBytes / MIB),
    filesKept: r.filesKept,
    messageKib: shown(r.messageBytes / KIB),
  };
}

/** The form's values in bytes, or what is wrong with them (Rust checks the bounds again). */
export function fromForm(f: RetentionForm): JournalRetention | string {
  const numbers = [f.fileMib, f.filesKept, f.messageKib];
  if (numbers.some((n) => typeof n !== "number" || !Number.isFinite(n))) return "Enter a number in each field.";
  if (!Number.isInteger(f.filesKept) || f.filesKept < 0) return "Older files kept must be a whole number, 0 or more.";
  return {
    fileBytes: Math.round(f.fileMib * MIB),
    filesKept: f.filesKept,
    messageBytes: Math.round(f.messageKib * KIB),
  };
}
