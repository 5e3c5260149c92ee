//! Benchmark: what `mcp-tray wrap` adds to a stdio server, against a direct pipe, in one run.
//!
//! Each server is measured direct and through the tap, both ways: sequential round trips (p50/p99,
//! added p50), with the requests going to each way in turn so both see the same moments of the
//! machine, and pipelined throughput (messages per second with 64 requests in flight), compared
//! round by round. Budgets (DESIGN.md): added p50 ≤ 0.05 ms, throughput ≥ 80 % of the direct pipe; a
//! verdict is printed for each server. Run with `cargo bench -p mcp-tray --bench tap_overhead`.
//!
//! The servers:
//! - a synthetic echo server, this program started with `--serve`, which answers every request in
//!   about 0.4 µs of CPU: the stress case, where the pipes' and the tap's own costs are all there
//!   is. Beside it, the floor for anything that sits in the middle: zero-work relays (this program
//!   with `--relay`: two threads copying bytes; `--relay-one-thread`: one thread polling both
//!   pipes), and the tap with no journal (its data folder cannot be created);
//! - the real servers of tests/peers, when installed: server-everything (Node.js) and the Python
//!   SDK's FastMCP, over stdio, as Claude Desktop runs them.
//!
//! On Linux the CPU each process spends per pipelined message is read from
//! `/proc/<pid>/task/*/schedstat`, to show where the time goes when client, shim and server
//! share the machine's cores.
//!
//! With `MCP_TRAY_BENCH_AWAKE=1` (Linux) the whole run happens with every CPU kept awake by a
//! spinner at `SCHED_IDLE` priority, which gives way at once to any other process. A diagnostic,
//! not the budget's measurement: on a virtual machine whose idle CPUs halt (no halt polling), a
//! wake-up that crosses to the other CPU costs tens of µs, far more than on a desktop, and each
//! process a message passes through adds such a hop. The awake run shows how much of a figure
//! is that.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

const WARMUP: usize = 500;
const ROUNDS: usize = 5_000;
const PIPELINED: usize = 100_000;
/// The same for a real server, slower by orders of magnitude: fewer messages, fewer rounds.
const REAL: Sizes = Sizes {
    warmup: 100,
    rounds: 1_000,
    pipelined: 10_000,
};
const REAL_RUNS: usize = 5;

/// How many messages one measurement sends.
#[derive(Clone, Copy)]
struct Sizes {
    warmup: usize,
    rounds: usize,
    pipelined: usize,
}

const ECHO: Sizes = Sizes {
    warmup: WARMUP,
    rounds: ROUNDS,
    pipelined: PIPELINED,
};
const IN_FLIGHT: usize = 64;
const RUNS: usize = 7;

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

/// The echo server as a relay's child, with its two pipes.
fn echo_server() -> (Child, ChildStdin, ChildStdout) {
    let me = std::env::current_exe().expect("own path");
    let mut server = Command::new(me)
        .arg("--serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server");
    let to_server = server.stdin.take().expect("stdin");
    let from_server = server.stdout.take().expect("stdout");
    (server, to_server, from_server)
}

/// The zero-work forwarder: starts the server and copies bytes both ways, nothing else.
fn relay() {
    let (mut server, mut to_server, mut from_server) = echo_server();
    let down = std::thread::spawn(move || copy(&mut std::io::stdin(), &mut to_server));
    copy(&mut from_server, &mut std::io::stdout());
    let _ = down.join();
    let _ = server.wait();
}

/// The zero-work forwarder on one thread: waits on both pipes at once (poll) and copies what is
/// ready, so a message's hop through it costs one wake-up fewer than two threads can.
#[cfg(unix)]
fn relay_one_thread() {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use std::os::fd::AsFd;
    let (mut server, mut to_server, mut from_server) = echo_server();
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut output = std::io::stdout().lock();
    let mut buf = vec![0; 64 * 1024];
    loop {
        let mut fds = [
            PollFd::new(stdin.as_fd(), PollFlags::POLLIN),
            PollFd::new(from_server.as_fd(), PollFlags::POLLIN),
        ];
        if poll(&mut fds, PollTimeout::NONE).is_err() {
            break;
        }
        let ready = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
        let (client, server_side) = (ready(&fds[0]), ready(&fds[1]));
        if client && !forward(&mut input, &mut to_server, &mut buf) {
            break;
        }
        if server_side && !forward(&mut from_server, &mut output, &mut buf) {
            break;
        }
    }
    drop(to_server);
    let _ = server.wait();
}

