// Diagnosis codes in the words the window shows: every code Rust can send has words of its own.
import { describe, expect, it } from "vitest";
import { CODE_WORDS, codeWords } from "./diagnosisCodes";

/** The codes of mcp_tray_core::diagnose::codes (its `ALL`), as of this writing. */
const CORE_CODES = [
  "command-not-found", "stdout-pollution", "timeout", "exited-early", "auth-required", "connection-refused",
  "connection-lost", "message-too-large", "tls-error", "dns-error", "http-error", "bad-json-config", "no-config-file",
  "url-entry-unsupported", "websocket-url", "mcp-remote-replaceable", "windows-msix-path", "missing-env",
  "relative-path", "node-too-old", "session-expired", "protocol-error", "redirected", "invalid-entry", "duplicate-key",
  "disabled-ignored", "temporary-location",
];

describe("codeWords", () => {
  it("says a code in plain words", () => {
    expect(codeWords("exited-early")).toBe("Exited early");
    expect(codeWords("command-not-found")).toBe("Command not found");
    expect(codeWords("stdout-pollution")).toBe("Stray output on stdout");
  });

  it("says a code it does not know as its words, and never one of Object's own properties", () => {
    expect(codeWords("brand-new-code")).toBe("Brand new code");
    expect(codeWords("constructor")).toBe("Constructor");
  });

  it("has words of its own for every diagnosis code of the core", () => {
    expect(CORE_CODES.filter((code) => !Object.hasOwn(CODE_WORDS, code))).toEqual([]);
  });
});
