/**
 * Pretty-printing and highlighting of JSON-RPC messages for the detail pane: the text becomes a
 * list of tokens the view renders as spans (never as HTML, so a message cannot inject markup).
 */

export type TokenKind = "key" | "string" | "number" | "literal" | "punct" | "space";

export interface Token {
  kind: TokenKind;
  text: string;
}

/** Pretty-prints `raw` when it is JSON; otherwise returns it as it is (a truncated message). */
export function pretty(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
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
