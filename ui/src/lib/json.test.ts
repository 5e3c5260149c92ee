import { describe, expect, it } from "vitest";
import { pretty, tokenize } from "./json";

describe("pretty", () => {
  it("lays JSON out as JSON.stringify(…, null, 2) does", () => {
    for (const raw of [
      '{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"add","inputSchema":{}}],"empty":[]}}',
      '[1, {"a": [true, null, "x,y:{}"]}, []]',
      '"just a string"',
      "42",
    ]) {
      expect(pretty(raw)).toBe(JSON.stringify(JSON.parse(raw), null, 2));
    }
  });

  it("keeps a number's digits and a string's escapes as the message had them", () => {
    const shown = pretty('{"id":12345678901234567891,"x":1.0,"e":1E+2,"s":"caf\\u00e9 \\/"}');
    expect(shown).toContain('"id": 12345678901234567891');
    expect(shown).toContain('"x": 1.0');
    expect(shown).toContain('"e": 1E+2');
    expect(shown).toContain('"s": "caf\\u00e9 \\/"');
    // And it still reads as the same JSON.
    expect(tokenize(shown).map((t) => t.text).join("")).toBe(shown);
  });

  it("gives back a message that is not whole JSON as it is", () => {
    expect(pretty('{"jsonrpc":"2.0","id":')).toBe('{"jsonrpc":"2.0","id":');
  });
});
