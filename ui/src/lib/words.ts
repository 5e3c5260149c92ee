/**
 * The little markup found in texts written for people (diagnoses, fixes, statuses, and lines
 * Claude Desktop logs): a `backtick-quoted` span is code, and a Markdown link `[text](address)`
 * reads as its text followed by the address in parentheses. Everything else is plain text.
 *
 * Never produces HTML, and never a link: these texts come from servers and logs, and the window
 * must not navigate. The caller renders the spans as text nodes (code ones in `<code>`).
 *
 * What counts as markup is kept narrow, so that a text that merely contains the characters reads
 * as it came: a code span opens and closes with backtick runs of the same length on one line (an
 * unpaired backtick stays as it is), and a link's address must be absolute (`https:`, `mailto:`…),
 * so `list[0](x)` is not a link.
 */

/** A piece of a text: code (shown in a monospace font) or plain words. */
export type Span = { code: boolean; text: string };

/** `[text](address)` at the start of a string: text on one line, no brackets in it; an absolute address, parentheses in it balanced. */
const LINK = /^\[([^[\]\n]+)\]\(([a-zA-Z][a-zA-Z0-9+.-]*:(?:[^\s()]|\([^\s()]*\))+)\)/;

/** The spans of `text`, in order; adjacent plain words are one span, and an empty text has none. */
export function spans(text: string): Span[] {
  const out: Span[] = [];
  const add = (span: Span) => {
    if (span.text === "") return;
    const last = out.at(-1);
    if (last && !last.code && !span.code) last.text += span.text;
    else out.push({ ...span });
  };
  let i = 0;
  while (i < text.length) {
    const link = text[i] === "[" ? LINK.exec(text.slice(i)) : null;
    if (link) {
      const [whole, words, address] = link;
      // A link that spells out its address says it once.
      if (words === address) add({ code: false, text: address });
      else {
        for (const span of codeSpans(words)) add(span);
        add({ code: false, text: ` (${address})` });
      }
      i += whole.length;
      continue;
    }
    // Not a link: the words up to the next `[` that could start one.
    const next = nextMark(text, text[i] === "[" ? i + 1 : i);
    for (const span of codeSpans(text.slice(i, next))) add(span);
    i = next;
  }
  return out;
}

/** `text` as plain words, for where no markup can go (a tooltip): code without its backticks, links as in {@link spans}. */
export function plainText(text: string): string {
  return spans(text)
    .map((span) => span.text)
    .join("");
}

/**
 * Where the next link could start at or after `from`: a `[` outside a code span. A backtick run
 * that closes on its line is skipped whole, so a link written inside code stays code.
 */
function nextMark(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    if (text[i] === "[") return i;
    if (text[i] === "`") {
      const run = runAt(text, i);
      const close = closingRun(text, i + run, run);
      i = close === -1 ? i + run : close + run;
      continue;
    }
    i += 1;
  }
  return text.length;
}

/** The code spans and plain words of a text with no links. */
function codeSpans(text: string): Span[] {
  const out: Span[] = [];
  let plain = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] !== "`") {
      plain += text[i];
      i += 1;
      continue;
    }
    const run = runAt(text, i);
    const close = closingRun(text, i + run, run);
    if (close === -1) {
      plain += text.slice(i, i + run);
      i += run;
      continue;
    }
    if (plain) out.push({ code: false, text: plain });
    plain = "";
    out.push({ code: true, text: trimPadding(text.slice(i + run, close)) });
    i = close + run;
  }
  if (plain) out.push({ code: false, text: plain });
  return out;
}

/** How many backticks there are from `at` on. */
function runAt(text: string, at: number): number {
  let end = at;
  while (text[end] === "`") end += 1;
  return end - at;
}

/** Where a run of exactly `length` backticks starts from `from` on, before the line ends; -1 if none. */
function closingRun(text: string, from: number, length: number): number {
  let i = from;
  while (i < text.length && text[i] !== "\n") {
    if (text[i] !== "`") {
      i += 1;
      continue;
    }
    const run = runAt(text, i);
    if (run === length) return i;
    i += run;
  }
  return -1;
}

/** As Markdown does: one space either side is padding (so `` `` `x` `` `` can show a backtick), unless the code is only spaces. */
function trimPadding(code: string): string {
  return code.startsWith(" ") && code.endsWith(" ") && code.trim() !== "" ? code.slice(1, -1) : code;
}
