/** A message's size as the Traffic view writes it, in the CLI's units and rounding (`mcp-tray
 *  traffic`): B, KiB or MiB (1024-based), one decimal, a half rounded to the even digit as Rust's
 *  `{:.1}` does (1280 B is "1.2 KiB" there and here). */
export function size(bytes: number | null): string {
  if (bytes === null) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${oneDecimal(bytes / 1024)} KiB`;
  return `${oneDecimal(bytes / (1024 * 1024))} MiB`;
}

/** `value` with one decimal, a tie to the even digit (toFixed would round it up). Exact for a
 *  byte count over a power of two: tenths of it have no rounding error of their own. */
function oneDecimal(value: number): string {
  const tenths = value * 10;
  const below = Math.floor(tenths);
  const rest = tenths - below;
  const n = rest > 0.5 || (rest === 0.5 && below % 2 === 1) ? below + 1 : below;
  return `${Math.floor(n / 10)}.${n % 10}`;
}
