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
    pub fn node(&self) -> PathBuf {
        self.dir.join("node_modules/.bin/node")
    }
    pub fn script(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
    pub fn npm_bin(&self, name: &str) -> PathBuf {
        self.dir.join("node_modules/.bin").join(name)
    }
}

/// The installed peers, or `None` (after saying why) when they are missing.
pub fn peers() -> Option<Peers> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../tests/peers");
    let dir = dir.canonicalize().unwrap_or(dir);
    let peers = Peers { dir };
    let installed = peers.python().exists()
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
