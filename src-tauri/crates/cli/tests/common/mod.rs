//! Shared by the whole-system tests: where the pinned peers are (tests/peers), and skipping
//! without them, which fails instead when `MCP_TRAY_REQUIRE_PEERS=1` (the test command sets it),
//! so CI cannot pass by skipping.

#![allow(dead_code)] // each test crate uses its own part of this module

use std::path::{Path, PathBuf};

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
    use std::time::{Duration, Instant};
    let (dir, cert, key) = self_signed(leaf);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port");
    let child = Command::new(p.python())
        .arg(p.script("fastmcp_server.py"))
        .args(["streamable-https", &port.to_string()])
        .arg(&cert)
        .arg(&key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start FastMCP over TLS");
    let server = TlsServer {
        child,
        dir,
        cert,
        url: format!("https://127.0.0.1:{port}/mcp"),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "FastMCP over TLS did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}
