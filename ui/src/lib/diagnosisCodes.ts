/**
 * Diagnosis codes (`exited-early`, `command-not-found`…) in the words a person reads. The codes are
 * stable words for scripts, the CLI's `--json` and bug reports: the window shows these words in
 * their place, and the code itself where it is looked for on purpose (a tooltip, a copied record).
 * A code unknown here (one added in Rust since) is shown as its words, dashes as spaces.
 */

/** The codes known here, each with its words. */
export const CODE_WORDS: Readonly<Record<string, string>> = {
  // Diagnoses (mcp_tray_core::diagnose::codes).
  "command-not-found": "Command not found",
  "stdout-pollution": "Stray output on stdout",
  timeout: "No answer in time",
  "exited-early": "Exited early",
  "auth-required": "Sign-in needed",
  "connection-refused": "Connection refused",
  "connection-lost": "Connection lost",
  "message-too-large": "Message too large",
  "tls-error": "Secure connection failed",
  "dns-error": "Address not found",
  "http-error": "HTTP error",
  "bad-json-config": "Config file unreadable",
  "no-config-file": "No config file",
  "url-entry-unsupported": "URL entry Claude skips",
  "websocket-url": "WebSocket address",
  "mcp-remote-replaceable": "mcp-remote replaceable",
  "windows-msix-path": "Store app's config",
  "missing-env": "Environment variable missing",
  "relative-path": "Relative path",
  "node-too-old": "Node.js too old",
  "session-expired": "Session expired",
  "protocol-error": "Not MCP as expected",
  redirected: "Redirected",
  "invalid-entry": "Entry Claude cannot start",
  "duplicate-key": "Written twice",
  "disabled-ignored": "“disabled” ignored",
  "temporary-location": "Temporary location",
  // Other events of a shim's journal (news, not findings), as the Traffic view lists them.
  started: "Started",
  connected: "Connected",
  stopped: "Stopped",
  exited: "Exited",
  stderr: "Printed to stderr",
  "journal-dropped": "Messages not recorded",
  "tap-stopped": "Capture stopped",
};

/** What a code means, in a few plain words ("Exited early" for `exited-early`). */
export function codeWords(code: string): string {
  const known = Object.hasOwn(CODE_WORDS, code) ? CODE_WORDS[code] : undefined;
  if (known) return known;
  const words = code.replace(/-/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
