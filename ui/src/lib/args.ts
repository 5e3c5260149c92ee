/**
 * Arguments typed on one line, as a shell would split them: spaces separate, "double" and
 * 'single' quotes keep spaces, a backslash escapes the next character (outside single quotes).
 * `joinArgs` writes a list back so that `splitArgs` gives the same list.
 */

/** Splits a line into arguments; throws on an unclosed quote. */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  let word = "";
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (c === "\\" && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`a ${quote === '"' ? "double" : "single"} quote is not closed`);
  if (inWord) out.push(word);
  return out;
}

/** One line for `args`, quoting words that hold spaces, quotes or backslashes (or are empty). */
export function joinArgs(args: string[]): string {
  return args.map((a) => (a === "" || /[\s"'\\]/.test(a) ? `'${a.replaceAll("'", `'\\''`)}'` : a)).join(" ");
}
