import { describe, expect, it } from "vitest";
import type { ConfigSource } from "./ipc";
import { describeConfigSource } from "./paths";

describe("describeConfigSource", () => {
  it("names the environment variable when the config path came from it", () => {
    expect(describeConfigSource("env")).toContain("MCP_TRAY_CLAUDE_CONFIG");
  });

  it("says something different for every source", () => {
    const sources: ConfigSource[] = ["flag", "env", "detected", "msix"];
    const words = new Set(sources.map(describeConfigSource));
    expect(words.size).toBe(sources.length);
  });
});
