#!/usr/bin/env python3
"""Records a benchmark's report in its docs/ file without losing the runs before it.

    cargo bench … | python3 tests/bench/record.py docs/bench-foo.md

Prints the report as it arrives (like `tee`), then writes the file as: the new run (stamped with
the time, UTC), then "## Earlier runs" holding the file's previous run (stamped with its own time,
or with the time of the commit that last changed the file when it has none) and every run that
was already there. A run that printed nothing leaves the file as it was.
"""

import datetime
import os
import re
import subprocess
import sys

EARLIER = "## Earlier runs"
STAMP = "_Run "
# A Markdown (ATX) heading: one to six '#', then a space or the line's end. A line like "#5 is
# open" is text, not a heading, and is left as it is.
HEADING = re.compile(r"^(#{1,6})(?=\s|$)")


def stamp_of(text, path):
    """The time a report was run, from its stamp line, else from git, else unknown."""
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    if first.startswith(STAMP):
        return first[len(STAMP):].rstrip("._ ")
    try:
        when = subprocess.run(
            ["git", "log", "-1", "--format=%cd", "--date=format-local:%Y-%m-%d %H:%M UTC", "--", path],
            capture_output=True, text=True, check=True, env={**os.environ, "TZ": "UTC"},
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        when = ""
    return when or "an earlier run"


def as_earlier(text):
    """A previous run without its stamp, its headings two levels down (under "Earlier runs")."""
    lines = text.strip().splitlines()
    if lines and lines[0].startswith(STAMP):
        lines = lines[1:]
    lines = [demoted(line) for line in lines]
    return "\n".join(lines).strip()


def demoted(line):
    """A heading two levels lower (at most six), any other line as it is."""
    m = HEADING.match(line)
    if not m:
        return line
    return "#" * min(len(m.group(1)) + 2, 6) + line[m.end():]


def main():
    path = sys.argv[1]
    new = []
    for line in sys.stdin:
        sys.stdout.write(line)
        sys.stdout.flush()
        new.append(line)
    report = "".join(new).strip()
    if not report:
        print(f"record: the benchmark printed nothing; {path} is unchanged", file=sys.stderr)
        return 1
    try:
        with open(path, encoding="utf-8") as f:
            old = f.read()
    except FileNotFoundError:
        old = ""
    current, _, earlier = old.partition(EARLIER)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = f"{STAMP}{now}._\n\n{report}\n"
    if current.strip():
        out += f"\n{EARLIER}\n\nSame method, {stamp_of(current, path)}:\n\n{as_earlier(current)}\n"
        if earlier.strip():
            out += f"\n{earlier.strip()}\n"
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(out)
    os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
