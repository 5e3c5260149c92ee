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

    /// Masks the credentials its words may quote ([`crate::redact::mask_text`]): a server's
    /// stderr (`GITHUB_TOKEN=…`, `Authorization: Bearer …`) in its summary, detail or fix.
    /// Masking twice changes nothing.
    pub fn hide_secrets(&mut self) {
        for text in [&mut self.summary, &mut self.detail]
            .into_iter()
            .chain(self.fix.as_mut())
        {
            if let std::borrow::Cow::Owned(masked) = crate::redact::mask_text(text) {
                *text = masked;
            }
        }
    }

    /// The finding with its server's name in place of [`NAME`] in its fix (`mcp-tray auth login
    /// NAME`), quoted for a shell where it needs it: a command a person at a terminal can paste.
    /// Unchanged without a server.
    pub fn with_name_in_fix(mut self) -> Self {
        if let (Some(server), Some(fix)) = (&self.server, &self.fix) {
            let word = crate::supervise::shell_line(server, &[]);
            self.fix = Some(replace_word(fix, NAME, &word));
        }
        self
    }
}

/// Stands for the server's name in a fix's command ([`Diagnosis::with_name_in_fix`]).
pub const NAME: &str = "NAME";

/// `text` with each `word` standing alone (not inside a longer word: `NAMES`, `MY_NAME`) replaced.
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let part_of_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(word) {
        let (before, after) = (&rest[..at], &rest[at + word.len()..]);
        let alone = !before.chars().next_back().is_some_and(part_of_word)
            && !after.chars().next().is_some_and(part_of_word);
        out.push_str(before);
        out.push_str(if alone { with } else { word });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Who reads a fix: a person at a terminal (flags and commands) or in MCP Tray's window (its own
/// fields and buttons, never a flag or an `mcp-tray` command).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Cli,
    /// The window, beside the server's own controls: its row in Servers, the Add card.
    App,
    /// The window's Logs view, where no server has its buttons: the window's words, with a button
    /// named by where it is (the Sign in button of the server's row in the Servers view).
    AppLogs,
}

impl Audience {
    /// Whether it is the window's (either place in it).
    pub fn in_app(self) -> bool {
        self != Audience::Cli
    }
}

/// What a user can do about a failure with this code when nothing more specific is known: a
/// shim's journal event and a probe's remote failure carry only the code and a sentence. `None`
/// for a code that is not a failure (`connected`, `started`…). In the words of the command line
/// ([`general_fix_in`] for the app's).
pub fn general_fix(code: &str) -> Option<&'static str> {
    general_fix_in(Audience::Cli, code)
}

