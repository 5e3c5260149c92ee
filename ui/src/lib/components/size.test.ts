import { describe, expect, it } from "vitest";
import { size } from "./size";

describe("a message's size", () => {
  it("is in the units of `mcp-tray traffic`: B, KiB, MiB (1024-based), one decimal", () => {
    expect([size(null), size(0), size(1023), size(1024), size(5_000), size(1024 * 1024 - 1)]).toEqual([
      "",
      "0 B",
      "1023 B",
      "1.0 KiB",
      "4.9 KiB",
      "1024.0 KiB",
    ]);
    expect([size(1024 * 1024), size(3_145_728), size(24_000_000)]).toEqual(["1.0 MiB", "3.0 MiB", "22.9 MiB"]);
  });

  it("rounds a half to the even digit, as the CLI's Rust formatting does", () => {
    // 1280 B is 1.25 KiB exactly: the CLI writes 1.2 KiB (toFixed would say 1.3).
    expect([size(1280), size(1331), size(1408), size(3328), size(2560)]).toEqual([
      "1.2 KiB",
      "1.3 KiB",
      "1.4 KiB",
      "3.2 KiB",
      "2.5 KiB",
    ]);
    expect([size(1_310_720), size(1_415_578), size(2_883_584)]).toEqual([
      "1.2 MiB",
      "1.4 MiB",
      "2.8 MiB",
    ]);
  });
});
