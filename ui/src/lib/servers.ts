/** How a server of the config is described in a list: what it runs, in one line. */
import type { ServerKind, ServerSummary } from "./ipc";

const KIND_LABELS: Record<ServerKind, string> = {
  local: "Local",
  remote: "Remote",
  "mcp-remote": "Remote via mcp-remote",
  tapped: "Local, captured",
  "url-entry": "URL entry",
  invalid: "Invalid",
};

/** How many tools a server listed: "1 tool", "3 tools", "0 tools". */
export function toolCount(count: number): string {
  return count === 1 ? "1 tool" : `${count} tools`;
}

/** A short label for the kind of entry. */
export function kindLabel(kind: ServerKind): string {
  return KIND_LABELS[kind];
}

/** Quotes a word for a shell-like display line when it is empty or holds spaces, the way
 *  MCP Tray reads a command line back (quotes group, backslashes are kept): a Windows path stays
 *  `"C:\Program Files\node.exe"`, not doubled as in JSON. */
function shellWord(word: string): string {
  if (word !== "" && !/\s/.test(word)) return word;
  if (!word.includes('"')) return `"${word}"`;
  if (!word.includes("'")) return `'${word}'`;
  return JSON.stringify(word);
}

/** What the server runs: its URL, its command line, or why Claude cannot start it. */
export function describeServer(server: ServerSummary): string {
  if (server.kind === "invalid") return server.problem ?? "Claude cannot start this entry";
  // Its credentials masked (`?token=••••••`), when it holds any.
  if (server.url) return server.shownUrl ?? server.url;
  return [server.command ?? "", ...server.args].map(shellWord).join(" ").trim();
}

/** A server's entry as the list has it, less its name: also less the name an entry of MCP Tray's
 *  gives itself (`--name NAME`, its journal's name), which a rename through MCP Tray follows and
 *  one in an editor does not (so `former`, the name it had, counts as its name there too). */
function entryWithoutName(server: ServerSummary, former: string): string {
  const own = (arg: string) => arg === server.name || arg === former;
  const args = server.args.map((arg, i) => (i > 0 && server.args[i - 1] === "--name" && own(arg) ? "\u0000" : arg));
  const { name: _, ...rest } = { ...server, args };
  return JSON.stringify(rest, Object.keys(rest).sort());
}

/** The name server `name` has now when, between two reads of the config (`before`, `after`), it
 *  went and, in the same change, one server that was not there came with the same entry: a rename
 *  (an editor, the CLI). Null when it was not renamed, or when that cannot be told (two such). */
export function renamedTo(before: readonly ServerSummary[], after: readonly ServerSummary[], name: string): string | null {
  const was = before.find((s) => s.name === name);
  if (!was || after.some((s) => s.name === name)) return null;
  const known = new Set(before.map((s) => s.name));
  const entry = entryWithoutName(was, name);
  const came = after.filter((s) => !known.has(s.name) && entryWithoutName(s, name) === entry);
  return came.length === 1 ? came[0].name : null;
}

/** Past-tense words for an operation a command answers (`tap notes`, `remove gamma`…). */
const DONE_WORDS: [RegExp, (name: string, to: string) => string][] = [
  [/^remove disabled (.*)$/, (n) => `Removed ${n}`],
  [/^remove (.*)$/, (n) => `Removed ${n}`],
  [/^disable (.*)$/, (n) => `Disabled ${n}`],
  [/^enable (.*)$/, (n) => `Enabled ${n}`],
  [/^untap (.*)$/, (n) => `Traffic capture off for ${n}`],
  [/^tap (.*)$/, (n) => `Traffic capture on for ${n}`],
  [/^edit (.*?) → (.*)$/, (n, to) => `Saved ${n} as ${to}`],
  [/^edit (.*)$/, (n) => `Saved ${n}`],
  [/^fixed (.+?) \([^()]*\)$/, (n) => `Fixed ${n}`],
  // A Fix in the window (or `mcp-tray doctor --fix`): "doctor --fix atlassian, linear".
  [/^doctor --fix merge mcpServers$/, () => `Merged the two "mcpServers"`],
  [/^doctor --fix (.*)$/, (n) => `Fixed ${n}`],
  [/^add (.*)$/, (n) => `Added ${n}`],
  [/^update (.*)$/, (n) => `Changed ${n}`],
  [/^rename (.*) → (.*)$/, (n, to) => `Renamed ${n} to ${to}`],
  [/^rename (.*)$/, (n) => `Renamed ${n}`],
  [/^merge mcpServers$/, () => `Merged the two "mcpServers"`],
  [/^remove the byte-order mark$/, () => "Removed the byte-order mark"],
  [/^convert the file from UTF-16 to UTF-8$/, () => "Converted the file to UTF-8"],
  [/^write the backslashes of Windows paths twice$/, () => "Doubled the backslashes of Windows paths"],
];

/** A server's name in a sentence: one with no name at all is shown as its empty quotes. */
function named(name: string): string {
  return name === "" ? '""' : name;
}

/** What a change did, in the words the buttons use ("Removed gamma", "Traffic capture on for notes"). */
export function describeChange(op: string): string {
  if (op === "undo deleted by another program") return "Put back the config file another program deleted";
  if (op === "undo emptied by another program") return "Put back the servers another program removed";
  const undone = /^undo (.+)$/.exec(op);
  if (undone) return `Undone: ${describeChange(undone[1])}`;
  for (const [pattern, words] of DONE_WORDS) {
    const match = pattern.exec(op);
    if (match) return words(named(match[1] ?? ""), named(match[2] ?? ""));
  }
  return op.charAt(0).toUpperCase() + op.slice(1);
}

/** Names in a sentence: "a", "a and b", "a, b and c". */
export function listNames(names: readonly string[]): string {
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : (names[0] ?? "");
}

/** Why a name typed for a new server cannot be taken, in the same words wherever it is typed (the
 *  Add card's Name field, the local-server form). */
export function nameTaken(name: string): string {
  return `A server named “${name}” already exists: choose another name.`;
}