/// One read and one write; false at the end of either side.
#[cfg(unix)]
fn forward(from: &mut impl Read, to: &mut impl Write, buf: &mut [u8]) -> bool {
    match from.read(buf) {
        Ok(n @ 1..) => to.write_all(&buf[..n]).and_then(|()| to.flush()).is_ok(),
        _ => false,
    }
}

/// Copies with one write per read, as the tap does.
fn copy(from: &mut impl Read, to: &mut impl Write) {
    let mut buf = vec![0; 64 * 1024];
    while let Ok(n @ 1..) = from.read(&mut buf) {
        if to.write_all(&buf[..n]).and_then(|()| to.flush()).is_err() {
            return;
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

/// Warms a peer up: `n` requests, one at a time.
fn sequential(peer: &mut Peer, n: usize, base: usize) {
    let mut line = String::new();
    for i in 0..n {
        round_trip(peer, base + i, &mut line);
    }
}

/// One request, and its reply.
fn round_trip(peer: &mut Peer, id: usize, line: &mut String) {
    peer.stdin.write_all(request(id).as_bytes()).expect("write");
    peer.stdin.flush().expect("flush");
    read_reply(peer, line);
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
        read_reply(peer, &mut line);
        got += 1;
    }
    n as f64 / t.elapsed().as_secs_f64()
}

/// Reads up to the next reply, passing over notifications (a real server sends some).
fn read_reply(peer: &mut Peer, line: &mut String) {
    loop {
        line.clear();
        peer.stdout.read_line(line).expect("read");
        if line.contains("\"result\"") || line.is_empty() {
            return;
        }
    }
}

fn pct(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1000.0
}

/// The real servers from tests/peers that are installed: a label and the command line starting
/// each (server-everything on Node.js, the official Python SDK's FastMCP over stdio).
fn real_servers() -> Vec<(&'static str, Vec<std::ffi::OsString>)> {
    let peers = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../tests/peers");
    let node = peers.join("node_modules/.bin/node");
    let everything = peers.join("node_modules/.bin/mcp-server-everything");
    let python = peers.join(if cfg!(windows) {
        ".venv/Scripts/python.exe"
    } else {
        ".venv/bin/python"
    });
    let fastmcp = peers.join("fastmcp_server.py");
    let mut servers = Vec::new();
    if node.exists() && everything.exists() {
        servers.push((
            "server-everything (Node.js)",
            vec![node.into_os_string(), everything.into_os_string()],
        ));
    }
    if python.exists() {
        servers.push((
            "FastMCP (Python SDK)",
            vec![
                python.into_os_string(),
                fastmcp.into_os_string(),
                "stdio".into(),
            ],
        ));
    }
    servers
}

/// CPU time used so far by every thread of a process, in ns (Linux only).
fn cpu_ns(pid: &str) -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
    {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// This process's own CPU time, in ns (Linux only).
fn own_cpu_ns() -> Option<u64> {
    cpu_ns(&std::process::id().to_string())
}

/// The direct children of a process (Linux only).
fn children(pid: u32) -> Vec<String> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// One way to reach a server: its row label, how to start it, and whether a shim sits between.
struct Subject {
    label: String,
    command: Box<dyn Fn() -> Command>,
    shimmed: bool,
}

impl Subject {
    fn new(
        label: impl Into<String>,
        shimmed: bool,
        command: impl Fn() -> Command + 'static,
    ) -> Self {
        Self {
            label: label.into(),
            command: Box::new(command),
            shimmed,
        }
    }
}

/// What one subject gave over every round.
#[derive(Default)]
struct Results {
    /// Every sequential round trip of every round.
    times: Vec<Duration>,
    /// Pipelined messages per second, one per round.
    rates: Vec<f64>,
    /// CPU µs per pipelined message, per round: client, shim (none for the direct pipe), server.
    cpu: Vec<Option<(f64, Option<f64>, f64)>>,
}

/// Measures a group of subjects (the first is the direct pipe the others are compared with), `runs`
/// rounds. In each round all of them run at once: the sequential requests go to each in turn,
/// one at a time, so every subject's latency is sampled under the same conditions; then each
/// one's pipelined throughput, one after the other.
fn measure_group(subjects: &[Subject], sizes: Sizes, runs: usize) -> Vec<Results> {
    let mut results: Vec<Results> = subjects.iter().map(|_| Results::default()).collect();
    for _ in 0..runs {
        let mut peers: Vec<Peer> = subjects.iter().map(|s| start(&mut (s.command)())).collect();
        for peer in &mut peers {
            sequential(peer, sizes.warmup, 0);
        }
        let mut line = String::new();
        for i in 0..sizes.rounds {
            for (peer, result) in peers.iter_mut().zip(&mut results) {
                let t = Instant::now();
                round_trip(peer, sizes.warmup + i, &mut line);
                result.times.push(t.elapsed());
            }
        }
        for ((peer, subject), result) in peers.iter_mut().zip(subjects).zip(&mut results) {
            let (rate, cpu) = throughput_of(peer, subject.shimmed, sizes.pipelined);
            result.rates.push(rate);
            result.cpu.push(cpu);
        }
        for mut peer in peers {
            drop(peer.stdin);
            let _ = peer.child.wait();
        }
    }
    results
}

/// Pipelined throughput, and the CPU each process spent on it per message (Linux).
fn throughput_of(
    peer: &mut Peer,
    shimmed: bool,
    n: usize,
) -> (f64, Option<(f64, Option<f64>, f64)>) {
    let first = peer.child.id();
    // Through a shim, the server is the shim's child.
    let (shim, server) = if shimmed {
        (Some(first.to_string()), children(first).into_iter().next())
    } else {
        (None, Some(first.to_string()))
    };
    let sample = || {
        Some((
            own_cpu_ns()?,
            shim.as_deref().map(cpu_ns),
            cpu_ns(server.as_deref()?)?,
        ))
    };
    let before = sample();
    let rate = pipelined(peer, n);
    let after = sample();
    let cpu = before.zip(after).map(|((c0, s0, v0), (c1, s1, v1))| {
        let per = |a: u64, b: u64| (b - a) as f64 / 1e3 / n as f64;
        let shim = match (s0, s1) {
            (Some(Some(a)), Some(Some(b))) => Some(per(a, b)),
            _ => None,
        };
        (per(c0, c1), shim, per(v0, v1))
    });
    (rate, cpu)
}

fn median_of(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

/// The median of the per-round ratios to the direct pipe's rate, with the lowest and highest.
fn ratios(r: &Results, direct: &Results) -> (f64, f64, f64) {
    median_of(
        r.rates
            .iter()
            .zip(&direct.rates)
            .map(|(a, d)| a / d)
            .collect(),
    )
}

/// One table row.
fn row(label: &str, r: &Results, direct: &Results) {
    let mut times = r.times.clone();
    let (p50, p99) = (pct(&mut times, 0.5), pct(&mut times, 0.99));
    let (rate, _, _) = median_of(r.rates.clone());
    let (ratio, low, high) = ratios(r, direct);
    let fastest = r
        .rates
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .and_then(|(i, _)| r.cpu[i]);
    let cpu = match fastest {
        Some((client, Some(shim), server)) => format!(
            "{:.2} µs ({client:.2} + {shim:.2} + {server:.2})",
            client + shim + server
        ),
        Some((client, None, server)) => {
            format!("{:.2} µs ({client:.2} + – + {server:.2})", client + server)
        }
        None => "not measured".to_owned(),
    };
    println!(
        "| {label} | {p50:.3} ms | {p99:.3} ms | {rate:.0} msg/s | {:.0} % ({:.0}–{:.0} %) | {cpu} |",
        100.0 * ratio,
        100.0 * low,
        100.0 * high
    );
}

/// The budgets (DESIGN.md) judged for one server: added p50 (of all the interleaved round trips)
/// and the median of the per-round throughput ratios.
fn verdict(server: &str, direct: &Results, wrapped: &Results) -> String {
    let p50 = |r: &Results| pct(&mut r.times.clone(), 0.5);
    let added = p50(wrapped) - p50(direct);
    let (ratio, _, _) = ratios(wrapped, direct);
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    format!(
        "{server}: added p50 {added:.3} ms (budget <= 0.05 ms: {}); throughput {:.0} % of direct, median of {} rounds (budget >= 80 %: {})",
        met(added <= 0.05),
        100.0 * ratio,
        wrapped.rates.len(),
        met(ratio >= 0.8)
    )
}

/// Spins at `SCHED_IDLE` priority on one CPU until its parent (the benchmark) is gone.
#[cfg(target_os = "linux")]
fn spin(cpu: usize) {
    // SAFETY: plain libc calls on this process, with initialised arguments.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
        let param = libc::sched_param { sched_priority: 0 };
        if libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) != 0 {
            return;
        }
    }
    let parent = std::os::unix::process::parent_id();
    loop {
        for _ in 0..10_000_000 {
            std::hint::spin_loop();
        }
        if std::os::unix::process::parent_id() != parent {
            return;
        }
    }
}

/// Keeps every CPU awake while it lives (see the module's note on `MCP_TRAY_BENCH_AWAKE`).
struct Awake(Vec<Child>);

impl Awake {
    fn start() -> Option<Awake> {
        if !cfg!(target_os = "linux") || std::env::var_os("MCP_TRAY_BENCH_AWAKE").is_none() {
            return None;
        }
        let me = std::env::current_exe().expect("own path");
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let spinners = (0..cpus)
            .filter_map(|cpu| {
                Command::new(&me)
                    .args(["--spin", &cpu.to_string()])
                    .spawn()
                    .ok()
            })
            .collect();
        Some(Awake(spinners))
    }
}

impl Drop for Awake {
    fn drop(&mut self) {
        for spinner in &mut self.0 {
            let _ = spinner.kill();
            let _ = spinner.wait();
        }
    }
}

fn main() {
    if std::env::args().any(|a| a == "--serve") {
        serve();
        return;
    }
    #[cfg(target_os = "linux")]
    if let Some(cpu) = std::env::args()
        .skip_while(|a| a != "--spin")
        .nth(1)
        .and_then(|n| n.parse().ok())
    {
        spin(cpu);
        return;
    }
    if std::env::args().any(|a| a == "--relay") {
        relay();
        return;
    }
    #[cfg(unix)]
    if std::env::args().any(|a| a == "--relay-one-thread") {
        relay_one_thread();
        return;
    }
    let me = std::env::current_exe().expect("own path");
    let tap = env!("CARGO_BIN_EXE_mcp-tray");
    let home = tempfile::tempdir().expect("temp dir");
    // A data folder that cannot be created (a file is in the way): the tap runs without journal.
    let blocked = home.path().join("not-a-folder");
    std::fs::write(&blocked, b"").expect("a file");
    let wrap = {
        let me = me.clone();
        move |home: std::path::PathBuf| {
            let me = me.clone();
            move || {
                let mut c = Command::new(tap);
                c.args(["wrap", "--name", "bench", "--"])
                    .arg(&me)
                    .arg("--serve")
                    .env("MCP_TRAY_HOME", &home);
                c
            }
        }
    };
    let own = |arg: &'static str| {
        let me = me.clone();
        move || {
            let mut c = Command::new(&me);
            c.arg(arg);
            c
        }
    };
    let mut synthetic = vec![
        Subject::new(
            "**synthetic echo server** (answers in about 0.4 µs), direct pipe",
            false,
            own("--serve"),
        ),
        Subject::new(
            "zero-work relay, two threads (the floor: copies bytes, no parsing, no journal)",
            true,
            own("--relay"),
        ),
    ];
    if cfg!(unix) {
        synthetic.push(Subject::new(
            "zero-work relay, one thread waiting on both pipes (poll)",
            true,
            own("--relay-one-thread"),
        ));
    }
    synthetic.push(Subject::new(
        "through `mcp-tray wrap` (journaling every message)",
        true,
        wrap(home.path().to_owned()),
    ));
    synthetic.push(Subject::new(
        "through `mcp-tray wrap`, journal off (its folder cannot be created)",
        true,
        wrap(blocked.clone()),
    ));
    let awake = Awake::start();
    let results = measure_group(&synthetic, ECHO, RUNS);
    // The machine's load: other processes share the cores with client, shim and server.
    let load = std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "not read".to_owned(),
        |l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    );
    println!(
        "tap overhead: {RUNS} rounds; in each, {ROUNDS} sequential requests to every subject in turn (interleaved), then {PIPELINED} pipelined ({IN_FLIGHT} in flight) to each; {} CPUs, load average after the synthetic rounds {load}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    if let Some(awake) = &awake {
        println!();
        println!(
            "**Diagnostic run: every CPU kept awake** by a spinner at SCHED_IDLE priority ({} started), so no wake-up waits for a halted CPU. Not the budget's measurement (that is the run without it).",
            awake.0.len()
        );
    }
    println!();
    println!(
        "| | p50 (all rounds) | p99 (all rounds) | pipelined throughput (median) | of the same round's direct pipe: median (range) | CPU per pipelined message, fastest round (client + shim + server) |"
    );
    println!("|---|---|---|---|---|---|");
    for (subject, r) in synthetic.iter().zip(&results) {
        row(&subject.label, r, &results[0]);
    }
    let wrapped = &results[synthetic.len() - 2];
    let mut verdicts = vec![verdict("synthetic echo", &results[0], wrapped)];
    verdicts[0].push_str(&format!(
        "; the two-thread zero-work relay: {:.0} %",
        100.0 * ratios(&results[1], &results[0]).0
    ));
    if synthetic.len() == 5 {
        verdicts[0].push_str(&format!(
            ", the one-thread one: {:.0} %",
            100.0 * ratios(&results[2], &results[0]).0
        ));
    }
    // Real MCP servers from tests/peers, direct and through the tap.
    for (label, argv) in real_servers() {
        let direct_argv = argv.clone();
        let home = home.path().to_owned();
        let group = [
            Subject::new(
                format!(
                    "**{label}**, direct pipe ({} rounds of {} sequential, {} pipelined)",
                    REAL_RUNS, REAL.rounds, REAL.pipelined
                ),
                false,
                move || {
                    let mut c = Command::new(&direct_argv[0]);
                    c.args(&direct_argv[1..]);
                    c
                },
            ),
            Subject::new(
                "through `mcp-tray wrap` (journaling every message)",
                true,
                move || {
                    let mut c = Command::new(tap);
                    c.args(["wrap", "--name", "real", "--"])
                        .args(&argv)
                        .env("MCP_TRAY_HOME", &home);
                    c
                },
            ),
        ];
        let results = measure_group(&group, REAL, REAL_RUNS);
        for (subject, r) in group.iter().zip(&results) {
            row(&subject.label, r, &results[0]);
        }
        verdicts.push(verdict(label, &results[0], &results[1]));
    }
    // The live file and the rotated ones (`bench.1.jsonl`, …).
    let journal: u64 = std::fs::read_dir(home.path().join("journal"))
        .map(|dir| {
            dir.flatten()
                .filter_map(|f| f.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    println!();
    for v in verdicts {
        println!("- {v}");
    }
    println!(
        "- journal on disk at the end: {} KiB (it rotates at 8 MiB and keeps 3 per server)",
        journal / 1024
    );
    drop(awake);
}
