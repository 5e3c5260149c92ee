/**
 * Times as the person reads them: always local time, 24-hour. Stamps arrive as RFC 3339 (UTC, from
 * the journals and Claude's logs); one that does not parse is shown as it came.
 */

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function parse(stamp: string): Date | null {
  const at = new Date(stamp);
  return Number.isNaN(at.getTime()) ? null : at;
}

function hhmm(at: Date): string {
  return `${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

function precise(at: Date): string {
  return `${hhmm(at)}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`;
}

/** `14:02:09.431`: a row in a table (Logs, Traffic). */
export function tableTime(stamp: string): string {
  const at = parse(stamp);
  return at ? precise(at) : stamp;
}

/** `Dec 2, 2026 14:02:09.431`: one event shown on its own (the Traffic detail). */
export function detailTime(stamp: string): string {
  const at = parse(stamp);
  if (!at) return stamp;
  return `${at.toLocaleDateString([], { year: "numeric", month: "short", day: "numeric" })} ${precise(at)}`;
}

/** `14:02` today, `Dec 1 14:02` another day: a line of prose (the Servers list). Null if it does not parse. */
export function clockTime(stamp: string, now: Date = new Date()): string | null {
  const at = parse(stamp);
  if (!at) return null;
  const time = hhmm(at);
  return at.toDateString() === now.toDateString()
    ? time
    : `${at.toLocaleDateString([], { month: "short", day: "numeric" })} ${time}`;
}
