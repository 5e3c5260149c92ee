import { afterEach, describe, expect, it, vi } from "vitest";
import { tokenize } from "../json";
import { SEARCH_DELAY_MS, createTraffic } from "./traffic.svelte";
import { trafficRow as row } from "./traffic.fixtures";

describe("traffic store", () => {
  it("pairs a response with its request by server, session and id", () => {
    const traffic = createTraffic();
    traffic.receive({
      initial: true,
      rows: [
        row({ id: "1" }),
        row({ id: "1", session: "other" }),
        row({ id: "1", dir: "s2c", kind: "response", latencyMs: 3.5, msg: '{"jsonrpc":"2.0","id":1,"result":{}}' }),
      ],
    });
    const [request, otherSession, response] = traffic.slice(0, 3);
    expect(request.pair).toBe(response.seq);
    expect(response.pair).toBe(request.seq);
    expect(otherSession.pair).toBeNull();
  });

  it("forgets every row on reset, keeping its filter, and pairs the history sent again afresh", () => {
    const traffic = createTraffic();
    const history = {
      initial: true,
      rows: [row({ id: "1", server: "a" }), row({ id: "1", server: "a", dir: "s2c", kind: "response", msg: '{"password":"hunter2"}' })],
    };
    traffic.receive(history);
    traffic.setFilter({ search: "hunter2" });
    expect(traffic.count).toBe(1);
    // Paused, the history read again would be held out of sight.
    traffic.pause();
    traffic.reset();
    expect(traffic.paused).toBe(false);
    expect([traffic.total, traffic.count, traffic.loaded, traffic.servers]).toEqual([0, 0, false, []]);
    expect(traffic.filter.search).toBe("hunter2");
    // The same history, read again masked.
    traffic.receive({ initial: true, rows: [history.rows[0], { ...history.rows[1], msg: '{"password":"[redacted]"}' }] });
    expect([traffic.total, traffic.count, traffic.loaded]).toEqual([2, 0, true]);
    const [request, response] = (traffic.setFilter({ search: "" }), traffic.slice(0, 2));
    expect([request.pair, response.pair]).toEqual([response.seq, request.seq]);
    expect(traffic.servers).toEqual(["a"]);
  });

  it("filters by server, method, errors and text, also for rows that arrive later", () => {
    const traffic = createTraffic();
    traffic.receive({ initial: true, rows: [row({ server: "a" }), row({ server: "b", method: "tools/call" })] });
    traffic.setFilter({ server: "b" });
    expect(traffic.count).toBe(1);
    traffic.receive({ initial: false, rows: [row({ server: "b", kind: "error", dir: "s2c", msg: '{"error":{"message":"boom"}}' })] });
    expect(traffic.count).toBe(2);
    traffic.setFilter({ errorsOnly: true });
    expect(traffic.slice(0, 5).map((r) => r.kind)).toEqual(["error"]);
    traffic.setFilter({ errorsOnly: false, server: "", search: "BOOM" });
    expect(traffic.count).toBe(1);
    traffic.setFilter({ search: "", method: "call" });
    expect(traffic.slice(0, 5).map((r) => r.method)).toEqual(["tools/call"]);
  });

  it("searches the server, method, id, text, event code and its words, and message, in any case", () => {
    const traffic = createTraffic();
    traffic.receive({
      initial: true,
      rows: [
        row({ server: "Alpha-Vault", method: null, id: null, msg: null }),
        row({ method: "resources/Read", id: null, msg: null }),
        row({ id: '"Req-Seven"', method: null, msg: null }),
        row({ kind: "event", dir: "event", method: null, id: null, msg: null, text: "spawn uvx ENOENT" }),
        row({ kind: "event", dir: "event", method: null, id: null, msg: null, code: "tls-error" }),
        row({ method: null, id: null, msg: '{"params":{"Password":"Hunter2"}}' }),
      ],
    });
    const found = (search: string) => (traffic.setFilter({ search }), traffic.slice(0, 10).map((r) => r.seq));
    expect(found("alpha-VAULT")).toEqual([0]);
    expect(found("RESOURCES/read")).toEqual([1]);
    expect(found("req-seven")).toEqual([2]);
    expect(found("Uvx enoent")).toEqual([3]);
    expect(found("TLS-ERROR")).toEqual([4]);
    expect(found("secure CONNECTION")).toEqual([4]);
    expect(found('"password":"hunter2"')).toEqual([5]);
    // With the other filters, not instead of them.
    traffic.setFilter({ search: "hunter2", server: "other" });
    expect(traffic.count).toBe(0);
  });

  it("finds in any case what lower-casing the text and the words finds, past ASCII too", () => {
    const traffic = createTraffic();
    // The Kelvin sign lower-cases to k; a final capital sigma to ς, not σ.
    traffic.receive({ initial: true, rows: [row({ msg: '{"t":"300 \u212A"}' }), row({ msg: '{"city":"ΟΔΟΣ ÅRHUS"}' })] });
    const found = (search: string) => (traffic.setFilter({ search }), traffic.slice(0, 10).map((r) => r.seq));
    expect(found("300 k")).toEqual([0]);
    expect(found("οδος århus")).toEqual([1]);
    expect(found("ΟΔΟΣ")).toEqual([1]);
    expect(found("οδοσ")).toEqual([]);
  });

  it("keeps no copy of a row's text for the search: the rows searched are as they were", () => {
    const traffic = createTraffic();
    traffic.receive({ initial: true, rows: [row({ id: "1" }), row({ id: "2", msg: '{"Big":"Text"}' })] });
    const before = traffic.slice(0, 2).map((r) => ({ ...r }));
    traffic.setFilter({ search: "text" });
    traffic.setFilter({ search: "" });
    expect(traffic.slice(0, 2).map((r) => ({ ...r }))).toEqual(before);
  });

  it("counts a tool call that failed (isError) among the errors", () => {
    const traffic = createTraffic();
    const failed = '{"jsonrpc":"2.0","id":2,"result":{"content":[],"isError":true}}';
    traffic.receive({
      initial: true,
      rows: [
        row({ id: "1", dir: "s2c", kind: "response", msg: '{"jsonrpc":"2.0","id":1,"result":{}}' }),
        row({ id: "2", dir: "s2c", kind: "response", msg: failed, toolError: true }),
      ],
    });
    traffic.setFilter({ errorsOnly: true });
    expect(traffic.slice(0, 5).map((r) => r.id)).toEqual(["2"]);
    expect(traffic.slice(0, 5)[0].failed).toBe(true);
  });

  it("finds a tools/call and its reply by the tool's name in the Method filter", () => {
    const traffic = createTraffic();
    traffic.receive({
      initial: true,
      rows: [
        row({ id: "1", method: "tools/list" }),
        row({ id: "2", method: "tools/call", msg: '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"big"}}' }),
        row({ id: "2", dir: "s2c", kind: "response", method: "tools/call", msg: '{"jsonrpc":"2.0","id":2,"result":{}}' }),
      ],
    });
    traffic.setFilter({ method: "big" });
    expect(traffic.slice(0, 5).map((r) => [r.id, r.kind, r.called])).toEqual([
      ["2", "request", "big"],
      ["2", "response", "big"],
    ]);
  });

  it("holds rows back while paused and shows them on resume", () => {
    const traffic = createTraffic();
    traffic.pause();
    traffic.receive({ initial: false, rows: [row({}), row({ id: "2" })] });
    expect(traffic.count).toBe(0);
    expect(traffic.held).toBe(2);
    traffic.resume();
    expect(traffic.count).toBe(2);
    expect(traffic.held).toBe(0);
  });

  it("exports the filtered rows as JSON lines with the message as JSON", () => {
    const traffic = createTraffic();
    traffic.receive({ initial: true, rows: [row({}), row({ server: "other" })] });
    traffic.setFilter({ server: "tiny" });
    const lines = traffic.exportLines().split("\n");
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0]);
    expect(parsed.server).toBe("tiny");
    expect(parsed.msg).toEqual({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    expect(parsed).not.toHaveProperty("seq");
  });

  it("exports a message as the text it was: an id past 2^53 and 1.0 keep their digits", () => {
    const traffic = createTraffic();
    const msg = '{"jsonrpc":"2.0","id":12345678901234567891,"result":{"x":1.0,"s":"\\u00e9"}}';
    traffic.receive({ initial: true, rows: [row({ msg }), row({ id: "2", msg: '{"jsonrpc":"2.0","id":' })] });
    const [whole, cut] = traffic.exportLines().split("\n");
    expect(whole.endsWith(`"msg":${msg}}`)).toBe(true);
    expect(JSON.parse(whole).server).toBe("tiny");
    // A message cut short is a string holding its start.
    expect(JSON.parse(cut).msg).toBe('{"jsonrpc":"2.0","id":');
  });
});

