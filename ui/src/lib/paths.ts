/** Words for where a path came from; shared by every view that shows the config location. */
import type { ConfigSource } from "./ipc";

/** Why this config file is the one in use, in a few plain words. */
export function describeConfigSource(source: ConfigSource): string {
  switch (source) {
    case "env":
      return "Set by MCP_TRAY_CLAUDE_CONFIG in the environment MCP Tray started in";
    case "detected":
      return "Claude Desktop's standard location";
    case "msix":
      return "Claude Desktop (Microsoft Store build)";
  }
}

/** Why MCP Tray keeps its files in this folder: where it came from, not advice a person started
 * from a launcher cannot follow (an environment variable is set for a terminal's programs, not
 * the desktop's). */
/** Where Claude's log folder comes from. */
export function describeClaudeLogsDir(fromEnv: boolean): string {
  return fromEnv
    ? "Set by MCP_TRAY_CLAUDE_LOGS in the environment MCP Tray started in"
    : "Where Claude Desktop writes its logs on this system";
}

export function describeDataDir(fromEnv: boolean): string {
  return fromEnv
    ? "Set by MCP_TRAY_HOME in the environment MCP Tray started in"
    : "MCP Tray's standard location";
}
