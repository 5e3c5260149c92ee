/** Words for where a path came from; shared by every view that shows the config location. */
import type { ConfigSource } from "./ipc";

/** Why this config file is the one in use, in a few plain words. */
export function describeConfigSource(source: ConfigSource): string {
  switch (source) {
    case "env":
      return "Set by MCP_TRAY_CLAUDE_CONFIG";
    case "flag":
      return "Set by --config";
    case "detected":
      return "Claude Desktop's standard location";
    case "msix":
      return "Claude Desktop (Microsoft Store build)";
  }
}