describe("traffic store's search field", () => {
  afterEach(() => vi.useRealTimers());

  function typing() {
    vi.useFakeTimers();
    const traffic = createTraffic();
    traffic.receive({ initial: true, rows: [row({ id: "1" }), row({ id: "2", msg: '{"password":"hunter2"}' })] });
    return traffic;
  }

  it("searches once typing pauses, not at each key", () => {
    const traffic = typing();
    for (const words of ["h", "hu", "hun"]) {
      traffic.typeSearch(words);
      vi.advanceTimersByTime(SEARCH_DELAY_MS - 1);
    }
    expect([traffic.typedSearch, traffic.filter.search, traffic.count]).toEqual(["hun", "", 2]);
    vi.advanceTimersByTime(1);
    expect([traffic.typedSearch, traffic.filter.search, traffic.count]).toEqual(["hun", "hun", 1]);
  });

  it("searches at once on Enter and when emptied", () => {
    const traffic = typing();
    traffic.typeSearch("hunter");
    traffic.searchNow();
    expect([traffic.filter.search, traffic.count]).toEqual(["hunter", 1]);
    traffic.typeSearch("");
    expect([traffic.filter.search, traffic.count]).toEqual(["", 2]);
    vi.runAllTimers();
    expect([traffic.filter.search, traffic.count]).toEqual(["", 2]);
  });

  it("takes the words typed with another filter's change, and forgets them for a search set at once (the tray's)", () => {
    const traffic = typing();
    traffic.typeSearch("hunter");
    traffic.setFilter({ server: "tiny" });
    expect([traffic.filter.search, traffic.count]).toEqual(["hunter", 1]);
    traffic.typeSearch("nothing like it");
    traffic.setFilter({ server: "", search: "" });
    vi.runAllTimers();
    expect([traffic.typedSearch, traffic.filter.search, traffic.count]).toEqual(["", "", 2]);
  });
});

