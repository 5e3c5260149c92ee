import { describe, expect, it } from "vitest";
import { plainText, spans } from "./words";

const plain = (text: string) => ({ code: false, text });
const code = (text: string) => ({ code: true, text });

const CLAUDE_DISCONNECTED =
  "Server disconnected. For troubleshooting guidance, please visit our [debugging documentation](https://modelcontextprotocol.io/docs/tools/debugging)";

describe("the words of a text written for people", () => {
  it("leaves a text with no markup as it is, in one span", () => {
    expect(spans("The server refused the connection")).toEqual([plain("The server refused the connection")]);
    expect(spans("a * b _c_ <b>not html</b> & 3 > 2")).toEqual([plain("a * b _c_ <b>not html</b> & 3 > 2")]);
  });

  it("has no spans for an empty text", () => {
    expect(spans("")).toEqual([]);
  });

  it("shows a backtick-quoted span as code, without its backticks", () => {
    expect(spans("The command `definitely-not-a-cmd-xyz` was not found")).toEqual([
      plain("The command "),
      code("definitely-not-a-cmd-xyz"),
      plain(" was not found"),
    ]);
  });

  it("shows code at the very start and the very end", () => {
    expect(spans("`npx` was not found")).toEqual([code("npx"), plain(" was not found")]);
    expect(spans("run `mcp-tray probe NAME`")).toEqual([plain("run "), code("mcp-tray probe NAME")]);
    expect(spans("`uvx`")).toEqual([code("uvx")]);
  });

  it("shows several code spans, each on its own", () => {
    expect(spans("run `mcp-tray doctor --fix`, and `mcp-tray undo` puts it back")).toEqual([
      plain("run "),
      code("mcp-tray doctor --fix"),
      plain(", and "),
      code("mcp-tray undo"),
      plain(" puts it back"),
    ]);
    expect(spans("`a` `b`")).toEqual([code("a"), plain(" "), code("b")]);
  });

  it("keeps an unpaired backtick as it is", () => {
    expect(spans("it's a ` alone")).toEqual([plain("it's a ` alone")]);
    expect(spans("`a` and ` b")).toEqual([code("a"), plain(" and ` b")]);
    expect(spans("trailing `")).toEqual([plain("trailing `")]);
    expect(spans("``")).toEqual([plain("``")]);
  });

  it("pairs backtick runs of the same length, so code can hold a backtick", () => {
    expect(spans("type `` a`b `` here")).toEqual([plain("type "), code("a`b"), plain(" here")]);
    expect(spans("`` ` ``")).toEqual([code("`")]);
    expect(spans("``a` b")).toEqual([plain("``a` b")]);
    // A run of two does not close a run of one: as Markdown reads it.
    expect(spans("`a``b`")).toEqual([code("a``b")]);
  });

  it("keeps code that is only spaces, and spaces that are not padding", () => {
    expect(spans("a ` ` b")).toEqual([plain("a "), code(" "), plain(" b")]);
    expect(spans("`  x`")).toEqual([code("  x")]);
  });

  it("shows a Markdown link as its words and its address in parentheses, as plain text", () => {
    expect(spans(CLAUDE_DISCONNECTED)).toEqual([
      plain(
        "Server disconnected. For troubleshooting guidance, please visit our debugging documentation (https://modelcontextprotocol.io/docs/tools/debugging)",
      ),
    ]);
  });

  it("says an address once when the link's words are the address", () => {
    expect(spans("see [https://example.com/a](https://example.com/a).")).toEqual([plain("see https://example.com/a.")]);
  });

  it("keeps an address with balanced parentheses whole", () => {
    expect(spans("[Foo](https://en.wikipedia.org/wiki/Foo_(bar)) x")).toEqual([
      plain("Foo (https://en.wikipedia.org/wiki/Foo_(bar)) x"),
    ]);
  });

  it("takes only absolute addresses as links: brackets in other words stay as they are", () => {
    for (const text of ["list[0](x)", "see [the docs](./README.md)", "[a](b c)", "[](https://x.y)", "[a]\n(https://x.y)", "[a] (https://x.y)"]) {
      expect(spans(text)).toEqual([plain(text)]);
    }
    expect(spans("[mail us](mailto:help@example.com)")).toEqual([plain("mail us (mailto:help@example.com)")]);
  });

  it("shows code next to a link", () => {
    expect(spans("`x` failed; see [the docs](https://x.y/d) or run `mcp-tray probe x`")).toEqual([
      code("x"),
      plain(" failed; see the docs (https://x.y/d) or run "),
      code("mcp-tray probe x"),
    ]);
    expect(spans("[docs](https://x.y)`z`")).toEqual([plain("docs (https://x.y)"), code("z")]);
  });

  it("shows a backtick-quoted part of a link's words as code", () => {
    expect(spans("read [the `tap` guide](https://x.y/tap)")).toEqual([
      plain("read the "),
      code("tap"),
      plain(" guide (https://x.y/tap)"),
    ]);
    expect(spans("[a ` b](https://x.y)")).toEqual([plain("a ` b (https://x.y)")]);
  });

  it("keeps a link written inside code as code", () => {
    expect(spans("write `[a](https://x.y)` in the file")).toEqual([plain("write "), code("[a](https://x.y)"), plain(" in the file")]);
  });

  it("keeps the lines of a multi-line text, with its code on each line", () => {
    expect(spans("first `a` line\nsecond `b` line\n")).toEqual([
      plain("first "),
      code("a"),
      plain(" line\nsecond "),
      code("b"),
      plain(" line\n"),
    ]);
  });

  it("never pairs backticks across lines", () => {
    const text = "it wrote: `oops\nand then: done` twice";
    expect(spans(text)).toEqual([plain(text)]);
    expect(spans("`a\n`b` c")).toEqual([plain("`a\n"), code("b"), plain(" c")]);
  });

  it("gives back every character that is not markup, in order", () => {
    const text = "x `y` [z](https://w.v) ` [q] (r)\n`s`";
    expect(spans(text).map((s) => s.text).join("")).toBe("x y z (https://w.v) ` [q] (r)\ns");
  });

  it("never leaves an empty span or two plain ones side by side", () => {
    for (const text of ["", "``", "` `", "[a](https://b.c)[d](https://e.f)", "a[b](https://c.d)e", "`x`[y](https://z.w)"]) {
      const got = spans(text);
      expect(got.every((s) => s.text !== "")).toBe(true);
      expect(got.some((s, i) => i > 0 && !s.code && !got[i - 1].code)).toBe(false);
    }
  });
});

describe("the plain words of a text", () => {
  it("drops the backticks of code and spells links out", () => {
    expect(plainText("run `mcp-tray tap NAME`; see [docs](https://x.y)")).toBe("run mcp-tray tap NAME; see docs (https://x.y)");
    expect(plainText("a ` b")).toBe("a ` b");
    expect(plainText("")).toBe("");
  });
});