/// [`general_fix`] in the words of `audience`.
pub fn general_fix_in(audience: Audience, code: &str) -> Option<&'static str> {
    let app = audience.in_app();
    Some(match code {
        codes::AUTH_REQUIRED if audience == Audience::AppLogs => {
            "Sign in to the server again with the Sign in button of its row in the Servers view, or check the token in its Edit form's headers."
        }
        codes::AUTH_REQUIRED if app => {
            "Sign in to the server again with its Sign in button, or check the token in its Edit form's headers."
        }
        codes::AUTH_REQUIRED => {
            "Sign in to the server again (`mcp-tray auth login NAME`), or check its token (--header)."
        }
        codes::CONNECTION_REFUSED => "Start the server, or check the host and port in its URL.",
        codes::CONNECTION_LOST => {
            "Check that the server is still running (it may have crashed or restarted; its own logs may say why), then try again."
        }
        codes::MESSAGE_TOO_LARGE => {
            "Ask for less at once (a smaller page, range or file), or ask the server's authors to send large data as a resource link instead."
        }
        codes::WEBSOCKET_URL => WEBSOCKET_FIX,
        codes::TLS_ERROR if app => {
            "Fix the server's certificate, or choose its CA's certificate in the CA certificate field."
        }
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

/// What to do about an HTTP error status that is the server's own failure (500, 502, 503…, not
/// 501: [`crate::transport::is_server_failure`]).
pub const SERVER_FAILED_FIX: &str = "The server failed while handling the request: its own error, not a wrong address. If you run it, its logs say why; otherwise try again later, and tell whoever runs it if it goes on.";

/// The HTTP status a failure's message names (`… answered HTTP 404`, `… failed with HTTP 500 …`):
/// the first `HTTP ` followed by three digits.
fn http_status(message: &str) -> Option<u16> {
    message.match_indices("HTTP ").find_map(|(at, word)| {
        let rest = &message[at + word.len()..];
        let digits = rest.get(..3).filter(|d| is_status(d))?;
        let longer = rest[3..].starts_with(|c: char| c.is_ascii_digit());
        (!longer).then(|| digits.parse().ok())?
    })
}

/// What to do about a WebSocket URL or endpoint: MCP has no WebSocket transport.
pub const WEBSOCKET_FIX: &str = "Look in the server's documentation for its Streamable HTTP URL (https://…/mcp) and use that instead";

/// What a user can do about a failure with this code and this message (a probe's remote failure,
/// a shim's journal event): [`general_fix`], except where the message tells the general advice
/// wrong, such as "sign in again" for a server that offers no sign-in or refused a request that
/// carried no token. In the words of the command line ([`fix_in`] for the app's).
pub fn fix_for(code: &str, message: &str) -> Option<&'static str> {
    fix_in(Audience::Cli, code, message)
}

/// [`fix_for`] in the words of `audience`: the command line's names flags and commands, the app's
/// its own controls (the Edit form's headers, the CA certificate field, the Sign in button), and
/// the Logs view's where such a button is.
pub fn fix_in(audience: Audience, code: &str, message: &str) -> Option<&'static str> {
    let app = audience.in_app();
    let pick = |cli: &'static str, in_app: &'static str| Some(if app { in_app } else { cli });
    // A fix that names the Sign in button: the Logs view says where it is.
    let pick_sign_in = |cli: &'static str, row: &'static str, logs: &'static str| {
        Some(match audience {
            Audience::Cli => cli,
            Audience::App => row,
            Audience::AppLogs => logs,
        })
    };
    if code == codes::TLS_ERROR {
        if message.contains(crate::transport::UNKNOWN_CA) {
            return pick(
                "If a private or corporate CA signed the server's certificate, trust it with --ca-cert FILE (that CA's certificate, PEM).",
                "If a private or corporate CA signed the server's certificate, choose that CA's certificate file (PEM) in the CA certificate field, then test again.",
            );
        }
        if message.contains(crate::transport::CA_AS_SERVER_CERT) {
            return pick(
                "Give the server a leaf certificate (CA:FALSE) signed by a CA, and trust that CA with --ca-cert.",
                "Give the server a leaf certificate (CA:FALSE) signed by a CA, and choose that CA's certificate in the CA certificate field.",
            );
        }
        if message.contains(crate::transport::NOT_TLS) {
            return Some("Use the http:// URL, or the port where the server speaks TLS.");
        }
    }
    // A loop has no address to move to: the server is set up wrong for the URL it was given.
    if code == codes::REDIRECTED && message.contains(crate::transport::REDIRECT_LOOP) {
        return Some(
            "Check the URL's path (a trailing slash added or left out is a common cause); if it is right, the server is misconfigured: tell whoever runs it.",
        );
    }
    // No endpoint at that path: the usual slip is the path (`/` or `/v1` for `/mcp`).
    if code == codes::HTTP_ERROR && http_status(message) == Some(404) {
        return Some(
            "Check the URL's path: the server has nothing there. MCP endpoints usually end in /mcp (or /sse for the older transport); the server's documentation gives its own.",
        );
    }
    // The server's own failure: the URL reached it, and another one would not help.
    if code == codes::HTTP_ERROR
        && http_status(message).is_some_and(crate::transport::is_server_failure)
    {
        return Some(SERVER_FAILED_FIX);
    }
    if code == codes::PROTOCOL_ERROR && message.contains(crate::transport::WEB_PAGE_AFTER_MCP) {
        return Some(
            "The URL is right: the server answered there as an MCP server before. Something in front of it (a gateway's error page, a sign-in or security check) answered this message with a web page (quoted above). Try again; if it keeps happening, tell whoever runs the server.",
        );
    }
    if code == codes::PROTOCOL_ERROR && message.contains(crate::transport::WEB_PAGE) {
        return Some(
            "Check the URL: a web site answered, not an MCP server. The server's documentation gives its MCP endpoint, usually ending in /mcp (or /sse for the older transport).",
        );
    }
    // `npx` or `uvx` of a package its registry does not have: a run in a terminal would only say
    // so again.
    if code == codes::EXITED_EARLY && message.contains(NO_SUCH_NPM_PACKAGE) {
        return Some(NPM_PACKAGE_FIX);
    }
    if code == codes::EXITED_EARLY && message.contains(NO_SUCH_PYTHON_PACKAGE) {
        return Some(PYTHON_PACKAGE_FIX);
    }
    if code == codes::AUTH_REQUIRED {
        // A sign-in not done yet (the first, often): nothing failed, no header to check.
        if message.contains(crate::auth::SIGN_IN_REQUIRED) {
            return pick_sign_in(
                "Sign in: run `mcp-tray auth login NAME` (or use the Sign in button of the server's row in MCP Tray's Servers view); Claude Desktop uses the server once it restarts.",
                "Sign in with the Sign in button.",
                "Sign in with the Sign in button of the server's row in the Servers view.",
            );
        }
        // A sign-in that failed before any browser was opened (the sign-in page was never
        // reached, or no browser could be started): nothing waits in a browser to be finished.
        if message.contains(crate::auth::RUN_LOGIN)
            && message.contains(crate::auth::BEFORE_ANY_BROWSER)
        {
            return pick_sign_in(
                "Sign in again with `mcp-tray auth login NAME` once what stopped this sign-in before its page (said above) is dealt with; if no browser opens then, open the address it prints yourself.",
                "Sign in again with the Sign in button once what stopped this sign-in before its page (said above) is dealt with; if no browser opens then, open the address MCP Tray shows.",
                "Sign in again with the Sign in button of the server's row in the Servers view once what stopped this sign-in before its page (said above) is dealt with; if no browser opens then, open the address MCP Tray shows there.",
            );
        }
        // A sign-in that failed or was turned down in the browser: its message says how.
        if message.contains(crate::auth::RUN_LOGIN) {
            return pick_sign_in(
                "Sign in again: run `mcp-tray auth login NAME`, and finish the sign-in in the browser.",
                "Sign in again with the Sign in button, and finish the sign-in in the browser.",
                "Sign in again with the Sign in button of the server's row in the Servers view, and finish the sign-in in the browser.",
            );
        }
        if message.contains(crate::auth::NO_TOKEN_SIGN_IN) {
            return pick(
                "Ask the server's owner for a token and pass it with --header 'Authorization: Bearer TOKEN'.",
                "Ask the server's owner for a token and add it in the Edit form's headers: Authorization, with the value Bearer TOKEN.",
            );
        }
        // Which header was refused, and what the server offers instead, the message says.
        if message.contains(crate::auth::GIVEN_REFUSED) {
            if message.contains(crate::auth::SIGN_IN_INSTEAD) {
                return pick(
                    "Replace the Authorization header given with --header with a valid one, or leave it out and MCP Tray signs in to the server.",
                    "Replace the Authorization header in the Edit form's headers with a valid one, or remove it and MCP Tray signs in to the server.",
                );
            }
            if message.contains(crate::auth::TOKEN_INSTEAD) {
                return pick(
                    "Ask the server's owner for a token and pass it with --header 'Authorization: Bearer TOKEN', in place of the credentials it refused.",
                    "Ask the server's owner for a token and put it in the Edit form's headers (Authorization, with the value Bearer TOKEN), in place of the credentials it refused.",
                );
            }
            return pick(
                "Replace the credentials given with --header with valid ones.",
                "Replace the credentials in the Edit form's headers with valid ones.",
            );
        }
        if message.contains(crate::transport::NO_SIGN_IN) {
            return pick(
                "Pass the credentials the server asks for with --header 'Name: value'.",
                "Add the credentials the server asks for in the Edit form's headers.",
            );
        }
        if message.contains(crate::transport::REFUSED_ACCESS) {
            return pick(
                "Read the server's answer: it may want credentials passed with --header 'Name: value', or not let this computer or account in at all.",
                "Read the server's answer: it may want credentials in the Edit form's headers, or not let this computer or account in at all.",
            );
        }
    }
    general_fix_in(audience, code)
}

/// How a summary says that npm's registry has no package by the name `npx` was given ("the
/// package `xyz` does not exist in the npm registry (registry.npmjs.org)", [`MissingPackage`]):
/// [`fix_in`] knows its fix by these words, in a shim's journal event as in its reply.
pub const NO_SUCH_NPM_PACKAGE: &str = "does not exist in the npm registry";