describe("traffic store's selection", () => {
  it("keeps the selected row while it is kept, and forgets it once dropped or on reset", () => {
    const traffic = createTraffic(2, 1);
    traffic.receive({ initial: true, rows: [row({ id: "1" }), row({ id: "2" })] });
    traffic.select(0);
    traffic.receive({ initial: false, rows: [row({ id: "3" })] });
    expect(traffic.selected).toBe(0);
    traffic.receive({ initial: false, rows: [row({ id: "4" })] });
    expect(traffic.selected).toBeNull();
    traffic.select(3);
    traffic.reset();
    expect(traffic.selected).toBeNull();
  });
});

describe("traffic store at scale", () => {
  const filters = [
    { server: "b" },
    { server: "b", method: "call" },
    { server: "b", method: "call", search: "boom" },
    { server: "b", method: "call", search: "boo" },
    { server: "", method: "", search: "" },
    { errorsOnly: true },
    { errorsOnly: true, search: "7" },
    { errorsOnly: false, search: "" },
  ];

  it("a narrowing filter keeps exactly the rows a filter from scratch keeps", () => {
    const traffic = createTraffic();
    const batch = Array.from({ length: 300 }, (_, n) =>
      row({
        server: ["a", "b", "c"][n % 3],
        method: n % 2 ? "tools/call" : "tools/list",
        id: String(n),
        kind: n % 5 === 0 ? "error" : "request",
        msg: n % 7 === 0 ? `{"error":{"message":"boom ${n}"}}` : `{"id":${n}}`,
      }),
    );
    traffic.receive({ initial: true, rows: batch });
    for (const change of filters) {
      traffic.setFilter(change);
      const fresh = createTraffic();
      fresh.receive({ initial: true, rows: batch });
      fresh.setFilter({ ...traffic.filter });
      expect(traffic.slice(0, 300).map((r) => r.seq), JSON.stringify(traffic.filter)).toEqual(
        fresh.slice(0, 300).map((r) => r.seq),
      );
    }
  });

  it("finds a row's place among the filtered rows, and the row at a place", () => {
    const traffic = createTraffic();
    traffic.receive({ initial: true, rows: [row({ server: "a" }), row({ server: "b" }), row({ server: "a" })] });
    traffic.setFilter({ server: "a" });
    expect(traffic.position(2)).toBe(1);
    expect(traffic.position(1)).toBe(-1);
    expect(traffic.at(1)?.seq).toBe(2);
    expect(traffic.at(2)).toBeUndefined();
  });

  it("tells the view about arriving rows once per frame, with every row already counted", async () => {
    const traffic = createTraffic();
    const before = traffic.version;
    for (let n = 0; n < 3; n++) traffic.receive({ initial: false, rows: [row({ id: String(n) })] });
    expect(traffic.count).toBe(3);
    await new Promise((resolve) => requestAnimationFrame(resolve));
    expect(traffic.version).toBe(before + 1);
  });
});

