//! Shared by the whole-system tests: where the pinned peers are (tests/peers), and skipping
//! without them, which fails instead when `MCP_TRAY_REQUIRE_PEERS=1` (the test command sets it),
//! so CI cannot pass by skipping.

#![allow(dead_code)] // each test crate uses its own part of this module

use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_mcp-tray");

pub struct Peers {
    pub dir: PathBuf,
}

impl Peers {
    pub fn python(&self) -> PathBuf {
        self.dir.join(".venv/bin/python")
    }
    /// The Python SDK 2.x, which speaks the stateless revision (2026-07-28): `modern/`.
    pub fn modern_python(&self) -> PathBuf {
        self.dir.join("modern/.venv/bin/python")
    }
    pub fn node(&self) -> PathBuf {
        self.dir.join("node_modules/.bin/node")
    }
    pub fn script(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
    pub fn npm_bin(&self, name: &str) -> PathBuf {
        self.dir.join("node_modules/.bin").join(name)
    }

    /// Runs the MCP TypeScript SDK's client script `script` (tests/peers) with `args`, MCP Tray's
    /// data in `home`, and returns the one JSON line it prints.
    pub fn sdk_client(
        &self,
        script: &str,
        args: &[&std::ffi::OsStr],
        home: &Path,
    ) -> serde_json::Value {
        let out = std::process::Command::new(self.node())
            .arg(self.script(script))
            .args(args)
            .env("MCP_TRAY_HOME", home)
            .output()
            .expect("run the SDK's client");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(stdout.trim()).expect("the client's line")
    }
}

/// The installed peers, or `None` (after saying why) when they are missing.
pub fn peers() -> Option<Peers> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../tests/peers");
    let dir = dir.canonicalize().unwrap_or(dir);
    let peers = Peers { dir };
    let installed = peers.python().exists()
        && peers.modern_python().exists()
        && peers.node().exists()
        && peers
            .dir
            .join("node_modules/@modelcontextprotocol/server-everything")
            .exists();
    if installed {
        return Some(peers);
    }
    let msg = format!(
        "test peers are not installed in {}; run tests/peers/install.sh",
        peers.dir.display()
    );
    if std::env::var("MCP_TRAY_REQUIRE_PEERS").as_deref() == Ok("1") {
        panic!("{msg} (MCP_TRAY_REQUIRE_PEERS=1)");
    }
    eprintln!("SKIPPED: {msg}");
    None
}

#[macro_export]
macro_rules! require_peers {
    () => {
        match common::peers() {
            Some(p) => p,
            None => return,
        }
    };
}

/// A loopback port where connecting is refused, and stays refused while the returned socket
/// lives: the socket holds the port bound but never listens, so no server another test starts
/// meanwhile can take it (a port bound and released could be).
pub fn refused_port() -> (tokio::net::TcpSocket, u16) {
    let socket = tokio::net::TcpSocket::new_v4().expect("a TCP socket");
    socket
        .bind(([127, 0, 0, 1], 0).into())
        .expect("bind a loopback port");
    let port = socket.local_addr().expect("its address").port();
    (socket, port)
}

/// The requests `tests/peers/refusing_server.py` on `port` was sent (`GET /authorize`…).
pub fn refusing_server_asked(port: u16) -> Vec<String> {
    use std::io::{Read as _, Write as _};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        s,
        "GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read");
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    serde_json::from_str(body).expect("stats JSON")
}

/// FastMCP over TLS (`fastmcp_server.py streamable-https`) with a self-signed certificate for
/// 127.0.0.1, stopped when dropped.
pub struct TlsServer {
    child: std::process::Child,
    /// Holds `cert.pem` and `key.pem`.
    pub dir: tempfile::TempDir,
    pub cert: PathBuf,
    pub url: String,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A self-signed certificate for 127.0.0.1 and its key, as `cert.pem` and `key.pem` in a new
/// folder. `leaf`: a certificate marked CA:FALSE, which `--ca-cert` makes trusted; otherwise
/// `openssl req -x509`'s default, a CA certificate no `--ca-cert` makes usable.
pub fn self_signed(leaf: bool) -> (tempfile::TempDir, PathBuf, PathBuf) {
    use std::process::Command;
    let dir = tempfile::tempdir().expect("tmp");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let mut openssl = Command::new("openssl");
    openssl
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ]);
    if leaf {
        openssl.args(["-addext", "basicConstraints=critical,CA:FALSE"]);
    }
    let made = openssl
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl makes a self-signed certificate");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    (dir, cert, key)
}