/// What to do about a package npm's registry does not have.
pub const NPM_PACKAGE_FIX: &str = "Check the package's name in the entry's arguments (args): a typo, or a package renamed or removed. If it comes from a private registry, check that registry's address and your token for it in your .npmrc.";

/// How a summary says that the Python package index has no package by the name `uvx` was given
/// ("the package `xyz` does not exist in the Python package index", [`MissingPackage`]):
/// [`fix_in`] knows its fix by these words, as for npm's ([`NO_SUCH_NPM_PACKAGE`]).
pub const NO_SUCH_PYTHON_PACKAGE: &str = "does not exist in the Python package index";

/// What to do about a package the Python package index (PyPI, or the index uv is given) does not
/// have. `uvx NAME` runs the command NAME of the package NAME: a command its package names
/// otherwise is a package uv cannot find either.
pub const PYTHON_PACKAGE_FIX: &str = "Check the package's name in the entry's arguments (args): a typo, or a package renamed or removed. A command whose package has another name runs as `uvx --from PACKAGE COMMAND`. If it comes from a private index, check that index's address (--index-url or UV_INDEX_URL) and your credentials for it.";

/// The registry a missing package was looked for in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageIndex {
    /// npm's (run by `npx`).
    Npm,
    /// The Python package index (uv's, run by `uvx`).
    Python,
}

/// A package a registry did not have, as the tool that looked for it said on stderr: npm (run by
/// `npx`) or uv (run by `uvx`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingPackage {
    /// Its name as it was asked for, without a version (`@scope/name`, `xyz`).
    pub name: String,
    /// The registry's host (`registry.npmjs.org`), when the tool named it (npm does, uv does not).
    pub registry: Option<String>,
    pub index: PackageIndex,
}

impl MissingPackage {
    /// "the package `xyz` does not exist in the npm registry (registry.npmjs.org)", "the package
    /// `xyz` does not exist in the Python package index".
    pub fn summary(&self) -> String {
        let at = self
            .registry
            .as_deref()
            .map(|host| format!(" ({host})"))
            .unwrap_or_default();
        let not_there = match self.index {
            PackageIndex::Npm => NO_SUCH_NPM_PACKAGE,
            PackageIndex::Python => NO_SUCH_PYTHON_PACKAGE,
        };
        format!("the package `{}` {not_there}{at}", self.name)
    }

    pub fn fix(&self) -> &'static str {
        match self.index {
            PackageIndex::Npm => NPM_PACKAGE_FIX,
            PackageIndex::Python => PYTHON_PACKAGE_FIX,
        }
    }
}

/// The package a registry does not have, from a server's last stderr lines: npm's 404
/// ([`npm_missing`]) or uv's unsatisfiable requirement ([`uv_missing`]). `None` for anything else.
pub fn missing_package<S: AsRef<str>>(lines: &[S]) -> Option<MissingPackage> {
    npm_missing(lines).or_else(|| uv_missing(lines))
}

/// npm's 404 for the package it was asked for, `npm error 404 Not Found - GET
/// https://registry.npmjs.org/xyz` with `npm error 404  The requested resource 'xyz@*' could not
/// be found or you do not have permission to access it.` (npm 11) or `npm error 404  'xyz@*' is
/// not in this registry.` (npm 10), also as `npm ERR!` (npm 8 and older).
fn npm_missing<S: AsRef<str>>(lines: &[S]) -> Option<MissingPackage> {
    let mut from_url: Option<(String, String)> = None;
    let mut asked: Option<String> = None;
    for line in lines {
        let Some(said) = npm_said(line.as_ref()) else {
            continue;
        };
        let Some(rest) = said.strip_prefix("404") else {
            continue;
        };
        let rest = rest.trim();
        if let Some(url) = rest.strip_prefix("Not Found - GET ") {
            // npm 8 and 10 add " - Not found" after the URL.
            let url = url.split_whitespace().next().unwrap_or_default();
            from_url = from_url.or_else(|| package_of_url(url));
        } else if rest.contains("is not in this registry") || rest.contains("could not be found") {
            let quoted = rest.split('\'').nth(1).filter(|q| !q.is_empty());
            asked = asked.or_else(|| quoted.map(without_version));
        }
    }
    let (name, registry) = match (asked, from_url) {
        (Some(name), url) => (name, url.map(|(_, host)| host)),
        (None, Some((name, host))) => (name, Some(host)),
        (None, None) => return None,
    };
    Some(MissingPackage {
        name,
        registry,
        index: PackageIndex::Npm,
    })
}

