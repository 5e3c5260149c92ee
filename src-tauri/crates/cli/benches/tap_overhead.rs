//! Benchmark: what `mcp-tray wrap` adds to a stdio server, against a direct pipe, in one run.
//!
//! The server is this program itself started with `--serve`: a minimal stdio JSON-RPC server that
//! answers every request at once, so the figures are the pipes' and the tap's, not a server's.
//! Measured both ways: sequential round trips (p50/p99, added p50) and pipelined throughput
//! (messages per second with 64 requests in flight). Budgets (DESIGN.md): added p50 ≤ 0.05 ms,
//! throughput ≥ 80 % of the direct pipe. Run with `cargo bench -p mcp-tray --bench tap_overhead`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

const WARMUP: usize = 500;
const ROUNDS: usize = 5_000;
const PIPELINED: usize = 50_000;
const IN_FLIGHT: usize = 64;

fn serve() {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut line = String::new();
    let mut reader = std::io::BufReader::new(stdin.lock());
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        // {"jsonrpc":"2.0","id":N,"method":"ping"} → {"jsonrpc":"2.0","id":N,"result":{}}
        let Some(start) = line.find("\"id\":") else {
            continue;
        };
        let rest = &line[start + 5..];
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        let _ = writeln!(
            out,
            "{{\"jsonrpc\":\"2.0\",\"id\":{},\"result\":{{}}}}",
            &rest[..end]
        );
        if reader.buffer().is_empty() {
            let _ = out.flush();
        }
    }
}

struct Peer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

fn start(cmd: &mut Command) -> Peer {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let stdin = child.stdin.take().expect("stdin");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    Peer {
        child,
        stdin,
        stdout,
    }
}

fn request(id: usize) -> String {
    format!("{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"ping\"}}\n")
}

fn sequential(peer: &mut Peer, n: usize, base: usize) -> Vec<Duration> {
    let mut times = Vec::with_capacity(n);
    let mut line = String::new();
    for i in 0..n {
        let t = Instant::now();
        peer.stdin
            .write_all(request(base + i).as_bytes())
            .expect("write");
        peer.stdin.flush().expect("flush");
        line.clear();
        peer.stdout.read_line(&mut line).expect("read");
        times.push(t.elapsed());
    }
    times
}

fn pipelined(peer: &mut Peer, n: usize) -> f64 {
    let t = Instant::now();
    let mut sent = 0;
    let mut got = 0;
    let mut line = String::new();
    while got < n {
        let mut batch = String::new();
        while sent < n && sent - got < IN_FLIGHT {
            batch.push_str(&request(1_000_000 + sent));
            sent += 1;
        }
        if !batch.is_empty() {
            peer.stdin.write_all(batch.as_bytes()).expect("write");
            peer.stdin.flush().expect("flush");
        }
        line.clear();
        peer.stdout.read_line(&mut line).expect("read");
        got += 1;
    }
    n as f64 / t.elapsed().as_secs_f64()
}

fn pct(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1000.0
}

struct Result {
    p50: f64,
    p99: f64,
    rate: f64,
}

fn measure(mut peer: Peer) -> Result {
    sequential(&mut peer, WARMUP, 0);
    let mut times = sequential(&mut peer, ROUNDS, WARMUP);
    let rate = pipelined(&mut peer, PIPELINED);
    drop(peer.stdin);
    let _ = peer.child.wait();
    Result {
        p50: pct(&mut times, 0.5),
        p99: pct(&mut times, 0.99),
        rate,
    }
}

fn main() {
    if std::env::args().any(|a| a == "--serve") {
        serve();
        return;
    }
    let me = std::env::current_exe().expect("own path");
    let tap = env!("CARGO_BIN_EXE_mcp-tray");
    let home = tempfile::tempdir().expect("temp dir");
    // Alternate the two, three times each, and keep each one's best run: the machine's noise
    // (other processes) hits both alike.
    let mut direct = Vec::new();
    let mut wrapped = Vec::new();
    for _ in 0..3 {
        direct.push(measure(start(Command::new(&me).arg("--serve"))));
        wrapped.push(measure(start(
            Command::new(tap)
                .args(["wrap", "--name", "bench", "--"])
                .arg(&me)
                .arg("--serve")
                .env("MCP_TRAY_HOME", home.path()),
        )));
    }
    let best = |v: &[Result]| -> (f64, f64, f64) {
        let p50 = v.iter().map(|r| r.p50).fold(f64::MAX, f64::min);
        let p99 = v.iter().map(|r| r.p99).fold(f64::MAX, f64::min);
        let rate = v.iter().map(|r| r.rate).fold(0.0, f64::max);
        (p50, p99, rate)
    };
    let (d50, d99, drate) = best(&direct);
    let (w50, w99, wrate) = best(&wrapped);
    let journal =
        std::fs::metadata(home.path().join("journal").join("bench.jsonl")).map_or(0, |m| m.len());
    println!(
        "tap overhead: {ROUNDS} sequential requests, {PIPELINED} pipelined ({IN_FLIGHT} in flight), best of 3 alternating runs"
    );
    println!();
    println!("| | p50 | p99 | pipelined throughput |");
    println!("|---|---|---|---|");
    println!("| direct pipe | {d50:.3} ms | {d99:.3} ms | {drate:.0} msg/s |");
    println!(
        "| through `mcp-tray wrap` (journaling every message) | {w50:.3} ms | {w99:.3} ms | {wrate:.0} msg/s |"
    );
    println!();
    println!(
        "added p50: {:.3} ms (budget <= 0.05 ms: {}); throughput: {:.0} % of direct (budget >= 80 %: {}); journal written: {} KiB",
        w50 - d50,
        if w50 - d50 <= 0.05 { "met" } else { "NOT met" },
        100.0 * wrate / drate,
        if wrate / drate >= 0.8 {
            "met"
        } else {
            "NOT met"
        },
        journal / 1024
    );
}
