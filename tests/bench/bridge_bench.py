#!/usr/bin/env python3
"""Benchmark: `mcp-tray bridge` against `mcp-remote@0.15.1` on the same local server, in one run.

Usage: tests/bench/bridge_bench.py [--out docs/bench-bridge.md | --out -] [--calls N] [--starts N]

Both bridges sit between this script (a stdio client) and one server-everything
(Streamable HTTP) on a loopback port. Measured for each:
  - spawn -> initialize response: from process start to the initialize reply on stdout (median);
  - tools/call latency p50 / p99, one request at a time;
  - pipelined throughput: N requests written at once, replies/s until the last one;
  - peak RSS of the process tree (sampled every 5 ms, and each process's VmHWM at the end).
The floor is a direct HTTP client (this script, a lean keep-alive socket) doing the same calls;
"added p50" compares each subject with direct calls interleaved one by one with its own.
Needs: tests/peers installed (tests/peers/install.sh) and a release build of mcp-tray
(`cargo build --release -p mcp-tray`; MCP_TRAY_BIN overrides the path). Linux only (/proc).
"""

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PEERS = ROOT / "tests" / "peers"
NODE = PEERS / "node_modules" / ".bin" / "node"
EVERYTHING = PEERS / "node_modules" / ".bin" / "mcp-server-everything"
MCP_REMOTE = PEERS / "node_modules" / "mcp-remote" / "dist" / "proxy.js"
BRIDGE = Path(os.environ.get("MCP_TRAY_BIN", ROOT / "target" / "release" / "mcp-tray"))

INIT_PARAMS = {
    "protocolVersion": "2025-06-18",
    "capabilities": {},
    "clientInfo": {"name": "bench", "version": "1"},
}
CALL_PARAMS = {"name": "get-sum", "arguments": {"a": 2, "b": 3}}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, within=20.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"bench: nothing listens on port {port}")


def msg(id_, method, params=None):
    m = {"jsonrpc": "2.0", "id": id_, "method": method}
    if params is not None:
        m["params"] = params
    return (json.dumps(m) + "\n").encode()


INITIALIZED = b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n'


# ------------------------------------------------------------------ memory of a process tree


def children(pid):
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids.extend(int(c) for c in f.read().split())
    except OSError:
        pass
    return kids


def tree(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children(p))
    return out


def status_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler(threading.Thread):
    """Samples the summed RSS of a process tree; remembers the peak and every pid seen."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.pids, self.stop = pid, 0, set(), threading.Event()

    def run(self):
        while not self.stop.is_set():
            pids = tree(self.pid)
            self.pids.update(pids)
            self.peak_kib = max(self.peak_kib, sum(status_kib(p, "VmRSS") for p in pids))
            time.sleep(0.005)

    def finish(self):
        """Call while the processes are still alive: folds in each one's own peak (VmHWM)."""
        hwm = sum(status_kib(p, "VmHWM") for p in tree(self.pid))
        self.stop.set()
        self.join()
        return max(self.peak_kib, hwm)


# ------------------------------------------------------------------ a stdio client


