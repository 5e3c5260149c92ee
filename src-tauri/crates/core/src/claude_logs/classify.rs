//! Naming the classic failures found in Claude's logs with the stable diagnosis codes.
//!
//! | what Claude or the server wrote | code |
//! |---|---|
//! | `spawn npx ENOENT` | `command-not-found` |
//! | `Unexpected token 'S', "Starting s"... is not valid JSON` | `stdout-pollution` |
//! | `MCP error -32001: Request timed out` | `timeout` |
//! | `Server transport closed unexpectedly` after the server's own output | `exited-early` (with that output; npm's 404 for the package `npx` runs names it) |
//! | 401 / `Unauthorized` / `invalid_token` from a bridge | `auth-required` |
//! | `ECONNREFUSED`, `Connection refused` | `connection-refused` |
//! | certificate and TLS errors | `tls-error` |
//! | `ENOTFOUND`, `getaddrinfo` | `dns-error` |
//! | `ReadBuffer exceeded maximum size of 10485760 bytes` | `message-too-large` |
//!
//! State is kept per server and per session (a session starts at `Initializing server...`):
//! the server's recent output, and which codes were already reported, so Claude's habit of
//! logging one failure twice yields one diagnosis. Never: guess. A record that matches nothing
//! gets no diagnosis.

use std::collections::{HashMap, HashSet, VecDeque};

use super::{EventKind, Level, LogEvent};
use crate::diagnose::{Diagnosis, Severity, codes};
use crate::supervise::resolve::fix_for_missing;

/// Server output lines kept per session, for `exited-early`.
const KEEP_OUTPUT: usize = 20;

#[derive(Debug, Default)]
struct Session {
    output: VecDeque<String>,
    reported: HashSet<&'static str>,
    /// Claude's SDK dropped what it had read of a message too large for it: the rest of that
    /// message comes next and fails to parse, which is not the server's stdout pollution.
    cut_message: bool,
}

/// Per-file classification state.
#[derive(Debug, Default)]
pub struct Classifier {
    sessions: HashMap<String, Session>,
}

impl Classifier {
    /// Attaches a diagnosis to `event` when it shows one of the classic failures.
    pub fn classify(&mut self, event: &mut LogEvent) {
        let key = event.server.clone().unwrap_or_default();
        if event.starts_session() {
            self.sessions.remove(&key);
            return;
        }
        let session = self.sessions.entry(key).or_default();
        let found = match event.kind {
            EventKind::ServerOutput => {
                for line in event.text.lines() {
                    if session.output.len() >= KEEP_OUTPUT {
                        session.output.pop_front();
                    }
                    session.output.push_back(line.to_owned());
                }
                network(&event.text)
            }
            _ => claude_record(event, session),
        };
        if let Some(diagnosis) = found
            && session.reported.insert(code_key(&diagnosis.code))
        {
            let diagnosis = match &event.server {
                Some(server) => diagnosis.server(server),
                None => diagnosis,
            };
            event.diagnosis = Some(diagnosis);
        }
    }
}

/// The `'static` code matching `code` (codes come from [`codes`], so this always finds one).
fn code_key(code: &str) -> &'static str {
    [
        codes::COMMAND_NOT_FOUND,
        codes::STDOUT_POLLUTION,
        codes::TIMEOUT,
        codes::EXITED_EARLY,
        codes::AUTH_REQUIRED,
        codes::CONNECTION_REFUSED,
        codes::TLS_ERROR,
        codes::DNS_ERROR,
        codes::MESSAGE_TOO_LARGE,
    ]
    .into_iter()
    .find(|c| *c == code)
    .unwrap_or("other")
}

