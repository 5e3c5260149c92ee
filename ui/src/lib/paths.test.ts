import { describe, expect, it } from "vitest";
import type { ConfigSource } from "./ipc";
import { describeClaudeLogsDir, describeConfigSource, describeDataDir } from "./paths";

describe("describeConfigSource", () => {
  it("names the environment variable when the config path came from it", () => {
    expect(describeConfigSource("env")).toContain("MCP_TRAY_CLAUDE_CONFIG");
  });

  it("says something different for every source", () => {
    const sources: ConfigSource[] = ["env", "detected", "msix"];
    const words = new Set(sources.map(describeConfigSource));
    expect(words.size).toBe(sources.length);
  });

  it("names no command-line option: the app has none", () => {
    const sources: ConfigSource[] = ["env", "detected", "msix"];
    for (const source of sources) expect(describeConfigSource(source)).not.toMatch(/--|mcp-tray /);
  });
});

describe("describeClaudeLogsDir", () => {
  it("names MCP_TRAY_CLAUDE_LOGS only when it chose the folder", () => {
    expect(describeClaudeLogsDir(true)).toContain("MCP_TRAY_CLAUDE_LOGS");
    expect(describeClaudeLogsDir(false)).not.toContain("MCP_TRAY_CLAUDE_LOGS");
  });
});

describe("describeDataDir", () => {
  it("names MCP_TRAY_HOME only when it chose the folder", () => {
    expect(describeDataDir(true)).toContain("MCP_TRAY_HOME");
    expect(describeDataDir(false)).not.toContain("MCP_TRAY_HOME");
  });

  it("gives no advice to set an environment variable", () => {
    for (const fromEnv of [true, false]) expect(describeDataDir(fromEnv)).not.toMatch(/^Set [A-Z_]+ to/);
    expect(describeDataDir(false)).toBe("MCP Tray's standard location");
  });
});
