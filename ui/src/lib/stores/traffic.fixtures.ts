/** A traffic row for tests: a `tools/list` request from `tiny`, with any field replaced. */
import type { TrafficRow } from "../ipc";

export function trafficRow(fields: Partial<TrafficRow>): TrafficRow {
  return {
    ts: "2026-11-24T08:00:00.000Z",
    server: "tiny",
    session: "s1",
    check: false,
    dir: "c2s",
    kind: "request",
    method: "tools/list",
    id: "1",
    bytes: 40,
    latencyMs: null,
    msg: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    truncated: false,
    code: null,
    level: null,
    text: null,
    toolError: false,
    ...fields,
  };
}