fn claude_record(event: &LogEvent, session: &mut Session) -> Option<Diagnosis> {
    // A message Claude passed on carries a server's data (a file's text, a log it read): only
    // the message itself counts (an error reply), never words inside its text, also when the
    // message was cut and is not JSON.
    let relayed = ["Message from client: ", "Message from server: "]
        .iter()
        .any(|p| event.text.starts_with(p));
    let text = if relayed { "" } else { event.text.as_str() };
    let message = event.message.as_ref().map(|m| m.get()).unwrap_or("");
    if let Some(command) = spawn_enoent(text) {
        return Some(
            Diagnosis::new(
                codes::COMMAND_NOT_FOUND,
                Severity::Error,
                format!("Claude Desktop could not find the command `{command}`"),
            )
            .detail(format!(
                "Claude logged `{text}`: `{command}` is not on the PATH Claude Desktop was started with \
                 (apps started from the Dock, Finder or a desktop launcher do not see the PATH of your \
                 terminal)."
            ))
            .fix(fix_for_missing(command)),
        );
    }
    if let Some(limit) = read_buffer_limit(text) {
        session.cut_message = true;
        return Some(
            Diagnosis::new(
                codes::MESSAGE_TOO_LARGE,
                Severity::Error,
                format!("The server sent a message larger than Claude Desktop reads ({limit})"),
            )
            .detail(format!(
                "Claude logged `{text}`: the MCP SDK it uses reads at most {limit} of one message \
                 and closed its connection to the server, which takes every tool of the server \
                 away, not only the request that asked for it."
            ))
            .fix(
                "Ask for less at once (a smaller page, range or file). Through MCP Tray's tap \
                 (Capture traffic) or bridge, such a reply is refused with an error for that \
                 request alone and the server stays connected.",
            ),
        );
    }
    if text.contains("is not valid JSON")
        || text.contains("Unexpected non-whitespace character after JSON")
        || (text.starts_with("SyntaxError") && text.contains("JSON"))
    {
        if std::mem::take(&mut session.cut_message) {
            // The rest of the message cut above: a consequence, already explained.
            return None;
        }
        let fragment = text
            .strip_prefix("Unexpected token ")
            .and_then(|t| t.split(" is not valid JSON").next())
            .unwrap_or(text);
        return Some(
            Diagnosis::new(
                codes::STDOUT_POLLUTION,
                Severity::Error,
                "The server printed text that is not JSON-RPC to stdout",
            )
            .detail(format!(
                "Claude reads only JSON-RPC messages from a server's stdout and choked on: {fragment}. \
                 This is usually a startup banner, a console.log/print, or a dotenv notice."
            ))
            .fix(format!(
                "Make the server write its logs to stderr (console.error, print(..., file=sys.stderr)), \
                 or run it through MCP Tray's tap (Capture traffic{}): the tap moves such lines to stderr.",
                crate::diagnose::TAP_IN_A_TERMINAL
            )),
        );
    }
    if (text.contains("-32001") && text.contains("timed out")) || is_timeout_message(message) {
        // A request of a session under way (a tool call), not the start: no download to blame.
        if let Some(request) = event.context_name().filter(|c| c != "initialize") {
            return Some(
                Diagnosis::new(
                    codes::TIMEOUT,
                    Severity::Error,
                    format!("The server did not answer {request} in time"),
                )
                .detail(format!(
                    "Claude gave up waiting for the server's answer to {request} (MCP error -32001: \
                     Request timed out); the server had started and answered before."
                ))
                .fix(
                    "Look at what the server was asked to do (a slow network call, a large query): \
                     its own output in Claude's log for it may say why. If it is only slow, ask less \
                     of it at once.",
                ),
            );
        }
        return Some(
            Diagnosis::new(codes::TIMEOUT, Severity::Error, "The server did not answer in time")
                .detail(
                    "Claude gave up waiting for a response (MCP error -32001: Request timed out). \
                     Servers started with npx or uvx download their package on first start, which can \
                     take longer than Claude waits.",
                )
                .fix(
                    "Run the server's command once in a terminal and check that it answers (for npx \
                     or uvx, that also caches the download); then restart Claude Desktop.",
                ),
        );
    }
    if text.starts_with("Server transport closed unexpectedly") {
        if !session.reported.is_empty() {
            // Already explained (a timeout, a missing command, a 401): the close is a consequence.
            return None;
        }
        let detail = if session.output.is_empty() {
            "The server exited without writing anything to stderr.".to_owned()
        } else {
            format!(
                "The server's last output:\n{}",
                session
                    .output
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        };
        // `npx` of a package npm's registry does not have: npm's own words say which.
        let output: Vec<&str> = session.output.iter().map(String::as_str).collect();
        if let Some(missing) = crate::diagnose::missing_package(&output) {
            return Some(
                Diagnosis::new(
                    codes::EXITED_EARLY,
                    Severity::Error,
                    format!("The server could not start: {}", missing.summary()),
                )
                .detail(detail)
                .fix(missing.fix()),
            );
        }
        // With no output there is nothing above to read: only a run where its stderr shows can
        // tell why it stops (probe starts the entry as Claude does, and shows what it wrote).
        let fix = if session.output.is_empty() {
            NO_OUTPUT_FIX
        } else {
            "Read the server's output above, or run its command in a terminal to see why it stops."
        };
        return Some(
            Diagnosis::new(
                codes::EXITED_EARLY,
                Severity::Error,
                "The server exited right after it started",
            )
            .detail(detail)
            .fix(fix),
        );
    }
    if event.level == Level::Error {
        return network(text).or_else(|| event.context.as_deref().and_then(network));
    }
    None
}

/// `ReadBuffer exceeded maximum size of 10485760 bytes` (the MCP TypeScript SDK's stdio limit)
/// → `10 MiB`.
fn read_buffer_limit(text: &str) -> Option<String> {
    let rest = &text[text.find("ReadBuffer exceeded maximum size of ")?..];
    let number = rest
        .trim_start_matches("ReadBuffer exceeded maximum size of ")
        .split(' ')
        .next()?;
    let bytes: u64 = number.parse().ok()?;
    const MIB: u64 = 1024 * 1024;
    Some(if bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    })
}