/// Starts a [`TlsServer`] with a [`self_signed`] certificate (`leaf` as there).
pub fn fastmcp_over_tls(p: &Peers, leaf: bool) -> TlsServer {
    use std::process::{Command, Stdio};
    let (dir, cert, key) = self_signed(leaf);
    let start = |port: u16| {
        Command::new(p.python())
            .arg(p.script("fastmcp_server.py"))
            .args(["streamable-https", &port.to_string()])
            .arg(&cert)
            .arg(&key)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start FastMCP over TLS")
    };
    let (child, port) = serve_on_free_port("FastMCP over TLS", start, Duration::from_secs(20));
    TlsServer {
        child,
        dir,
        cert,
        url: format!("https://127.0.0.1:{port}/mcp"),
    }
}

// ---------------------------------------------------------------------------------------------
// Loopback ports for the servers the tests start
// ---------------------------------------------------------------------------------------------

/// A free loopback port for a server a test starts, outside the kernel's ephemeral range.
///
/// A port the kernel hands out (`bind 127.0.0.1:0`) is from the ephemeral range, the range
/// outgoing connections take their own ports from: between its release and the server's bind, a
/// connection of a test running beside this one may take it (seen in CI). Connections never take
/// a port below that range, so only another test picking the same port at the same moment can;
/// [`serve_on_free_port`] then starts the server again on another. Where the range is unknown
/// (not Linux), this falls back to the kernel's choice.
pub fn free_port() -> u16 {
    if let Some(range) = ports_below_ephemeral() {
        for _ in 0..100 {
            let port = range.start + (random() % u64::from(range.end - range.start)) as u16;
            // Bound for a moment, to pass over a port something already has.
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
                return port;
            }
        }
    }
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// The ports from 20000 (clear of the ports well-known services use) up to the kernel's
/// ephemeral range, or from 1025 when that range starts lower; `None` when the range cannot be
/// read or leaves too few ports below it.
fn ports_below_ephemeral() -> Option<std::ops::Range<u16>> {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let low: u16 = range.split_whitespace().next()?.parse().ok()?;
    let start = if low >= 21_000 { 20_000 } else { 1_025 };
    (low >= start + 1_000).then_some(start..low)
}

/// A number that differs between calls and between the processes nextest runs side by side:
/// std's randomly keyed hasher over the process id, the time and a counter.
fn random() -> u64 {
    use std::hash::BuildHasher as _;
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    std::collections::hash_map::RandomState::new().hash_one((
        std::process::id(),
        nanos,
        CALLS.fetch_add(1, Ordering::Relaxed),
    ))
}

/// Starts a server with `start(port)` on a [`free_port`] and waits until it listens there: the
/// server and its port. See [`serve_on_free_ports`].
pub fn serve_on_free_port(
    what: &str,
    mut start: impl FnMut(u16) -> Child,
    within: Duration,
) -> (Child, u16) {
    let (child, [port]) = serve_on_free_ports(what, |[port]| start(port), within);
    (child, port)
}

/// Starts a server with `start(ports)` on `N` distinct [`free_port`]s and waits until it listens
/// on all of them; when it exits first (another test took one of its ports between the pick and
/// its bind), starts it again on other ports, up to 5 times. Panics naming `what` when it does
/// neither within `within`.
pub fn serve_on_free_ports<const N: usize>(
    what: &str,
    mut start: impl FnMut([u16; N]) -> Child,
    within: Duration,
) -> (Child, [u16; N]) {
    const TRIES: usize = 5;
    for _ in 0..TRIES {
        let mut ports = [0; N];
        for i in 0..N {
            ports[i] = loop {
                let port = free_port();
                if !ports[..i].contains(&port) {
                    break port;
                }
            };
        }
        let mut child = start(ports);
        match wait_listening(what, &mut child, &ports, within) {
            Ok(()) => return (child, ports),
            Err(status) => eprintln!(
                "{what} exited ({status}) before listening on port(s) {ports:?}; starting it on others"
            ),
        }
    }
    panic!("{what} exited before listening {TRIES} times, on other ports each time");
}

/// Starts a server again with `child` on `port`, the one it had (a test restarting it at the same
/// address), and waits until it listens there; no other port will do, so failing panics.
pub fn serve_again_on(what: &str, mut child: Child, port: u16, within: Duration) -> Child {
    if let Err(status) = wait_listening(what, &mut child, &[port], within) {
        panic!("{what} exited ({status}) instead of listening on port {port} again");
    }
    child
}

