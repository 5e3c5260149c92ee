#!/usr/bin/env python3
"""Regenerates every icon in icons/ from the SVGs here, with the Tauri CLI's renderer.

App icon: icons/src/app-icon.svg -> icons/{32x32,128x128,128x128@2x,icon}.png, icon.ico, icon.icns.
Tray: a two-server glyph with a status dot, per status (ok, degraded, failing) and panel colour
(light panel: dark glyph; dark panel: light glyph) -> icons/tray/<status>-<panel>.png (64 px).
Run from the repo root:  python3 icons/src/make-icons.py
"""
import pathlib
import shutil
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The Tauri CLI, pinned like the tauri crate (not in ui/'s lock: the registry lacks some of its
# per-platform packages, which would break `npm ci`).
TAURI = ["npx", "--yes", "@tauri-apps/cli@2.12.5"]
STATUS = {"ok": "#2f9e5f", "degraded": "#e8a317", "failing": "#e5484d"}
GLYPH = {"light": "#24292f", "dark": "#f2f4f7"}

TRAY = """<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <defs>
    <mask id="cut">
      <rect width="64" height="64" fill="#fff"/>
      <circle cx="49" cy="49" r="15" fill="#000"/>
    </mask>
  </defs>
  <g mask="url(#cut)">
    <g fill="none" stroke="{glyph}" stroke-width="4.5" stroke-linejoin="round">
      <rect x="5" y="9" width="50" height="19" rx="5.5"/>
      <rect x="5" y="35" width="50" height="19" rx="5.5"/>
    </g>
    <g fill="{glyph}">
      <circle cx="15" cy="18.5" r="3.4"/>
      <circle cx="15" cy="44.5" r="3.4"/>
      <rect x="24" y="16.5" width="22" height="4" rx="2"/>
    </g>
  </g>
  <circle cx="49" cy="49" r="11" fill="{status}"/>
</svg>
"""


def render(svg: pathlib.Path, out: pathlib.Path, *png_sizes: int) -> None:
    args = [*TAURI, "icon", str(svg), "-o", str(out)]
    for size in png_sizes:
        args += ["--png", str(size)]
    subprocess.run(args, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def main() -> None:
    icons = ROOT / "icons"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        render(icons / "src" / "app-icon.svg", tmp / "app")
        for name in ["32x32.png", "128x128.png", "128x128@2x.png", "icon.png", "icon.ico", "icon.icns"]:
            shutil.copy(tmp / "app" / name, icons / name)
        for status, colour in STATUS.items():
            for panel, glyph in GLYPH.items():
                svg = tmp / f"{status}-{panel}.svg"
                svg.write_text(TRAY.format(glyph=glyph, status=colour))
                render(svg, tmp / svg.stem, 64)
                shutil.copy(tmp / svg.stem / "64x64.png", icons / "tray" / f"{status}-{panel}.png")


if __name__ == "__main__":
    main()