/// Whether a relayed message says a request timed out (MCP's -32001): an error reply with that
/// code, or the client's cancellation whose reason is that error (as Claude gives up); not the
/// number or the words anywhere in a message's text.
fn is_timeout_message(message: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Message {
        method: Option<String>,
        error: Option<ErrorObject>,
        params: Option<Params>,
    }
    #[derive(serde::Deserialize)]
    struct ErrorObject {
        code: serde_json::Value,
    }
    #[derive(serde::Deserialize)]
    struct Params {
        reason: Option<serde_json::Value>,
    }
    if !message.contains("-32001") {
        return false;
    }
    let Ok(m) = serde_json::from_str::<Message>(message) else {
        return false;
    };
    let reason = m
        .params
        .and_then(|p| p.reason)
        .and_then(|r| r.as_str().map(str::to_owned))
        .unwrap_or_default();
    m.error.is_some_and(|e| e.code.as_i64() == Some(-32001))
        || (m.method.as_deref() == Some("notifications/cancelled")
            && reason.contains("-32001")
            && reason.contains("timed out"))
}

/// `spawn npx ENOENT` → `npx`.
fn spawn_enoent(text: &str) -> Option<&str> {
    let at = text.find("spawn ")?;
    let rest = &text[at + "spawn ".len()..];
    let end = rest.find(" ENOENT")?;
    let command = rest[..end].trim();
    // A path (it may hold spaces: `C:\Program Files\…`), not words far apart on the line.
    (!command.is_empty() && command.len() <= 300 && !command.contains(['\n', '\r']))
        .then_some(command)
}

/// True when `word` occurs in `text` with no letter, digit or `_` right before or after it
/// (`ENOTFOUND` must not match `ModuleNotFoundError`).
fn has_word(text: &str, word: &str) -> bool {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    text.match_indices(word).any(|(at, _)| {
        !is_word(text[..at].chars().next_back()) && !is_word(text[at + word.len()..].chars().next())
    })
}

/// What to do about a server Claude saw exit right after it started, having written nothing to
/// stderr: only a run where its stderr shows can tell why (`probe` starts the entry as Claude
/// does, and shows what it wrote). The app says its own Test instead.
pub const NO_OUTPUT_FIX: &str = "Run the server's command in a terminal, or `mcp-tray probe NAME`, \
     to see why it stops: it wrote nothing to stderr before it did, so this log cannot say.";

/// The fix of a 401 seen in Claude's logs. The log does not say which bridge the server runs
/// through: ours signs in, `mcp-remote` is moved onto ours first. The app says it with its
/// own buttons (`crate::diagnose::message_in`).
pub const SIGN_IN_FROM_LOGS: &str = "Sign in with `mcp-tray auth login NAME` (a server still run \
     through npx mcp-remote moves to MCP Tray's bridge first: `mcp-tray doctor --fix`), or give it \
     the API key or token its documentation asks for.";