describe("traffic store past its cap", () => {
  const numbered = (from: number, count: number, fields = {}) =>
    Array.from({ length: count }, (_, n) => row({ id: String(from + n), ...fields }));

  it("drops the oldest rows in one go once past the cap and its slack, keeping arrival numbers", () => {
    const traffic = createTraffic(10, 5);
    traffic.receive({ initial: true, rows: numbered(0, 15) });
    // Within the slack nothing goes yet.
    expect([traffic.total, traffic.dropped]).toEqual([15, 0]);
    traffic.receive({ initial: false, rows: numbered(15, 1) });
    expect([traffic.total, traffic.count, traffic.dropped]).toEqual([10, 10, 6]);
    expect(traffic.at(0)?.seq).toBe(6);
    expect(traffic.at(0)?.id).toBe("6");
    expect(traffic.row(5)).toBeUndefined();
    expect(traffic.row(15)?.id).toBe("15");
    expect(traffic.position(15)).toBe(9);
    expect(traffic.position(3)).toBe(-1);
    expect(traffic.exportLines().split("\n")).toHaveLength(10);
  });

  it("keeps the filtered list and the pairing right across a drop", () => {
    const traffic = createTraffic(4, 2);
    traffic.setFilter({ server: "b" });
    traffic.receive({
      initial: true,
      rows: [
        row({ id: "1", server: "b" }), // dropped before its reply comes
        row({ id: "2", server: "b" }),
        row({ id: "3", server: "a" }),
        row({ id: "4", server: "b" }),
        row({ id: "5", server: "a" }),
        row({ id: "6", server: "a" }),
        row({ id: "7", server: "a" }),
      ],
    });
    expect(traffic.dropped).toBe(3);
    traffic.receive({
      initial: false,
      rows: [
        row({ id: "1", server: "b", dir: "s2c", kind: "response", msg: "{}" }),
        row({ id: "4", server: "b", dir: "s2c", kind: "response", msg: "{}" }),
      ],
    });
    expect(traffic.slice(0, 10).map((r) => [r.seq, r.id, r.kind])).toEqual([
      [3, "4", "request"],
      [7, "1", "response"],
      [8, "4", "response"],
    ]);
    const [request, orphan, reply] = traffic.slice(0, 3);
    expect(orphan.pair).toBeNull();
    expect([request.pair, reply.pair]).toEqual([8, 3]);
    // From scratch too (a wider filter), only the rows kept.
    traffic.setFilter({ server: "" });
    expect(traffic.slice(0, 10).map((r) => r.seq)).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it("holds at most the cap while paused, counting what it dropped", () => {
    const traffic = createTraffic(10, 5);
    traffic.receive({ initial: true, rows: numbered(0, 3) });
    traffic.pause();
    for (let n = 0; n < 4; n++) traffic.receive({ initial: false, rows: numbered(100 + 4 * n, 4) });
    expect([traffic.held, traffic.dropped]).toEqual([10, 6]);
    traffic.resume();
    // The three shown before and the newest ten held: within the slack, nothing more goes yet.
    expect(traffic.slice(0, 20).map((r) => r.id)).toEqual(["0", "1", "2", ...numbered(106, 10).map((r) => r.id)]);
    expect(traffic.dropped).toBe(6);
  });

  it("starts its count of dropped rows over on reset, and never gives an old arrival number to a new row", () => {
    const traffic = createTraffic(2, 1);
    traffic.receive({ initial: true, rows: numbered(0, 4) });
    expect(traffic.dropped).toBe(2);
    traffic.reset();
    expect(traffic.dropped).toBe(0);
    traffic.receive({ initial: true, rows: numbered(0, 1) });
    expect(traffic.row(3)).toBeUndefined();
    expect(traffic.at(0)?.seq).toBe(4);
  });

  it("drops once per slack's worth of arrivals, not for each one (the cost is the rows dropped)", () => {
    const traffic = createTraffic(1_000, 100);
    traffic.receive({ initial: true, rows: numbered(0, 1_000) });
    let drops = 0;
    let total = traffic.total;
    for (let n = 0; n < 5_050; n++) {
      traffic.receive({ initial: false, rows: [row({ id: String(n) })] });
      if (traffic.total < total) drops += 1;
      total = traffic.total;
      expect(total).toBeLessThanOrEqual(1_100);
    }
    // 5 050 arrivals, 101 each past the cap before the oldest 101 go at once.
    expect([drops, traffic.dropped, traffic.total]).toEqual([50, 5_050, 1_000]);
  });
});

describe("json highlighting", () => {
  it("splits JSON into tokens that join back to the same text", () => {
    const text = JSON.stringify({ a: [1, true, null, "x\"y"], b: { c: -2.5e3 } }, null, 2);
    const tokens = tokenize(text);
    expect(tokens.map((t) => t.text).join("")).toBe(text);
    expect(tokens.find((t) => t.text === '"a"')?.kind).toBe("key");
    expect(tokens.find((t) => t.text === '"x\\"y"')?.kind).toBe("string");
    expect(tokens.find((t) => t.text === "-2500")?.kind).toBe("number");
  });
});