class Stdio:
    def __init__(self, argv, env):
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
        )
        self.out = self.proc.stdout
        self.watchdog = threading.Timer(300, self.proc.kill)
        self.watchdog.daemon = True
        self.watchdog.start()

    def send(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def reply(self, id_):
        while True:
            line = self.out.readline()
            if not line:
                sys.exit(f"bench: {self.proc.args[0]} closed stdout before replying to {id_}")
            m = json.loads(line)
            if "method" not in m and m.get("id") == id_:
                if "error" in m:
                    sys.exit(f"bench: error reply: {m['error']}")
                return m

    def close(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.watchdog.cancel()


def cold_start(argv, env, starts):
    times = []
    for _ in range(starts):
        c = Stdio(argv, env)
        c.send(msg(0, "initialize", INIT_PARAMS))
        c.reply(0)
        times.append((time.perf_counter() - c.t0) * 1000)
        c.close()
    return statistics.median(times)


def stdio_run(argv, env, calls, pipelined, port):
    """Returns (latencies, paired floor latencies, throughput, peak KiB). Every call through the
    subject is followed by the same call from the direct client, so both see the same load."""
    floor = Direct(port)
    init = floor.post(msg(0, "initialize", INIT_PARAMS))
    floor.version = init["result"]["protocolVersion"]
    floor.post(INITIALIZED)
    floor.drain()
    c = Stdio(argv, env)
    sampler = RssSampler(c.proc.pid)
    sampler.start()
    c.send(msg(0, "initialize", INIT_PARAMS))
    c.reply(0)
    c.send(INITIALIZED)
    for i in range(1, 51):  # warm up connections and caches
        c.send(msg(i, "tools/call", CALL_PARAMS))
        c.reply(i)
    lat, paired = [], []
    for i in range(100, 100 + calls):
        t = time.perf_counter()
        c.send(msg(i, "tools/call", CALL_PARAMS))
        c.reply(i)
        lat.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        floor.post(msg(i, "tools/call", CALL_PARAMS))
        paired.append((time.perf_counter() - t) * 1000)
        floor.drain()
    base = 100_000
    batch = b"".join(msg(base + i, "tools/call", CALL_PARAMS) for i in range(pipelined))
    t = time.perf_counter()
    writer = threading.Thread(target=c.send, args=(batch,))
    writer.start()
    seen = 0
    while seen < pipelined:
        line = c.out.readline()
        if not line:
            sys.exit("bench: stdout closed during the pipelined run")
        m = json.loads(line)
        if "method" not in m and isinstance(m.get("id"), int) and m["id"] >= base:
            seen += 1
    throughput = pipelined / (time.perf_counter() - t)
    writer.join()
    peak_kib = sampler.finish()
    c.close()
    return lat, paired, throughput, peak_kib


# ------------------------------------------------------------------ the floor: direct HTTP


class Direct:
    """A lean keep-alive HTTP/1.1 client on a raw socket: the least a client can do per call."""

    def __init__(self, port, session=None):
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.session = session
        self.version = None

    def _read_until(self, marker):
        while marker not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                sys.exit("bench: the server closed the connection")
            self.buf += chunk
        i = self.buf.index(marker) + len(marker)
        head, self.buf = self.buf[:i], self.buf[i:]
        return head

    def _read_n(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                sys.exit("bench: the server closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    open_chunks = False

    def _next_chunk(self, sink):
        size = int(self._read_until(b"\r\n").strip(), 16)
        chunk = self._read_n(size + 2)[:-2]
        if size == 0:
            self.open_chunks = False
        sink.append(chunk)
        return size

    def drain(self):
        while self.open_chunks:
            self._next_chunk([])

    def post(self, body):
        self.drain()
        extra = ""
        if self.session:
            extra += f"mcp-session-id: {self.session}\r\n"
        if self.version:
            extra += f"mcp-protocol-version: {self.version}\r\n"
        req = (
            f"POST /mcp HTTP/1.1\r\nhost: 127.0.0.1:{self.port}\r\n"
            "content-type: application/json\r\naccept: application/json, text/event-stream\r\n"
            f"{extra}content-length: {len(body)}\r\n\r\n"
        ).encode() + body
        self.sock.sendall(req)
        head = self._read_until(b"\r\n\r\n").decode("latin-1").lower()
        status = int(head.split()[1])
        headers = dict(
            line.split(": ", 1) for line in head.split("\r\n")[1:] if ": " in line
        )
        if "mcp-session-id" in headers:
            self.session = headers["mcp-session-id"].strip()
        if "content-length" in headers:
            data = self._read_n(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").strip() == "chunked":
            # Stop at the first complete event carrying data, as a streaming client does; the
            # rest of the stream is drained later, outside the timed part.
            data = b""
            self.open_chunks = True
            while not (b"data: {" in data and data.endswith(b"\n\n")):
                if self._next_chunk(data_sink := []) == 0:
                    break
                data += data_sink[0]
        else:
            data = b""
        if status == 202 or not data:
            return None
        text = data.decode()
        if "data:" in text and not text.lstrip().startswith("{"):
            for line in text.splitlines():
                if line.startswith("data:") and line[5:].strip():
                    return json.loads(line[5:])
            return None
        return json.loads(text)


def direct_run(port, calls, pipelined):
    d = Direct(port)
    init = d.post(msg(0, "initialize", INIT_PARAMS))
    d.version = init["result"]["protocolVersion"]
    d.post(INITIALIZED)
    for i in range(1, 51):
        d.post(msg(i, "tools/call", CALL_PARAMS))
    lat = []
    for i in range(100, 100 + calls):
        t = time.perf_counter()
        d.post(msg(i, "tools/call", CALL_PARAMS))
        lat.append((time.perf_counter() - t) * 1000)
        d.drain()
    workers, per = 16, pipelined // 16

    def worker(n):
        w = Direct(port, d.session)
        w.version = d.version
        for i in range(per):
            w.post(msg(200_000 + n * per + i, "tools/call", CALL_PARAMS))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    throughput = workers * per / (time.perf_counter() - t)
    return lat, throughput


# ------------------------------------------------------------------ report


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "docs" / "bench-bridge.md"))
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--pipelined", type=int, default=2000)
    ap.add_argument("--starts", type=int, default=15)
    args = ap.parse_args()
    for need in (NODE, EVERYTHING, MCP_REMOTE):
        if not need.exists():
            sys.exit(f"bench: {need} missing; run tests/peers/install.sh")
    if not BRIDGE.exists():
        sys.exit(f"bench: {BRIDGE} missing; run cargo build --release -p mcp-tray")

    port = free_port()
    server = subprocess.Popen(
        [str(NODE), str(EVERYTHING), "streamableHttp"],
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    home = tempfile.mkdtemp(prefix="mcp-tray-bench-")
    try:
        wait_port(port)
        url = f"http://127.0.0.1:{port}/mcp"
        env = {**os.environ, "MCP_TRAY_HOME": home, "MCP_REMOTE_CONFIG_DIR": home}
        subjects = {
            "mcp-tray bridge": [str(BRIDGE), "bridge", url, "--name", "bench"],
            "mcp-remote 0.15.1": [str(NODE), str(MCP_REMOTE), url, "--allow-http", "--transport", "http-only"],
        }
        results = {}
        direct_run(port, 500, 160)  # warm the server's JIT before anything is measured
        floor_lat, floor_tp = direct_run(port, args.calls, args.pipelined)
        for name, argv in subjects.items():
            print(f"bench: {name} …", file=sys.stderr)
            start_ms = cold_start(argv, env, args.starts)
            lat, paired, tp, peak = stdio_run(argv, env, args.calls, args.pipelined, port)
            results[name] = {
                "start_ms": start_ms,
                "added": pct(lat, 50) - pct(paired, 50),
                "p50": pct(lat, 50),
                "p99": pct(lat, 99),
                "throughput": tp,
                "peak_mib": peak / 1024,
            }
        # The floor again after both subjects; the faster run is the floor.
        again_lat, again_tp = direct_run(port, args.calls, args.pipelined)
        if pct(again_lat, 50) < pct(floor_lat, 50):
            floor_lat = again_lat
        floor_tp = max(floor_tp, again_tp)
    finally:
        server.kill()
        server.wait()

    floor_p50, floor_p99 = pct(floor_lat, 50), pct(floor_lat, 99)
    b, r = results["mcp-tray bridge"], results["mcp-remote 0.15.1"]
    # Each subject against the direct calls interleaved with its own.
    added_b, added_r = b["added"], r["added"]

    def ratio(x, y):
        return f"{x / y:.2f}" if y > 0 else "–"

    rows = [
        ("spawn → initialize response (median)", "–", f"{b['start_ms']:.1f} ms", f"{r['start_ms']:.1f} ms",
         ratio(b["start_ms"], r["start_ms"]), "≤ 0.10"),
        ("tools/call p50", f"{floor_p50:.3f} ms", f"{b['p50']:.3f} ms", f"{r['p50']:.3f} ms",
         ratio(b["p50"], r["p50"]), ""),
        ("tools/call p99", f"{floor_p99:.3f} ms", f"{b['p99']:.3f} ms", f"{r['p99']:.3f} ms",
         ratio(b["p99"], r["p99"]), ""),
        ("added p50 (vs direct calls interleaved with its own)", "0", f"{added_b:.3f} ms", f"{added_r:.3f} ms",
         ratio(added_b, added_r), "≤ 0.50"),
        ("pipelined throughput", f"{floor_tp:,.0f}/s (16 conns)", f"{b['throughput']:,.0f}/s",
         f"{r['throughput']:,.0f}/s", ratio(b["throughput"], r["throughput"]), ""),
        ("peak RSS, process tree", "–", f"{b['peak_mib']:.1f} MiB", f"{r['peak_mib']:.1f} MiB",
         ratio(b["peak_mib"], r["peak_mib"]), "≤ 0.20"),
    ]
    head = "| | floor (direct HTTP) | mcp-tray bridge | mcp-remote 0.15.1 | bridge ÷ mcp-remote | budget |"
    lines = [head, "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    cpu = os.cpu_count()
    note = (
        f"server-everything 2026.8.31 (Streamable HTTP) on loopback; {args.calls} sequential calls, "
        f"{args.pipelined} pipelined, {args.starts} cold starts; {platform.system()} {platform.machine()}, "
        f"{cpu} CPUs, load average {os.getloadavg()[0]:.1f} at the end; {time.strftime('%Y-%m-%d')}."
    )
    report = "\n".join(lines) + "\n\n" + note + "\n"
    to_stdout = args.out == "-"
    if not to_stdout:
        print(report)
    checks = {
        "cold start ≤ 1/10 of mcp-remote": b["start_ms"] <= r["start_ms"] / 10,
        "memory ≤ 1/5 of mcp-remote": b["peak_mib"] <= r["peak_mib"] / 5,
        "added p50 ≤ 1/2 of mcp-remote's": added_b <= max(added_r, 0) / 2,
        "spawn → initialize ≤ 25 ms (DESIGN.md)": b["start_ms"] <= 25,
        "peak memory ≤ 12 MiB (DESIGN.md)": b["peak_mib"] <= 12,
        "added p50 ≤ 0.2 ms on loopback (DESIGN.md)": added_b <= 0.2,
    }
    for what, ok in checks.items():
        print(f"{'PASS' if ok else 'MISS'}  {what}", file=sys.stderr)
    verdicts = "\n".join(f"- {'PASS' if ok else 'MISS'}: {what}" for what, ok in checks.items())
    doc = (
        "Bridge benchmark, produced by `make bench-bridge` (tests/bench/bridge_bench.py).\n\n"
        + report
        + "\n"
        + verdicts
        + "\n"
    )
    if to_stdout:
        print(doc, end="")
        return
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(doc)
    print(f"bench: report written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
