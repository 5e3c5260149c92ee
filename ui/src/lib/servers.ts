/** How a server of the config is described in a list: what it runs, in one line. */
import type { ServerKind, ServerSummary } from "./ipc";

const KIND_LABELS: Record<ServerKind, string> = {
  local: "Local",
  remote: "Remote",
  "mcp-remote": "Remote via mcp-remote",
  tapped: "Local, tapped",
  "url-entry": "URL entry",
  invalid: "Invalid",
};

/** A short label for the kind of entry. */
export function kindLabel(kind: ServerKind): string {
  return KIND_LABELS[kind];
}

/** Quotes a word for a shell-like display line when it is empty or holds spaces. */
function shellWord(word: string): string {
  return word === "" || /\s/.test(word) ? JSON.stringify(word) : word;
}

/** What the server runs: its URL, its command line, or why Claude cannot start it. */
export function describeServer(server: ServerSummary): string {
  if (server.kind === "invalid") return server.problem ?? "Claude cannot start this entry";
  if (server.url) return server.url;
  return [server.command ?? "", ...server.args].map(shellWord).join(" ").trim();
}