/// Errors a bridge (ours or `mcp-remote`) reports about the remote side. Error codes
/// (`ECONNREFUSED`) match as whole words, case and all; phrases match in any case.
fn network(text: &str) -> Option<Diagnosis> {
    let lower = text.to_ascii_lowercase();
    let phrase = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    let code = |words: &[&str]| words.iter().any(|w| has_word(text, w));
    const AUTH: &[&str] = &["unauthorized", "invalid_token", "authentication required"];
    if phrase(AUTH) || (has_word(&lower, "401") && phrase(&["http", "status", "(401)"])) {
        return Some(
            Diagnosis::new(
                codes::AUTH_REQUIRED,
                Severity::Error,
                "The remote server requires sign-in (HTTP 401)",
            )
            .detail(first_matching_line(
                text,
                &["401", "unauthorized", "invalid_token"],
            ))
            .fix(SIGN_IN_FROM_LOGS),
        );
    }
    if code(&["ECONNREFUSED"]) || phrase(&["connection refused"]) {
        return Some(
            Diagnosis::new(
                codes::CONNECTION_REFUSED,
                Severity::Error,
                "Nothing is listening at the server's address (connection refused)",
            )
            .detail(first_matching_line(
                text,
                &["econnrefused", "connection refused"],
            ))
            .fix("Start the server, or check the host and port in its URL."),
        );
    }
    const TLS_CODES: &[&str] = &[
        "CERT_HAS_EXPIRED",
        "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
        "DEPTH_ZERO_SELF_SIGNED_CERT",
        "SELF_SIGNED_CERT_IN_CHAIN",
        "ERR_TLS_CERT_ALTNAME_INVALID",
        "EPROTO",
        "InvalidCertificate",
    ];
    const TLS_PHRASES: &[&str] = &[
        "self-signed certificate",
        "self signed certificate",
        "unable to verify the first certificate",
        "certificate has expired",
        "ssl routines",
        "certificate verify failed",
        "tls handshake",
    ];
    if code(TLS_CODES) || phrase(TLS_PHRASES) {
        return Some(
            Diagnosis::new(
                codes::TLS_ERROR,
                Severity::Error,
                "The secure (TLS) connection to the server failed",
            )
            .detail(first_matching_line(
                text,
                &[TLS_PHRASES, &["cert_", "err_tls", "eproto", "invalidcertificate"]].concat(),
            ))
            .fix(
                "The server's certificate is expired, self-signed or for another host name. Fix the \
                 certificate, use the host name it was issued for, or trust its CA.",
            ),
        );
    }
    if code(&["ENOTFOUND", "EAI_AGAIN"])
        || phrase(&["getaddrinfo", "failed to lookup address", "dns error"])
    {
        return Some(
            Diagnosis::new(
                codes::DNS_ERROR,
                Severity::Error,
                "The server's host name could not be resolved",
            )
            .detail(first_matching_line(
                text,
                &[
                    "enotfound",
                    "eai_again",
                    "getaddrinfo",
                    "lookup address",
                    "dns error",
                ],
            ))
            .fix("Check the URL for typos, and your network or VPN connection."),
        );
    }
    None
}

fn first_matching_line(text: &str, words: &[&str]) -> String {
    text.lines()
        .find(|l| {
            let lower = l.to_ascii_lowercase();
            words.iter().any(|w| lower.contains(w))
        })
        .unwrap_or(text)
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spawn_enoent_names_the_command() {
        assert_eq!(spawn_enoent("spawn npx ENOENT"), Some("npx"));
        assert_eq!(
            spawn_enoent("Error: spawn C:\\nodejs\\npx.cmd ENOENT"),
            Some("C:\\nodejs\\npx.cmd")
        );
        assert_eq!(spawn_enoent("spawned fine"), None);
    }

    #[test]
    fn error_codes_match_whole_words_only() {
        assert!(network("ModuleNotFoundError: No module named 'httpx'").is_none());
        assert!(network("getaddrinfo ENOTFOUND mcp.example.com").is_some());
        assert!(network("Error: connect ECONNREFUSED 127.0.0.1:8080").is_some());
    }

    #[test]
    fn a_401_in_a_port_number_is_not_an_auth_failure() {
        assert!(network("listening on 127.0.0.1:4010").is_none());
        assert!(network("HTTP 4010 things").is_none());
        assert!(network("Error POSTing to endpoint (HTTP 401): invalid_token").is_some());
    }
}
