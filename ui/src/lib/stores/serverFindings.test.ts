import { describe, expect, it } from "vitest";
import type { ServerFinding } from "../ipc";
import { createServerFindings } from "./serverFindings.svelte";

function finding(server: string | null, code: string, over: Partial<ServerFinding> = {}): ServerFinding {
  return { server, code, severity: "error", summary: `${code} summary`, detail: "", fix: null, fixable: false, ...over };
}

describe("server findings", () => {
  it("groups the findings by server, keeping Rust's order (worst first)", async () => {
    const findings = createServerFindings({
      serverFindings: async () => [
        finding("gh", "missing-env"),
        finding("gh", "mcp-remote-replaceable", { severity: "info", fixable: true }),
        finding("linear", "url-entry-unsupported", { fixable: true }),
      ],
    });
    await findings.load();
    expect(findings.byServer.get("gh")?.map((f) => f.code)).toEqual(["missing-env", "mcp-remote-replaceable"]);
    expect(findings.byServer.get("linear")?.[0].fixable).toBe(true);
    expect(findings.byServer.get("fetch")).toBeUndefined();
    expect(findings.forFile).toEqual([]);
  });

  it("keeps findings about the whole file apart from the servers'", async () => {
    const findings = createServerFindings({
      serverFindings: async () => [finding(null, "duplicate-key", { fixable: true }), finding("gh", "missing-env")],
    });
    await findings.load();
    expect(findings.forFile.map((f) => f.code)).toEqual(["duplicate-key"]);
    expect([...findings.byServer.keys()]).toEqual(["gh"]);
  });

  it("keeps the last answer when asking fails, and drops an answer overtaken by a newer one", async () => {
    const answers: Array<(list: ServerFinding[]) => void> = [];
    let fail = false;
    const findings = createServerFindings({
      serverFindings: () => {
        if (fail) return Promise.reject({ code: "bad-json-config", message: "c.json:3:7" });
        return new Promise((resolve) => answers.push(resolve));
      },
    });
    const first = findings.load();
    const second = findings.load();
    answers[1]([finding("new", "relative-path")]);
    await second;
    answers[0]([finding("old", "relative-path")]);
    await first;
    expect([...findings.byServer.keys()]).toEqual(["new"]);
    fail = true;
    await findings.load();
    expect([...findings.byServer.keys()]).toEqual(["new"]);
  });
});