/// Waits until `child` itself listens on every one of `ports`, or exits (`Err`, its status).
/// Panics, after killing it, when it does neither within `within`.
///
/// A connection that succeeds is not enough: it may reach another test's server that took the
/// port first, while this child, still starting, has yet to fail to bind it.
pub fn wait_listening(
    what: &str,
    child: &mut Child,
    ports: &[u16],
    within: Duration,
) -> Result<(), ExitStatus> {
    let deadline = Instant::now() + within;
    loop {
        // Exited first: an exited child's sockets are gone, and what listens is another's.
        if let Ok(Some(status)) = child.try_wait() {
            return Err(status);
        }
        if ports.iter().all(|&port| listens(child, port)) {
            return Ok(());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not listen on port(s) {ports:?} within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether `child` listens on loopback `port`: on Linux, whether one of the sockets listening on
/// it is among the open files of the child or of a process it started; elsewhere, or when /proc
/// cannot tell, whether connecting succeeds.
fn listens(child: &Child, port: u16) -> bool {
    #[cfg(target_os = "linux")]
    if let Some(listens) = linux_listens(child.id(), port) {
        return listens;
    }
    let _ = child; // read on Linux only
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// [`listens`] from /proc: the inodes of the sockets listening on `port` (state 0A in
/// /proc/net/tcp and tcp6, local address `HEX_ADDR:HEX_PORT`), and whether one of the links in
/// /proc/PID/fd of `pid` or its descendants is `socket:[INODE]` for one of them. `None` when
/// /proc cannot be read.
#[cfg(target_os = "linux")]
fn linux_listens(pid: u32, port: u16) -> Option<bool> {
    let mut sockets = Vec::new();
    let mut read_any = false;
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        // tcp6 is missing where IPv6 is off.
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        read_any = true;
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local_port = fields
                .get(1)
                .and_then(|address| address.rsplit_once(':'))
                .and_then(|(_, hex)| u16::from_str_radix(hex, 16).ok());
            if local_port == Some(port) && fields.get(3) == Some(&"0A") {
                sockets.extend(fields.get(9).map(|inode| format!("socket:[{inode}]")));
            }
        }
    }
    if !read_any {
        return None;
    }
    if sockets.is_empty() {
        return Some(false);
    }
    // Where /proc hides other processes' files, let connecting decide.
    std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
    Some(descendants(pid).into_iter().any(|pid| {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            return false;
        };
        fds.flatten().any(|fd| {
            std::fs::read_link(fd.path())
                .is_ok_and(|link| sockets.iter().any(|s| link.as_os_str() == s.as_str()))
        })
    }))
}

/// `pid` and every process below it (/proc/PID/task/TID/children): a server started through a
/// wrapper, such as pyenv's `python3` shim, listens from a child of the process started.
#[cfg(target_os = "linux")]
fn descendants(pid: u32) -> Vec<u32> {
    let mut pids = vec![pid];
    let mut next = 0;
    while let Some(&parent) = pids.get(next) {
        next += 1;
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{parent}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            pids.extend(
                children
                    .split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
    }
    pids
}

/// Whether `pid` runs (Linux: a zombie, which has exited, does not count).
#[cfg(target_os = "linux")]
#[allow(dead_code)] // not every test binary checks processes
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .split(") ")
            .nth(1)
            .is_some_and(|rest| rest.starts_with('Z')),
        Err(_) => false,
    }
}

/// The `count` pids a test server wrote to `pidfile` once it started (waited for, 20 s at most).
#[allow(dead_code)]
pub fn pids_written(pidfile: &std::path::Path, count: usize) -> Vec<i32> {
    let started = std::time::Instant::now();
    loop {
        let read = std::fs::read_to_string(pidfile).unwrap_or_default();
        let pids: Vec<i32> = read
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect();
        if pids.len() == count {
            return pids;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the server never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The pids of `pids` still running, each then killed (SIGKILL) so that no test leaves one.
#[cfg(target_os = "linux")]
#[allow(dead_code)]
pub fn left_running(pids: &[i32]) -> Vec<i32> {
    let left: Vec<i32> = pids.iter().copied().filter(|&pid| alive(pid)).collect();
    for &pid in &left {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    left
}

/// A stdio server that never answers, ignores SIGTERM and the end of its input, and starts a
/// child (`sleep`) that ignores SIGTERM too; writes "PID CHILD_PID" to the file given as its
/// argument. Run as `python -c HUNG_SERVER PIDFILE`.
#[cfg(target_os = "linux")]
#[allow(dead_code)]
pub const HUNG_SERVER: &str = r#"
import os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen(["sleep", "1000"])
with open(sys.argv[1], "w") as f:
    f.write(f"{os.getpid()} {child.pid}")
while True:
    time.sleep(1)
"#;
