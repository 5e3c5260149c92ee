//! Diagnoses: the plain-language explanation of why a server fails.
//!
//! A [`Diagnosis`] is the contract between every part that finds a problem (the config engine, the
//! shims, the Claude log parser, the doctor) and every part that shows one (the CLI's `--json`, the
//! UI). Codes are stable kebab-case words; never rename one, only add.

use serde::{Deserialize, Serialize};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// One finding: what is wrong, with which server, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// Stable kebab-case code, one of [`codes`].
    pub code: String,
    pub severity: Severity,
    /// The server the finding is about; `None` for whole-file findings.
    pub server: Option<String>,
    /// One line a user understands.
    pub summary: String,
    /// More detail: the file position, the command looked up, the last stderr lines.
    pub detail: String,
    /// What the user can do, when there is something to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Diagnosis {
    pub fn new(code: &str, severity: Severity, summary: impl Into<String>) -> Self {
        Diagnosis {
            code: code.to_owned(),
            severity,
            server: None,
            summary: summary.into(),
            detail: String::new(),
            fix: None,
        }
    }

    pub fn server(mut self, name: impl Into<String>) -> Self {
        self.server = Some(name.into());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// What a user can do about a failure with this code when nothing more specific is known: a
/// shim's journal event and a probe's remote failure carry only the code and a sentence. `None`
/// for a code that is not a failure (`connected`, `started`…).
pub fn general_fix(code: &str) -> Option<&'static str> {
    Some(match code {
        codes::AUTH_REQUIRED => "Sign in to the server again from MCP Tray, or check its token.",
        codes::CONNECTION_REFUSED => "Start the server, or check the host and port in its URL.",
        codes::TLS_ERROR => "Fix the server's certificate, or trust its CA (`--ca-cert`).",
        codes::DNS_ERROR => "Check the URL for typos, and your network or VPN connection.",
        codes::HTTP_ERROR => {
            "The server answered with an HTTP error; check its URL and its status."
        }
        codes::REDIRECTED => {
            "Use the address the server redirects to as the entry's URL, if it is right."
        }
        codes::TIMEOUT => "The server did not answer in time; check that it is up.",
        codes::SESSION_EXPIRED => {
            "The session ended on the server; the next request starts a new one."
        }
        codes::PROTOCOL_ERROR => "The server broke the MCP protocol; report it to its authors.",
        codes::EXITED_EARLY => "Run the server's command in a terminal to see why it stops.",
        codes::STDOUT_POLLUTION => "Make the server write its logs to stderr.",
        codes::COMMAND_NOT_FOUND => {
            "Install the command, or give its correct absolute path in the entry."
        }
        _ => return None,
    })
}

/// What a user can do about a failure with this code and this message (a probe's remote failure,
/// a shim's journal event): [`general_fix`], except where the message tells the general advice
/// wrong, such as "sign in again" for a server that offers no sign-in or refused a request that
/// carried no token.
pub fn fix_for(code: &str, message: &str) -> Option<&'static str> {
    if code == codes::TLS_ERROR {
        if message.contains(crate::transport::CA_AS_SERVER_CERT) {
            return Some(
                "Give the server a leaf certificate (CA:FALSE) signed by a CA, and trust that CA with --ca-cert.",
            );
        }
        if message.contains(crate::transport::NOT_TLS) {
            return Some("Use the http:// URL, or the port where the server speaks TLS.");
        }
    }
    if code == codes::AUTH_REQUIRED {
        if message.contains(crate::auth::NO_TOKEN_SIGN_IN) {
            return Some(
                "Ask the server's owner for a token and pass it with --header 'Authorization: Bearer TOKEN' (in the app: the Edit form's headers).",
            );
        }
        // Which header was refused, and what the server offers instead, the message says.
        if message.contains(crate::auth::GIVEN_REFUSED) {
            if message.contains(crate::auth::SIGN_IN_INSTEAD) {
                return Some(
                    "Replace the Authorization header given with --header (in the app: the Edit form's headers) with a valid one, or leave it out and MCP Tray signs in to the server.",
                );
            }
            if message.contains(crate::auth::TOKEN_INSTEAD) {
                return Some(
                    "Ask the server's owner for a token and pass it with --header 'Authorization: Bearer TOKEN' (in the app: the Edit form's headers), in place of the credentials it refused.",
                );
            }
            return Some(
                "Replace the credentials given with --header (in the app: the Edit form's headers) with valid ones.",
            );
        }
        if message.contains(crate::transport::NO_SIGN_IN) {
            return Some(
                "Pass the credentials the server asks for with --header 'Name: value' (in the app: the Edit form's headers).",
            );
        }
        if message.contains(crate::transport::REFUSED_ACCESS) {
            return Some(
                "Read the server's answer: it may want credentials passed with --header 'Name: value', or not let this computer or account in at all.",
            );
        }
    }
    general_fix(code)
}