/// uv's resolver on the package `uvx` was asked for: `Because xyz was not found in the package
/// registry and you require xyz, we can conclude that your requirements are unsatisfiable.`,
/// after `cause:` (uv 0.13) or after `╰─▶` and wrapped at 80 columns (uv 0.5), so the lines are
/// read as one text. Only the package asked for: a dependency the index lacks is another package's
/// problem ("… and mcp-x==1.0 depends on gone-dep"), and one "not found in the cache" (uv offline)
/// may well exist.
fn uv_missing<S: AsRef<str>>(lines: &[S]) -> Option<MissingPackage> {
    const NOT_FOUND: &str = " was not found in the package registry and you require ";
    let text = lines
        .iter()
        .map(|line| line.as_ref().trim())
        .collect::<Vec<_>>()
        .join(" ");
    let at = text.find(NOT_FOUND)?;
    let name = text[..at].rsplit(' ').next().unwrap_or_default();
    let required = text[at + NOT_FOUND.len()..].strip_prefix(name)?;
    // The requirement is the name, and a version or extras at most (`xyz>=1.0`, `xyz[cli]`).
    let whole_name = required
        .chars()
        .next()
        .is_none_or(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')));
    (!name.is_empty() && whole_name).then(|| MissingPackage {
        name: name.to_owned(),
        registry: None,
        index: PackageIndex::Python,
    })
}

/// What an npm log line says after its `npm error` / `npm ERR!` mark; `None` for another line.
fn npm_said(line: &str) -> Option<&str> {
    let line = line.trim();
    ["npm error", "npm ERR!"]
        .iter()
        .find_map(|mark| line.strip_prefix(mark))
        .filter(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
        .map(str::trim)
}

/// `xyz` of `xyz@*`, `@scope/name` of `@scope/name@^1.2`.
fn without_version(spec: &str) -> String {
    let from = usize::from(spec.starts_with('@'));
    match spec[from..].find('@') {
        Some(at) => spec[..from + at].to_owned(),
        None => spec.to_owned(),
    }
}

/// The package and the registry's host of a registry URL npm got a 404 for
/// (`https://registry.npmjs.org/@scope%2fname`, or a tarball's `…/name/-/name-1.0.0.tgz`).
fn package_of_url(url: &str) -> Option<(String, String)> {
    let rest = url.split_once("://")?.1;
    let (host, path) = rest.split_once('/')?;
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = path.split("/-/").next().unwrap_or(path);
    let name = path
        .replace("%2f", "/")
        .replace("%2F", "/")
        .replace("%40", "@");
    (!name.is_empty() && !host.is_empty()).then(|| (name, host.to_owned()))
}

/// The line of a server's last stderr lines that says the most about why it stopped: the last
/// one that is not a package runner's boilerplate ([`is_boilerplate`]: npm's "A complete log of
/// this run can be found in: …", its notices, an `npm error` line with nothing after its code, its
/// note that a package can also be installed from a tarball), or the last line when every one
/// is. `None` when there is no line.
pub fn last_words<S: AsRef<str>>(lines: &[S]) -> Option<&str> {
    lines
        .iter()
        .rev()
        .map(AsRef::as_ref)
        .find(|line| !is_boilerplate(line))
        .or_else(|| lines.last().map(AsRef::as_ref))
}

/// Whether a stderr line is a package runner's boilerplate, which says nothing of why a server
/// stopped ([`last_words`]).
fn is_boilerplate(line: &str) -> bool {
    let line = line.trim();
    if line.is_empty() || line.starts_with("npm notice") {
        return true;
    }
    let Some(said) = npm_said(line) else {
        return false;
    };
    // What follows an HTTP status (`404`, `404  'xyz@*' is not in this registry.`).
    let after_status = match said.split_once(char::is_whitespace) {
        Some((status, rest)) if is_status(status) => rest.trim(),
        _ if is_status(said) => "",
        _ => said,
    };
    after_status.is_empty()
        || said.starts_with("A complete log of this run can be found in")
        // npm 8 and older gave the log's path on a line of its own.
        || (said.ends_with(".log") && said.contains("_logs"))
        || after_status.starts_with("Note that you can also install from a")
        || after_status == "tarball, folder, http url, or git url."
}

/// `404`, `500`: three digits.
fn is_status(word: &str) -> bool {
    word.len() == 3 && word.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a sign-in (OAuth, in the browser) is what a failure with this code and message asks
/// for, so that a Sign in button may be offered: not for a server that wants credentials it
/// offers no sign-in for, a 403 that refuses access, a token asked for without a sign-in, nor
/// credentials given in the entry's headers and refused (those must change first).
pub fn offers_sign_in(code: &str, message: &str) -> bool {
    code == codes::AUTH_REQUIRED
        && ![
            crate::transport::NO_SIGN_IN,
            crate::transport::REFUSED_ACCESS,
            crate::auth::NO_TOKEN_SIGN_IN,
            crate::auth::GIVEN_REFUSED,
        ]
        .iter()
        .any(|m| message.contains(m))
}

/// The advice a bridge's or sign-in's message ends with, in the command line's words: what it
/// writes to Claude's log and stderr keeps it; the app shows its own fix instead.
const CLI_ADVICE: [&str; 9] = [
    crate::probe::RAISE_TIMEOUT,
    crate::config::snippet::ADD_BY_URL,
    crate::transport::UNKNOWN_CA_CLI_HINT,
    crate::transport::PASS_HEADERS,
    crate::transport::SIGN_IN_OR_TOKEN,
    crate::auth::GIVE_VALID,
    crate::auth::PASS_TOKEN,
    crate::auth::OPEN_APP_OR_LOGIN,
    crate::auth::RUN_LOGIN,
];

/// How a fix that names MCP Tray's tap says where to find it at a terminal (the app names only
/// its own Capture traffic).
pub const TAP_IN_A_TERMINAL: &str = "; `mcp-tray tap NAME` in a terminal";

/// A failure's message (a bridge's, a sign-in's) or a fix for `audience`: as it is for the command line;
/// for the app, without the command-line advice it ends with (the app shows [`fix_in`]'s).
pub fn message_in(audience: Audience, message: &str) -> String {
    if audience == Audience::Cli {
        return message.to_owned();
    }
    let message = match CLI_ADVICE.iter().filter_map(|a| message.find(a)).min() {
        Some(at) => message[..at].trim_end_matches([' ', ';', ':', ',']),
        None => message,
    };
    let mut message = message.replace(TAP_IN_A_TERMINAL, "").replace(
        crate::auth::GIVEN_REFUSED,
        "refused the credentials given in its headers",
    );
    for (cli, app) in APP_WORDS {
        message = message.replace(cli, app);
    }
    message
}

/// Words of the command line (a flag, a command, a key of the entry's JSON that the Edit form
/// changes) in texts written for both audiences, and what the app says in their place.
const APP_WORDS: [(&str, &str); 12] = [
    (
        crate::auth::token::PASS_CLIENT_ID,
        "sign in from a terminal with `mcp-tray auth login NAME --oauth-client-id ID` (and \
         --oauth-client-secret), giving a client registered there: the window has no field for it",
    ),
    (
        crate::config::edit::MERGE_EITHER_WAY,
        "(Fix above the server list does it; it can be undone)",
    ),
    (
        crate::supervise::resolve::ENTRY_COMMAND,
        "the Command field of its Edit form",
    ),
    (
        crate::supervise::resolve::TAPPED_COMMAND,
        "the Command field of its Edit form",
    ),
    (
        crate::bridge::ALLOW_HTTP_ADVICE,
        "or, if you really mean it, choose Allow unencrypted HTTP (in Add server, or in the Edit \
         form of a server on MCP Tray's bridge)",
    ),
    (
        crate::config::mcp_remote::HEADERS_AS_ARGS,
        "one by one, as the Headers of its Edit form",
    ),
    (
        crate::config::mcp_remote::REPLY_TIMEOUT,
        "its own timeout for each reply",
    ),
    (
        crate::config::mcp_remote::GIVEN_AS_CA_CERT,
        "given it as its CA certificate",
    ),
    (
        crate::config::mcp_remote::PROXY_IN_ENV,
        " in its env (the bridge goes through that proxy",
    ),
    (
        crate::config::document::MERGE_WITH_DOCTOR,
        "with the Fix button the Servers view shows then",
    ),
    (
        crate::claude_logs::classify::NO_OUTPUT_FIX,
        "Test it from its row in Servers, or run its command in a terminal, to see why it stops: \
         it wrote nothing to stderr before it did, so this log cannot say.",
    ),
    (
        crate::claude_logs::classify::SIGN_IN_FROM_LOGS,
        "Sign in with the Sign in button of its row in Servers (a server still run through npx \
         mcp-remote moves to MCP Tray's bridge first: its Fix button does it), or give it the API \
         key or token its documentation asks for.",
    ),
];

/// The stable diagnosis codes (DESIGN.md, "Diagnosis").
pub mod codes {
    pub const COMMAND_NOT_FOUND: &str = "command-not-found";
    pub const STDOUT_POLLUTION: &str = "stdout-pollution";
    pub const TIMEOUT: &str = "timeout";
    pub const EXITED_EARLY: &str = "exited-early";
    pub const AUTH_REQUIRED: &str = "auth-required";
    pub const CONNECTION_REFUSED: &str = "connection-refused";
    /// The connection was made, and the server closed it (it stopped, crashed or restarted)
    /// before it answered: its reply can never come.
    pub const CONNECTION_LOST: &str = "connection-lost";
    /// A message larger than MCP Tray's limit for one message (9.9 MiB: what a client of the MCP TypeScript SDK reads), dropped.
    pub const MESSAGE_TOO_LARGE: &str = "message-too-large";
    pub const TLS_ERROR: &str = "tls-error";
    pub const DNS_ERROR: &str = "dns-error";
    pub const HTTP_ERROR: &str = "http-error";
    pub const BAD_JSON_CONFIG: &str = "bad-json-config";
    /// No config file where Claude reads it (yet): information, not a fault.
    pub const NO_CONFIG_FILE: &str = "no-config-file";
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
    /// `"disabled": true` (Cline's way to turn a server off) in an entry Claude Desktop starts
    /// anyway, since it reads no such field.
    pub const DISABLED_IGNORED: &str = "disabled-ignored";
    /// An entry starts an `mcp-tray` from where it lives for a while only (an app run from its
    /// disk image, or from the copy macOS translocated it to).
    pub const TEMPORARY_LOCATION: &str = "temporary-location";

    /// Every code above: what a shim's journal event must carry to be a diagnosis (its other
    /// events, `connected`, `started`, `stderr`, `journal-dropped`…, are news, not findings).
    pub const ALL: &[&str] = &[
        COMMAND_NOT_FOUND,
        STDOUT_POLLUTION,
        TIMEOUT,
        EXITED_EARLY,
        AUTH_REQUIRED,
        CONNECTION_REFUSED,
        CONNECTION_LOST,
        MESSAGE_TOO_LARGE,
        TLS_ERROR,
        DNS_ERROR,
        HTTP_ERROR,
        BAD_JSON_CONFIG,
        NO_CONFIG_FILE,
        URL_ENTRY_UNSUPPORTED,
        WEBSOCKET_URL,
        MCP_REMOTE_REPLACEABLE,
        WINDOWS_MSIX_PATH,
        MISSING_ENV,
        RELATIVE_PATH,
        NODE_TOO_OLD,
        SESSION_EXPIRED,
        PROTOCOL_ERROR,
        REDIRECTED,
        INVALID_ENTRY,
        DUPLICATE_KEY,
        DISABLED_IGNORED,
        TEMPORARY_LOCATION,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_404_says_to_check_the_urls_path_and_what_mcp_paths_look_like() {
        let fix = fix_for(
            codes::HTTP_ERROR,
            "remote server at https://example.com/ answered HTTP 404 Not Found",
        )
        .expect("fix");
        assert!(fix.contains("/mcp") && fix.contains("path"), "{fix}");
        // Another client error: the address still is what to check.
        let other = fix_for(
            codes::HTTP_ERROR,
            "remote server at https://example.com/mcp answered HTTP 405: Method Not Allowed",
        );
        assert_eq!(other, general_fix(codes::HTTP_ERROR));
        // The server's own failure is not the address's.
        let failed = fix_for(
            codes::HTTP_ERROR,
            "remote server at https://example.com/mcp answered HTTP 500",
        );
        assert_eq!(failed, Some(SERVER_FAILED_FIX));
    }

    #[test]
    fn the_status_a_message_names_is_read_as_three_digits_standing_alone() {
        assert_eq!(http_status("x answered HTTP 503 to initialize"), Some(503));
        assert_eq!(http_status("x failed with HTTP 500 (Internal)"), Some(500));
        assert_eq!(http_status("HTTP 2: HTTP 4040, then HTTP 404"), Some(404));
        assert_eq!(http_status("no status at all; HTTP é"), None);
    }

    #[test]
    fn the_list_of_every_code_names_each_code_of_the_module() {
        // Read from this file: a code added above but not to `ALL` fails here.
        let source = include_str!("diagnose.rs");
        let module = source
            .split_once("pub mod codes {")
            .and_then(|(_, rest)| rest.split_once("\n}\n"))
            .map(|(body, _)| body)
            .expect("the codes module");
        let mut declared: Vec<&str> = module
            .lines()
            .filter_map(|l| l.trim().strip_prefix("pub const "))
            .filter_map(|l| l.split_once(": &str = \"")?.1.strip_suffix("\";"))
            .collect();
        let mut all = codes::ALL.to_vec();
        declared.sort_unstable();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), codes::ALL.len(), "a code listed twice");
        assert!(declared.len() > 20, "{declared:?}");
        assert_eq!(declared, all);
    }

    #[test]
    fn every_failure_a_shim_reports_has_a_general_fix_and_other_events_none() {
        for code in [
            codes::AUTH_REQUIRED,
            codes::CONNECTION_REFUSED,
            codes::CONNECTION_LOST,
            codes::MESSAGE_TOO_LARGE,
            codes::WEBSOCKET_URL,
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
    fn a_sign_in_the_window_cannot_do_says_where_to_do_it() {
        let message = format!(
            "sign-in to k failed: the authorization server has no client registration at http://x/register (HTTP 404); {}",
            crate::auth::token::PASS_CLIENT_ID
        );
        let shown = message_in(Audience::App, &message);
        assert!(shown.contains("from a terminal"), "{shown}");
        assert!(shown.contains("the window has no field for it"), "{shown}");
        assert_eq!(message_in(Audience::Cli, &message), message);
    }

    #[test]
    fn a_sign_in_is_offered_only_where_the_server_asked_for_one() {
        let offers = |msg: &str| offers_sign_in(codes::AUTH_REQUIRED, msg);
        assert!(offers("sign-in required for k: run mcp-tray auth login k"));
        assert!(offers(
            "remote server at http://x/mcp needs a sign-in (HTTP 401): sign in from MCP Tray or pass --header 'Authorization: Bearer …'"
        ));
        assert!(!offers(
            "initialize failed: server refused access (HTTP 403): your IP is blocked"
        ));
        assert!(!offers(
            "remote server at http://x/mcp needs credentials it offers no sign-in for (HTTP 401): API key required"
        ));
        assert!(!offers(
            "remote server at http://x/mcp asks for a token but offers no sign-in MCP Tray can use (HTTP 401)"
        ));
        assert!(!offers(
            "remote server at http://x/mcp refused the credentials given with --header (HTTP 401): bad; leave the Authorization header out and MCP Tray signs in"
        ));
        assert!(!offers_sign_in(codes::HTTP_ERROR, "sign-in required for k"));
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
            "Replace the credentials given with --header with valid ones."
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
    fn an_unknown_ca_is_fixed_with_the_flag_on_the_command_line_and_the_field_in_the_app() {
        let message = format!(
            "initialize failed: secure connection to https://x/mcp failed: {}{}",
            crate::transport::UNKNOWN_CA,
            crate::transport::UNKNOWN_CA_CLI_HINT
        );
        let cli = fix_in(Audience::Cli, codes::TLS_ERROR, &message).expect("fix");
        assert!(cli.contains("--ca-cert"), "{cli}");
        assert_eq!(fix_for(codes::TLS_ERROR, &message), Some(cli));
        let app = fix_in(Audience::App, codes::TLS_ERROR, &message).expect("fix");
        assert!(app.contains("CA certificate field"), "{app}");
        assert!(!app.contains("--"), "{app}");
    }

    /// Every message a bridge or sign-in writes that the app may show, with the fix it gets.
    fn app_shown_failures() -> Vec<(&'static str, String)> {
        use crate::auth::{GIVE_VALID, GIVEN_REFUSED, NO_TOKEN_SIGN_IN, OPEN_APP_OR_LOGIN};
        use crate::auth::{PASS_TOKEN, RUN_LOGIN, SIGN_IN_INSTEAD, TOKEN_INSTEAD};
        use crate::transport::{
            CA_AS_SERVER_CERT, NO_SIGN_IN, PASS_HEADERS, REFUSED_ACCESS, SIGN_IN_OR_TOKEN,
            UNKNOWN_CA, UNKNOWN_CA_CLI_HINT,
        };
        let refused = format!(
            "remote server at http://x/mcp {GIVEN_REFUSED} (HTTP 401): denied; they may have expired or be wrong: {GIVE_VALID}"
        );
        vec![
            (
                codes::TLS_ERROR,
                format!(
                    "secure connection to https://x/mcp failed: {UNKNOWN_CA}{UNKNOWN_CA_CLI_HINT}"
                ),
            ),
            (
                codes::TLS_ERROR,
                format!(
                    "secure connection to https://x/mcp failed: {CA_AS_SERVER_CERT}; it needs a leaf certificate"
                ),
            ),
            (codes::TLS_ERROR, "its certificate has expired".into()),
            (
                codes::AUTH_REQUIRED,
                format!(
                    "remote server at http://x/mcp {NO_TOKEN_SIGN_IN} (HTTP 401): token required; {PASS_TOKEN}"
                ),
            ),
            (codes::AUTH_REQUIRED, refused.clone()),
            (
                codes::AUTH_REQUIRED,
                format!("{refused}, or {SIGN_IN_INSTEAD} to the server"),
            ),
            (codes::AUTH_REQUIRED, format!("{refused}; {TOKEN_INSTEAD}")),
            (
                codes::AUTH_REQUIRED,
                format!(
                    "remote server at http://x/mcp {NO_SIGN_IN} (HTTP 401): key please; {PASS_HEADERS}"
                ),
            ),
            (
                codes::AUTH_REQUIRED,
                format!("initialize failed: {REFUSED_ACCESS}: your IP is blocked"),
            ),
            (
                codes::AUTH_REQUIRED,
                format!(
                    "remote server at http://x/mcp needs a sign-in (HTTP 401); {SIGN_IN_OR_TOKEN}"
                ),
            ),
            (
                codes::AUTH_REQUIRED,
                format!("sign-in required for linear: {OPEN_APP_OR_LOGIN} linear"),
            ),
            (
                codes::AUTH_REQUIRED,
                format!("sign-in to linear failed: the browser said no; {RUN_LOGIN} linear"),
            ),
            (
                codes::CONNECTION_REFUSED,
                "nothing listens at 127.0.0.1:9".into(),
            ),
        ]
    }

    #[test]
    fn a_probes_own_advice_in_the_app_names_no_flag_or_command() {
        let timeout = format!(
            "a first start may download packages (npx, uvx): try again{}",
            crate::probe::RAISE_TIMEOUT
        );
        assert_eq!(
            message_in(Audience::App, &timeout),
            "a first start may download packages (npx, uvx): try again"
        );
        let tap = format!(
            "Make the server write its logs to stderr, or run it through MCP Tray's tap (Capture traffic{TAP_IN_A_TERMINAL}): the tap moves such lines to stderr."
        );
        assert_eq!(
            message_in(Audience::App, &tap),
            "Make the server write its logs to stderr, or run it through MCP Tray's tap (Capture traffic): the tap moves such lines to stderr."
        );
        assert_eq!(message_in(Audience::Cli, &tap), tap);
    }

    #[test]
    fn the_app_gets_its_own_controls_and_the_command_line_its_flags_without_asides() {
        let cli_words = ["--", "mcp-tray ", "(in the app", "open MCP Tray"];
        for (code, message) in app_shown_failures() {
            let app = fix_in(Audience::App, code, &message).expect("a fix");
            let shown = message_in(Audience::App, &message);
            for words in cli_words {
                assert!(!app.contains(words), "{words:?} in the app's fix {app:?}");
                assert!(
                    !shown.contains(words),
                    "{words:?} in the app's message {shown:?}"
                );
            }
            // What happened stays; only the advice goes.
            assert!(shown.starts_with(&message[..16]), "{shown:?}");
            let cli = fix_in(Audience::Cli, code, &message).expect("a fix");
            assert!(!cli.contains("(in the app"), "{cli}");
            assert_eq!(message_in(Audience::Cli, &message), message);
        }
        // The controls each names.
        let app = |code, message: &str| fix_in(Audience::App, code, message).expect("fix");
        let [unknown_ca, _, _, no_token, refused, ..] = &app_shown_failures()[..] else {
            panic!("failures")
        };
        assert!(app(unknown_ca.0, &unknown_ca.1).contains("CA certificate field"));
        assert!(app(no_token.0, &no_token.1).contains("Edit form's headers"));
        assert!(app(refused.0, &refused.1).contains("Edit form's headers"));
        assert!(
            app(
                codes::AUTH_REQUIRED,
                "k refused this request (HTTP 403) even though MCP Tray is signed in"
            )
            .contains("Sign in button")
        );
        assert_eq!(
            message_in(
                Audience::App,
                &format!(
                    "sign-in required for linear: {} linear",
                    crate::auth::OPEN_APP_OR_LOGIN
                )
            ),
            "sign-in required for linear"
        );
        let cli = fix_in(Audience::Cli, no_token.0, &no_token.1).expect("fix");
        assert!(
            cli.contains("--header 'Authorization: Bearer TOKEN'"),
            "{cli}"
        );
    }

    #[test]
    fn a_sign_in_not_done_yet_is_asked_for_without_again_or_headers_and_names_the_server() {
        use crate::auth::{OPEN_APP_OR_LOGIN, RUN_LOGIN};
        let pending =
            format!("initialize failed: sign-in required for my docs: {OPEN_APP_OR_LOGIN} my docs");
        // The app strips the command line's advice before it asks for a fix: the same fix.
        let shown = message_in(Audience::App, &pending);
        for message in [pending.as_str(), shown.as_str()] {
            assert_eq!(
                fix_in(Audience::App, codes::AUTH_REQUIRED, message),
                Some("Sign in with the Sign in button.")
            );
        }
        let cli = Diagnosis::new(codes::AUTH_REQUIRED, Severity::Error, "x")
            .server("my docs")
            .fix(fix_in(Audience::Cli, codes::AUTH_REQUIRED, &pending).expect("fix"))
            .with_name_in_fix();
        let fix = cli.fix.expect("fix");
        assert!(
            fix.starts_with("Sign in: run `mcp-tray auth login \"my docs\"`"),
            "{fix}"
        );
        assert!(!fix.contains("again") && !fix.contains("header"), "{fix}");
        // A sign-in turned down in the browser: again, and still no headers.
        let denied = format!("sign-in to den failed: access_denied; {RUN_LOGIN} den");
        let app = fix_in(Audience::App, codes::AUTH_REQUIRED, &denied).expect("fix");
        assert!(
            app.starts_with("Sign in again with the Sign in button"),
            "{app}"
        );
        assert!(!app.contains("header"), "{app}");
    }

    #[test]
    fn the_logs_view_names_where_the_sign_in_button_is() {
        use crate::auth::{BEFORE_ANY_BROWSER, OPEN_APP_OR_LOGIN, RUN_LOGIN};
        for message in [
            format!("sign-in required for den: {OPEN_APP_OR_LOGIN} den"),
            format!("sign-in to den failed: access_denied; {RUN_LOGIN} den"),
            format!("sign-in to den failed {BEFORE_ANY_BROWSER}: no PKCE; {RUN_LOGIN} den"),
            "the server answered 401".to_owned(),
        ] {
            let row = fix_in(Audience::App, codes::AUTH_REQUIRED, &message).expect("fix");
            let logs = fix_in(Audience::AppLogs, codes::AUTH_REQUIRED, &message).expect("fix");
            assert!(row.contains("Sign in button"), "{row}");
            assert!(!row.contains("Servers view"), "beside it already: {row}");
            assert!(
                logs.contains("Sign in button of") && logs.contains("row in the Servers view"),
                "{logs}"
            );
            let cli = fix_in(Audience::Cli, codes::AUTH_REQUIRED, &message).expect("fix");
            assert!(cli.contains("`mcp-tray auth login NAME`"), "{cli}");
        }
        // What is not about the button reads as in the rest of the window.
        let tls = "its certificate is not signed by an authority this computer trusts";
        assert_eq!(
            fix_in(Audience::AppLogs, codes::TLS_ERROR, tls),
            fix_in(Audience::App, codes::TLS_ERROR, tls)
        );
    }

    #[test]
    fn a_sign_in_that_failed_before_any_browser_sends_nobody_to_finish_it_in_one() {
        use crate::auth::{BEFORE_ANY_BROWSER, RUN_LOGIN};
        let before = format!(
            "sign-in to den failed {BEFORE_ANY_BROWSER}: its authorization server does not offer PKCE S256; {RUN_LOGIN} den"
        );
        let after = format!("sign-in to den failed: the sign-in was denied; {RUN_LOGIN} den");
        for audience in [Audience::Cli, Audience::App, Audience::AppLogs] {
            let fix = fix_in(audience, codes::AUTH_REQUIRED, &before).expect("fix");
            assert!(
                !fix.contains("in the browser") && fix.contains("before its page"),
                "{fix}"
            );
            let fix = fix_in(audience, codes::AUTH_REQUIRED, &after).expect("fix");
            assert!(fix.contains("finish the sign-in in the browser"), "{fix}");
        }
    }

    #[test]
    fn only_the_placeholder_standing_alone_becomes_the_servers_name() {
        let d = Diagnosis::new(codes::STDOUT_POLLUTION, Severity::Warning, "x")
            .server("gh")
            .fix("run `mcp-tray tap NAME`; NAMES and MY_NAME stay, (NAME) goes");
        assert_eq!(
            d.with_name_in_fix().fix.as_deref(),
            Some("run `mcp-tray tap gh`; NAMES and MY_NAME stay, (gh) goes")
        );
        let whole_file = Diagnosis::new(codes::BAD_JSON_CONFIG, Severity::Error, "x").fix("NAME");
        assert_eq!(whole_file.with_name_in_fix().fix.as_deref(), Some("NAME"));
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

    /// What `npx -y some-package-that-does-not-exist-mcp-tray-qa` printed on stderr (npm 11.19,
    /// December 2026), the date of its log file's name aside.
    const NPX_404: &str = "npm error code E404
npm error 404 Not Found - GET https://registry.npmjs.org/some-package-that-does-not-exist-mcp-tray-qa
npm error 404
npm error 404  The requested resource 'some-package-that-does-not-exist-mcp-tray-qa@*' could not be found or you do not have permission to access it.
npm error 404
npm error 404 Note that you can also install from a
npm error 404 tarball, folder, http url, or git url.
npm error A complete log of this run can be found in: /root/.npm/_logs/2026-12-05T13_37_10_339Z-debug-0.log";

    #[test]
    fn a_servers_last_words_are_not_npms_boilerplate() {
        let lines: Vec<&str> = NPX_404.lines().collect();
        assert_eq!(
            last_words(&lines),
            Some(
                "npm error 404  The requested resource 'some-package-that-does-not-exist-mcp-tray-qa@*' could not be found or you do not have permission to access it."
            )
        );
        // npm 8's shape: the log's path on a line of its own, and its notices after the error.
        let old = [
            "npm ERR! code ETARGET",
            "npm ERR! notarget No matching version found for left-pad@99.0.0.",
            "npm ERR! ",
            "npm ERR! A complete log of this run can be found in:",
            "npm ERR!     /Users/ana/.npm/_logs/2022-03-01T10_00_00_000Z-debug-0.log",
            "npm notice New minor version of npm available! 8.1.0 -> 8.19.4",
        ];
        assert_eq!(
            last_words(&old),
            Some("npm ERR! notarget No matching version found for left-pad@99.0.0.")
        );
        // Any other server's last line is its last words; boilerplate alone is quoted as it is.
        assert_eq!(
            last_words(&["starting", "Error: API_KEY missing"]),
            Some("Error: API_KEY missing")
        );
        assert_eq!(last_words(&["npm error 404"]), Some("npm error 404"));
        assert_eq!(last_words::<&str>(&[]), None);
    }

    /// `uvx some-package-that-does-not-exist-xyz` with PyPI reachable: uv 0.13.9's words on stderr.
    const UVX_NOT_FOUND: &str = "error: No solution found when resolving tool dependencies
  cause: Because some-package-that-does-not-exist-xyz was not found in the package registry and you require some-package-that-does-not-exist-xyz, we can conclude that your requirements are unsatisfiable.";

    /// The same with uv 0.5.31, which wraps its message at 80 columns.
    const UVX_0_5_NOT_FOUND: &str = "  × No solution found when resolving tool dependencies:
  ╰─▶ Because some-package-that-does-not-exist-xyz was not found in the
      package registry and you require some-package-that-does-not-exist-xyz,
      we can conclude that your requirements are unsatisfiable.";

    #[test]
    fn uvs_unsatisfiable_requirement_names_the_python_package_the_index_lacks() {
        for said in [UVX_NOT_FOUND, UVX_0_5_NOT_FOUND] {
            let lines: Vec<&str> = said.lines().collect();
            let missing = missing_package(&lines).expect("a missing package");
            assert_eq!(missing.name, "some-package-that-does-not-exist-xyz");
            assert_eq!(
                missing.summary(),
                "the package `some-package-that-does-not-exist-xyz` does not exist in the Python package index"
            );
            for audience in [Audience::Cli, Audience::App] {
                let fix = fix_in(
                    audience,
                    codes::EXITED_EARLY,
                    &format!(
                        "uvx exited (exit code 1) before answering anything: {}",
                        missing.summary()
                    ),
                )
                .expect("a fix");
                assert_eq!(fix, missing.fix());
                assert!(
                    fix.contains("package's name in the entry's arguments")
                        && !fix.contains(".npmrc"),
                    "{fix}"
                );
            }
        }
        // A version asked for is not part of the name (uv 0.5.31, `uvx 'mcp-server-fetchh>=1.0'`).
        let versioned = [
            "  × No solution found when resolving tool dependencies:",
            "  ╰─▶ Because mcp-server-fetchh was not found in the package registry and you",
            "      require mcp-server-fetchh>=1.0, we can conclude that your requirements",
            "      are unsatisfiable.",
        ];
        assert_eq!(
            missing_package(&versioned).map(|m| m.name),
            Some("mcp-server-fetchh".to_owned())
        );
        // A dependency the index lacks is not the package the entry names; offline, uv looked in
        // its cache only.
        let dependency = [
            "  × No solution found when resolving tool dependencies:",
            "  ╰─▶ Because gone-dep was not found in the package registry and mcp-x==1.0 depends on gone-dep, we can conclude that mcp-x==1.0 cannot be used.",
        ];
        assert_eq!(missing_package(&dependency), None);
        let offline = [
            "error: No solution found when resolving tool dependencies",
            "  cause: Because some-package-that-does-not-exist-xyz was not found in the cache and you require some-package-that-does-not-exist-xyz, we can conclude that your requirements are unsatisfiable.",
            "",
            "hint: Packages were unavailable because the network was disabled. When the network is disabled, registry packages may only be read from the cache.",
        ];
        assert_eq!(missing_package(&offline), None);
    }

    #[test]
    fn npms_404_names_the_package_its_registry_does_not_have() {
        let lines: Vec<&str> = NPX_404.lines().collect();
        let missing = missing_package(&lines).expect("a missing package");
        assert_eq!(
            missing.summary(),
            "the package `some-package-that-does-not-exist-mcp-tray-qa` does not exist in the npm registry (registry.npmjs.org)"
        );
        // Its fix, for the journal's event as for the reply that says it.
        for audience in [Audience::Cli, Audience::App] {
            let fix = fix_in(
                audience,
                codes::EXITED_EARLY,
                &format!(
                    "npx exited (exit code 1) before answering anything: {}",
                    missing.summary()
                ),
            )
            .expect("a fix");
            assert!(
                fix.contains("package's name in the entry's arguments") && fix.contains(".npmrc"),
                "{fix}"
            );
        }

        // A scoped package with a version, npm 10's words, a private registry.
        let scoped = [
            "npm error code E404",
            "npm error 404 Not Found - GET https://npm.example.com/@acme%2fmcp-server - Not found",
            "npm error 404",
            "npm error 404  '@acme/mcp-server@^2.1.0' is not in this registry.",
        ];
        assert_eq!(
            missing_package(&scoped),
            Some(MissingPackage {
                name: "@acme/mcp-server".into(),
                registry: Some("npm.example.com".into()),
                index: PackageIndex::Npm,
            })
        );
        // npm 8's, with the URL alone.
        let old =
            ["npm ERR! 404 Not Found - GET https://registry.npmjs.org/@acme%2fgone - Not found"];
        assert_eq!(
            missing_package(&old).map(|m| m.name),
            Some("@acme/gone".to_owned())
        );
        // Another failure of npm, or a server's own 404: no missing package.
        assert_eq!(missing_package(&["npm error code ENOENT"]), None);
        assert_eq!(
            missing_package(&["Error: 404 Not Found - GET https://api.example.com/x"]),
            None
        );
        assert_eq!(
            fix_for(
                codes::EXITED_EARLY,
                "sh exited (exit code 2) before answering anything"
            ),
            general_fix(codes::EXITED_EARLY)
        );
    }
}
