/**
 * Pretty-printing and highlighting of JSON-RPC messages for the detail pane: the text becomes a
 * list of tokens the view renders as spans (never as HTML, so a message cannot inject markup).
 */

export type TokenKind = "key" | "string" | "number" | "literal" | "punct" | "space";

export interface Token {
  kind: TokenKind;
  text: string;
}

/** Pretty-prints `raw` when it is JSON, laid out as `JSON.stringify(…, null, 2)` would but from
 *  its own tokens: a number keeps its digits (an id past 2^53, `1.0`) and a string its escapes,
 *  as the server sent them, where a parse and a re-serialisation would change them. Otherwise
 *  returns it as it is (a truncated message). */
export function pretty(raw: string): string {
  try {
    JSON.parse(raw);
  } catch {
    return raw;
  }
  const tokens = tokenize(raw).filter((t) => t.kind !== "space");
  let out = "";
  let depth = 0;
  const newline = () => "\n" + "  ".repeat(depth);
  for (let i = 0; i < tokens.length; i++) {
    const { kind, text } = tokens[i];
    if (kind === "punct" && (text === "{" || text === "[")) {
      const next = tokens[i + 1];
      if (next?.kind === "punct" && next.text === (text === "{" ? "}" : "]")) {
        out += text + next.text;
        i += 1;
      } else {
        depth += 1;
        out += text + newline();
      }
    } else if (kind === "punct" && (text === "}" || text === "]")) {
      depth -= 1;
      out += newline() + text;
    } else if (kind === "punct" && text === ",") {
      out += "," + newline();
    } else if (kind === "punct" && text.trim() === ":") {
      out += ": ";
    } else {
      out += text;
    }
  }
  return out;
}

const TOKEN = /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(true|false|null)|([{}[\],:])|(\s+)|(.)/gsy;

/** Splits (pretty-printed) JSON text into highlightable tokens; joined, they give back `text`. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    if (m[1] !== undefined) {
      tokens.push({ kind: m[2] !== undefined ? "key" : "string", text: m[1] });
      if (m[2] !== undefined) tokens.push({ kind: "punct", text: m[2] });
    } else if (m[3] !== undefined) tokens.push({ kind: "number", text: m[3] });
    else if (m[4] !== undefined) tokens.push({ kind: "literal", text: m[4] });
    else if (m[5] !== undefined) tokens.push({ kind: "punct", text: m[5] });
    else if (m[6] !== undefined) tokens.push({ kind: "space", text: m[6] });
    else tokens.push({ kind: "punct", text: m[7] });
  }
  return tokens;
}