/// The stable diagnosis codes (DESIGN.md, "Diagnosis").
pub mod codes {
    pub const COMMAND_NOT_FOUND: &str = "command-not-found";
    pub const STDOUT_POLLUTION: &str = "stdout-pollution";
    pub const TIMEOUT: &str = "timeout";
    pub const EXITED_EARLY: &str = "exited-early";
    pub const AUTH_REQUIRED: &str = "auth-required";
    pub const CONNECTION_REFUSED: &str = "connection-refused";
    pub const TLS_ERROR: &str = "tls-error";
    pub const DNS_ERROR: &str = "dns-error";
    pub const HTTP_ERROR: &str = "http-error";
    pub const BAD_JSON_CONFIG: &str = "bad-json-config";
    pub const URL_ENTRY_UNSUPPORTED: &str = "url-entry-unsupported";
    pub const WEBSOCKET_URL: &str = "websocket-url";
    pub const MCP_REMOTE_REPLACEABLE: &str = "mcp-remote-replaceable";
    pub const WINDOWS_MSIX_PATH: &str = "windows-msix-path";
    pub const MISSING_ENV: &str = "missing-env";
    pub const RELATIVE_PATH: &str = "relative-path";
    pub const NODE_TOO_OLD: &str = "node-too-old";
    pub const SESSION_EXPIRED: &str = "session-expired";
    pub const PROTOCOL_ERROR: &str = "protocol-error";
    /// The server sends the bridge to another address, which it does not follow.
    pub const REDIRECTED: &str = "redirected";
    /// An entry Claude cannot start at all (no `command`, not an object…).
    pub const INVALID_ENTRY: &str = "invalid-entry";
    /// A key written twice where Claude looks: the top-level `mcpServers` (an error: Claude reads
    /// only the last copy and ignores the servers in the others) or a server name inside it (a
    /// warning: Claude runs only the last entry of that name).
    pub const DUPLICATE_KEY: &str = "duplicate-key";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_a_shim_reports_has_a_general_fix_and_other_events_none() {
        for code in [
            codes::AUTH_REQUIRED,
            codes::CONNECTION_REFUSED,
            codes::TLS_ERROR,
            codes::DNS_ERROR,
            codes::HTTP_ERROR,
            codes::REDIRECTED,
            codes::TIMEOUT,
            codes::SESSION_EXPIRED,
            codes::PROTOCOL_ERROR,
            codes::EXITED_EARLY,
            codes::STDOUT_POLLUTION,
            codes::COMMAND_NOT_FOUND,
        ] {
            assert!(general_fix(code).is_some(), "{code} has no fix");
        }
        for event in ["connected", "started", "stopped", "journal-dropped"] {
            assert_eq!(general_fix(event), None, "{event} is not a failure");
        }
    }

    #[test]
    fn no_sign_in_advice_where_there_is_nothing_to_sign_in_to() {
        let fix = |msg: &str| fix_for(codes::AUTH_REQUIRED, msg).expect("a fix");
        let refused =
            fix("initialize failed: server refused access (HTTP 403): your IP is blocked");
        assert!(!refused.contains("Sign in"), "{refused}");
        let no_sign_in = fix(
            "remote server at http://x/mcp needs credentials it offers no sign-in for (HTTP 401): API key required",
        );
        assert!(no_sign_in.contains("--header"), "{no_sign_in}");
        assert!(!no_sign_in.contains("Sign in"), "{no_sign_in}");
        let no_token_sign_in = fix(
            "remote server at http://x/mcp asks for a token but offers no sign-in MCP Tray can use (HTTP 401): token required; pass a token with --header 'Authorization: Bearer …'",
        );
        assert!(
            no_token_sign_in.contains("--header 'Authorization: Bearer"),
            "{no_token_sign_in}"
        );
        assert!(!no_token_sign_in.contains("Sign in"), "{no_token_sign_in}");
        let given_refused = fix(
            "remote server at http://x/mcp refused the credentials given with --header (HTTP 401): invalid token; they may have expired or be wrong",
        );
        assert!(given_refused.contains("Replace"), "{given_refused}");
        assert!(!given_refused.contains("Sign in"), "{given_refused}");
        assert!(!given_refused.contains("Authorization"), "{given_refused}");
        // A token that was sent and refused: the general advice stands.
        assert_eq!(
            fix("k refused this request (HTTP 403) even though MCP Tray is signed in"),
            general_fix(codes::AUTH_REQUIRED).expect("fix")
        );
        assert_eq!(fix_for(codes::TIMEOUT, "x"), general_fix(codes::TIMEOUT));
    }

    #[test]
    fn refused_credentials_get_advice_that_fits_the_header_sent() {
        let fix = |more: &str| {
            let msg = format!(
                "remote server at http://x/mcp refused the credentials given with --header (HTTP 401): denied; they may have expired or be wrong: give valid ones (in the app: the Edit form's headers){more}"
            );
            fix_for(codes::AUTH_REQUIRED, &msg).expect("a fix")
        };
        // X-API-Key (or Authorization) refused by a server that offers nothing else.
        assert_eq!(
            fix(""),
            "Replace the credentials given with --header (in the app: the Edit form's headers) with valid ones."
        );
        // Authorization refused by a server that offers a sign-in.
        let sign_in = fix(&format!(
            ", or {} to the server",
            crate::auth::SIGN_IN_INSTEAD
        ));
        assert!(
            sign_in.starts_with("Replace the Authorization header given with --header")
                && sign_in.contains("leave it out and MCP Tray signs in"),
            "{sign_in}"
        );
        // X-API-Key refused by a server whose challenge asks for a token.
        let token = fix(&format!("; {}", crate::auth::TOKEN_INSTEAD));
        assert!(
            token.contains("--header 'Authorization: Bearer TOKEN'") && !token.contains("signs in"),
            "{token}"
        );
    }

    #[test]
    fn a_ca_certificate_used_as_the_servers_gets_no_ca_cert_advice_alone() {
        let fix = fix_for(
            codes::TLS_ERROR,
            "secure connection to https://x/mcp failed: the server presents a CA certificate as its own; …",
        )
        .expect("fix");
        assert!(fix.contains("leaf certificate"), "{fix}");
        assert_eq!(
            fix_for(codes::TLS_ERROR, "its certificate has expired"),
            general_fix(codes::TLS_ERROR)
        );
    }
}
