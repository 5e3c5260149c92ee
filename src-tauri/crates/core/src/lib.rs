//! `mcp-tray-core`: every behaviour of MCP Tray that is not GUI.
//!
//! The CLI (`mcp-tray`) and the Tauri app are thin layers over this crate. It must never depend on
//! a GUI library: the CLI is the shim Claude Desktop starts for every server, and it has to start in
//! milliseconds on machines where no display exists.
//!
//! Modules:
//! - [`auth`]: sign-in to protected remote servers (OAuth 2.1 for the bridge) and the token store.
//! - [`bridge`], [`transport`], [`jsonrpc`], [`journal`]: the stdio ↔ HTTP bridge shim, its
//!   transports, the raw JSON-RPC envelope and the traffic journals.
//! - [`claude_logs`]: Claude Desktop's MCP logs parsed into events, with the classic failures named.
//! - [`clients`]: where Claude Desktop keeps its config and logs, per OS.
//! - [`config`]: Claude's config file: minimal, atomic, undoable edits that never lose a byte.
//! - [`settings`]: MCP Tray's own settings file (redaction, journal retention), read by the shims.
//! - [`paths`]: the data dir and the environment overrides every part honours.
//! - [`doctor`]: every check of a setup at once, each finding a diagnosis with its fix.
//! - [`node`]: which servers run on Node.js, and the version they would get.
//! - [`diagnose`]: the [`diagnose::Diagnosis`] contract shared by the CLI's `--json` and the UI.
//! - [`redact`]: masks secret-looking values in the journal's copy of a message.
//! - [`probe`]: start or connect to a server as a client and report what it offers, or why not.
//! - [`tap`]: the stdio tap (`mcp-tray wrap`) that journals a local server's traffic.
//! - [`supervise`]: stdio servers MCP Tray runs itself: PATH resolution, process groups, restarts, stats.
//! - [`claude_restart`]: quit and relaunch Claude Desktop (macOS, Windows; says so elsewhere).
//! - [`changes`]: wakes the app's tailers when files in their folders change, so they never poll idle.

pub mod auth;
pub mod bridge;
pub mod changes;
pub mod claude_logs;
pub mod claude_restart;
pub mod clients;
pub mod config;
pub mod diagnose;
pub mod doctor;
pub mod journal;
pub mod jsonrpc;
pub mod node;
pub mod paths;
pub mod probe;
pub mod redact;
pub mod settings;
pub mod supervise;
pub mod tap;
pub mod transport;

/// Locks `m`, going on with its data when a thread panicked while holding it: each user of this
/// keeps data that stays whole at every point a panic could happen (a panic in one forwarding or
/// journaling thread must not take the others down).
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
