//! Turning what READMEs tell people to paste into config entries.
//!
//! Accepted: a whole `{"mcpServers": {…}}`, a bare `{"name": {…}}` map, a single entry (named by the
//! caller or after its package or host), VS Code's `{"servers": {…}}` (also inside `"mcp"`), a URL, and
//! an `npx mcp-remote URL …` command line. Entries with `url`/`type` (which Claude Desktop's config
//! cannot take) become bridge entries (`mcp-tray bridge URL`), and so do entries that run
//! `npx mcp-remote URL` (what mcp-remote was told carried over,
//! [`super::mcp_remote`], or the entry kept with why). Snippets are parsed leniently
//! (comments and trailing commas are common in READMEs); what is written is always plain JSON.
//! Secret header values move into the entry's `env` and are referenced as `${VAR}`.

use std::path::Path;

use jsonc_parser::ParseOptions;
use serde_json::{Map, Value, json};

use super::ConfigError;
use super::mcp_remote::{is_mcp_remote, migrate};
use crate::bridge::check_url;

/// Entries read from a snippet, in order, with notes about conversions made.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snippet {
    pub entries: Vec<(String, Value)>,
    /// Conversions made on the way (`"linear": url entry turned into a bridge entry`).
    pub notes: Vec<String>,
}

/// Reads a snippet. `name` names a single entry (otherwise it is derived). `exe` is the `mcp-tray`
/// binary bridge entries start.
pub fn parse_snippet(text: &str, name: Option<&str>, exe: &Path) -> Result<Snippet, ConfigError> {
    parse_snippet_with(text, name, exe, false)
}

/// [`parse_snippet`], with plain `http://` to a host other than this machine allowed for every
/// URL it holds when `allow_http` (the bridge entries then say `--allow-http`).
pub fn parse_snippet_with(
    text: &str,
    name: Option<&str>,
    exe: &Path,
    allow_http: bool,
) -> Result<Snippet, ConfigError> {
    let trimmed = text.trim().trim_start_matches('\u{feff}');
    if trimmed.is_empty() {
        return Err(ConfigError::Invalid("the snippet is empty".into()));
    }
    if !trimmed.starts_with('{') && !trimmed.starts_with('"') {
        return parse_command_line(trimmed, name, exe, allow_http);
    }
    let value = parse_lenient(trimmed)
        .or_else(|first| parse_lenient(&format!("{{{trimmed}}}")).map_err(|_| first))?;
    let Value::Object(obj) = value else {
        return Err(ConfigError::Invalid(
            "the snippet must be a JSON object".into(),
        ));
    };
    let map = if let Some(Value::Object(m)) = obj.get("mcpServers") {
        m.clone()
    } else if let Some(Value::Object(m)) = obj.get("servers") {
        m.clone()
    } else if let Some(Value::Object(m)) = obj.get("mcp").and_then(|m| m.get("servers")) {
        m.clone()
    } else if is_entry(&obj) {
        let entry = Value::Object(obj);
        let name = match name {
            Some(n) => n.to_owned(),
            None => suggest_name_for_entry(&entry),
        };
        let mut m = Map::new();
        m.insert(name, entry);
        m
    } else if obj.values().all(|v| v.as_object().is_some_and(is_entry)) {
        obj
    } else {
        Map::new()
    };
    // `{}`, and an empty `"mcpServers": {}` as much: nothing to add is not a success.
    if map.is_empty() {
        return Err(ConfigError::Invalid(
            "the snippet holds no server entries: expected {\"mcpServers\": {…}}, {\"name\": {\"command\": …}}, \
             a single {\"command\": …} or {\"url\": …} entry, a URL, or an `npx mcp-remote URL` line"
                .into(),
        ));
    }
    let mut out = Snippet::default();
    for (name, entry) in map {
        let converted = convert_entry(&name, entry, exe, allow_http, &mut out.notes)?;
        out.entries.push((name, converted));
    }
    Ok(out)
}

fn parse_lenient(text: &str) -> Result<Value, ConfigError> {
    jsonc_parser::parse_to_serde_value::<Option<Value>>(text, &ParseOptions::default())
        .map_err(|e| {
            let (line, column) = super::document::line_col(text, e.range().start);
            ConfigError::Invalid(format!(
                "the snippet is not valid JSON at line {line}, column {column}: {}",
                e.kind()
            ))
        })?
        .ok_or_else(|| ConfigError::Invalid("the snippet is empty".into()))
}

fn is_entry(obj: &Map<String, Value>) -> bool {
    ["command", "url", "serverUrl", "httpUrl"]
        .iter()
        .any(|k| obj.contains_key(*k))
}

fn entry_url(obj: &Map<String, Value>) -> Option<&str> {
    ["url", "serverUrl", "httpUrl"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_str))
}

fn convert_entry(
    name: &str,
    entry: Value,
    exe: &Path,
    allow_http: bool,
    notes: &mut Vec<String>,
) -> Result<Value, ConfigError> {
    let Value::Object(mut obj) = entry else {
        return Err(ConfigError::Invalid(format!(
            "\"{name}\": a server entry must be a JSON object"
        )));
    };
    if obj.get("command").is_some_and(Value::is_string) {
        if obj.get("type").and_then(Value::as_str) == Some("stdio") {
            obj.remove("type");
        }
        if let Some(url) = mcp_remote_url(&obj) {
            let args: Vec<String> = obj
                .get("args")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            return Ok(match migrate(name, &url, &args, obj.get("env"), exe) {
                Ok(m) => {
                    notes.push(format!(
                        "\"{name}\": `npx mcp-remote {url}` turned into a bridge entry (MCP Tray's native bridge; its options, headers and env carried over).{}",
                        m.said()
                    ));
                    m.entry
                }
                Err(why) => {
                    notes.push(format!(
                        "\"{name}\" uses `npx mcp-remote {url}` and is kept as it is: {why}"
                    ));
                    Value::Object(obj)
                }
            });
        }
        return Ok(Value::Object(obj));
    }
    let Some(url) = entry_url(&obj) else {
        return Err(ConfigError::Invalid(format!(
            "\"{name}\" has neither \"command\" nor \"url\""
        )));
    };
    let headers: Vec<(String, String)> = obj
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| {
            h.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let transport = match obj.get("type").and_then(Value::as_str) {
        Some("sse") => Some("sse"),
        Some("http" | "streamable-http" | "streamableHttp") => Some("http"),
        _ => None,
    };
    notes.push(format!(
        "\"{name}\": url entry turned into a bridge entry (Claude Desktop only starts commands)"
    ));
    bridge_entry(name, url, &headers, transport, allow_http, exe)
}

fn mcp_remote_url(obj: &Map<String, Value>) -> Option<String> {
    let args = obj.get("args")?.as_array()?;
    let pos = args
        .iter()
        .position(|a| a.as_str().is_some_and(is_mcp_remote))?;
    args[pos + 1..]
        .iter()
        .filter_map(Value::as_str)
        .find(|a| a.starts_with("http://") || a.starts_with("https://"))
        .map(str::to_owned)
}

/// The entry that runs MCP Tray's bridge for `url`. Secret-looking header values go into `env`.
/// A plain `http://` URL to another host is refused (the bridge would refuse it at every start)
/// unless `allow_http`, which the entry then passes on as `--allow-http`.
pub fn bridge_entry(
    name: &str,
    url: &str,
    headers: &[(String, String)],
    transport: Option<&str>,
    allow_http: bool,
    exe: &Path,
) -> Result<Value, ConfigError> {
    check_remote_url(url, allow_http)?;
    let mut args = vec![json!("bridge"), json!(url), json!("--name"), json!(name)];
    if allow_http && url.trim().to_ascii_lowercase().starts_with("http://") {
        args.push(json!("--allow-http"));
    }
    if let Some(t) = transport {
        args.push(json!("--transport"));
        args.push(json!(t));
    }
    let mut env = Map::new();
    for (key, value) in headers {
        args.push(json!("--header"));
        args.push(json!(header_arg(key, value, &mut env)));
    }
    let mut entry = Map::new();
    entry.insert("command".into(), json!(exe.to_string_lossy()));
    entry.insert("args".into(), Value::Array(args));
    if !env.is_empty() {
        entry.insert("env".into(), Value::Object(env));
    }
    Ok(Value::Object(entry))
}

/// The bridge's `--header` argument for `key: value`. A secret-looking header's value goes into
/// `env` as `MCP_TRAY_HEADER_<KEY>` and the argument names it (`${MCP_TRAY_HEADER_<KEY>}`), so that
/// the credential is not in the args that process lists and logs show.
pub fn header_arg(key: &str, value: &str, env: &mut Map<String, Value>) -> String {
    let value = if crate::redact::is_secret_header(key) && !value.contains("${") {
        let var = format!(
            "MCP_TRAY_HEADER_{}",
            key.to_ascii_uppercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        );
        env.insert(var.clone(), json!(value));
        format!("${{{var}}}")
    } else {
        value.to_owned()
    };
    format!("{key}: {value}")
}

/// Refuses URLs the bridge cannot use: WebSocket, anything but http(s), and plain `http://` to a
/// host other than this machine unless `allow_http` (the bridge's own rule, [`check_url`]).
pub fn check_remote_url(url: &str, allow_http: bool) -> Result<(), ConfigError> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("ws://") || lower.starts_with("wss://") {
        return Err(ConfigError::Invalid(format!(
            "{url} is a WebSocket URL, and MCP has no WebSocket transport. Remote MCP servers speak \
             Streamable HTTP (usually a URL ending in /mcp) or the older HTTP+SSE (ending in /sse); \
             look for that URL in the server's documentation"
        )));
    }
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(ConfigError::Invalid(format!(
            "{url} is not an http:// or https:// URL"
        )));
    }
    check_url(url, allow_http).map(drop).map_err(|d| {
        let fix = d
            .fix
            .as_deref()
            .map(|f| format!(". {f}"))
            .unwrap_or_default();
        ConfigError::Invalid(format!("{}{fix}", d.summary))
    })
}

/// Reads a URL or an `npx mcp-remote URL [--header 'K: V']…` line.
fn parse_command_line(
    line: &str,
    name: Option<&str>,
    exe: &Path,
    allow_http: bool,
) -> Result<Snippet, ConfigError> {
    let words = split_words(line);
    let url = words
        .iter()
        .find(|w| {
            let l = w.to_ascii_lowercase();
            ["http://", "https://", "ws://", "wss://"]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .ok_or_else(|| ConfigError::Invalid(format!("no URL found in \"{line}\"")))?;
    let name = name.map_or_else(|| suggest_name_for_url(url), str::to_owned);
    // `npx mcp-remote URL …` is read as the entry it would be, and replaced as such (everything
    // mcp-remote was told carried over, or the entry kept with why).
    if let Some(pos) = words.iter().position(|w| is_mcp_remote(w))
        && (url.starts_with("http://") || url.starts_with("https://"))
    {
        let (command, args) = match pos {
            0 => (
                "npx",
                std::iter::once("-y")
                    .chain(words.iter().map(String::as_str))
                    .collect::<Vec<_>>(),
            ),
            _ => (
                words[0].as_str(),
                words[1..].iter().map(String::as_str).collect(),
            ),
        };
        let entry = json!({"command": command, "args": args});
        let mut notes = Vec::new();
        let entry = convert_entry(&name, entry, exe, allow_http, &mut notes)?;
        return Ok(Snippet {
            entries: vec![(name, entry)],
            notes,
        });
    }
    let mut headers = Vec::new();
    let mut transport = None;
    let mut allow_http = allow_http;
    let mut iter = words.iter();
    while let Some(w) = iter.next() {
        match w.as_str() {
            // mcp-remote's own flag for plain http:// to another host, and the bridge's.
            "--allow-http" => allow_http = true,
            "--header" => {
                if let Some((k, v)) = iter.next().and_then(|h| crate::transport::split_header(h)) {
                    headers.push((k.to_owned(), v.to_owned()));
                }
            }
            "--transport" => {
                transport = match iter.next().map(String::as_str) {
                    Some("sse-only") => Some("sse"),
                    Some("http-only") => Some("http"),
                    _ => None,
                };
            }
            _ => {}
        }
    }
    let entry = bridge_entry(&name, url, &headers, transport, allow_http, exe)?;
    Ok(Snippet {
        entries: vec![(name, entry)],
        notes: Vec::new(),
    })
}

/// Splits a command line into words, honouring single and double quotes.
fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// A server name from a URL's host: `https://mcp.linear.app/sse` → `linear`.
pub fn suggest_name_for_url(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p))
            if p.chars().all(|c| c.is_ascii_digit()) && !h.ends_with(']') || h.starts_with('[') =>
        {
            (h, Some(p))
        }
        _ => (authority, None),
    };
    let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
    let is_ip = host.parse::<std::net::IpAddr>().is_ok();
    if host == "localhost" || is_ip {
        return match port {
            Some(p) => format!("local-{p}"),
            None => "local".into(),
        };
    }
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    let skip = ["www", "mcp", "api", "server", "remote", "app"];
    let meaningful: Vec<&str> = match labels.len() {
        0 => Vec::new(),
        1 => labels.clone(),
        n => labels[..n - 1]
            .iter()
            .copied()
            .filter(|l| !skip.contains(l))
            .collect(),
    };
    // The registrable name is the last meaningful label before the TLD (`mcp.linear.app` → linear).
    let pick = meaningful
        .last()
        .or(labels.first())
        .copied()
        .unwrap_or("remote");
    sanitize_name(pick)
}

/// A server name from an entry: its package (`@modelcontextprotocol/server-github` → `github`),
/// its URL's host, or its command.
pub fn suggest_name_for_entry(entry: &Value) -> String {
    let obj = entry.as_object();
    if let Some(url) = obj.and_then(entry_url) {
        return suggest_name_for_url(url);
    }
    let args: Vec<&str> = obj
        .and_then(|o| o.get("args"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(pkg) = args.iter().find(|a| !a.starts_with('-')) {
        let base = pkg.rsplit('/').next().unwrap_or(pkg);
        let base = base.split('@').next().unwrap_or(base);
        let base = base.trim_end_matches(".py").trim_end_matches(".js");
        let stripped = base
            .strip_prefix("mcp-server-")
            .or_else(|| base.strip_prefix("server-"))
            .or_else(|| base.strip_suffix("-mcp-server"))
            .or_else(|| base.strip_suffix("-mcp"))
            .unwrap_or(base);
        if !stripped.is_empty() {
            return sanitize_name(stripped);
        }
    }
    let cmd = obj
        .and_then(|o| o.get("command"))
        .and_then(Value::as_str)
        .unwrap_or("server");
    let file = cmd.rsplit(['/', '\\']).next().unwrap_or(cmd);
    sanitize_name(file.split('.').next().unwrap_or(file))
}

fn sanitize_name(s: &str) -> String {
    let name: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = name.trim_matches('-').to_owned();
    if name.is_empty() {
        "server".into()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXE: &str = "/opt/mcp-tray/mcp-tray";

    fn parse(text: &str) -> Snippet {
        parse_snippet(text, None, Path::new(EXE)).unwrap()
    }

    #[test]
    fn whole_claude_config_snippet() {
        let s = parse(
            r#"{ "mcpServers": { "github": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "<YOUR_TOKEN>"} }, } }"#,
        );
        assert_eq!(s.entries.len(), 1);
        assert_eq!(s.entries[0].0, "github");
        assert_eq!(s.entries[0].1["command"], "npx");
    }

    #[test]
    fn bare_map_without_outer_braces() {
        let s = parse(r#""fetch": { "command": "uvx", "args": ["mcp-server-fetch"] }"#);
        assert_eq!(s.entries[0].0, "fetch");
    }

    #[test]
    fn single_entry_is_named_after_its_package() {
        let s = parse(
            r#"{"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]}"#,
        );
        assert_eq!(s.entries[0].0, "filesystem");
    }

    #[test]
    fn vscode_servers_with_url_become_bridge_entries() {
        let s = parse(
            r#"{"servers": {"linear": {"type": "http", "url": "https://mcp.linear.app/mcp", "headers": {"Authorization": "Bearer abc", "X-Team": "t"}}}}"#,
        );
        let entry = &s.entries[0].1;
        assert_eq!(entry["command"], EXE);
        assert_eq!(
            entry["args"],
            json!([
                "bridge",
                "https://mcp.linear.app/mcp",
                "--name",
                "linear",
                "--transport",
                "http",
                "--header",
                "Authorization: ${MCP_TRAY_HEADER_AUTHORIZATION}",
                "--header",
                "X-Team: t"
            ])
        );
        assert_eq!(entry["env"]["MCP_TRAY_HEADER_AUTHORIZATION"], "Bearer abc");
        assert!(!s.notes.is_empty());
    }

    #[test]
    fn mcp_remote_line_becomes_bridge_entry() {
        let s =
            parse("npx -y mcp-remote@latest https://mcp.atlassian.com/v1/sse --header 'X-Key: 1'");
        assert_eq!(s.entries[0].0, "atlassian");
        assert_eq!(
            s.entries[0].1["args"][1],
            "https://mcp.atlassian.com/v1/sse"
        );
        assert_eq!(s.entries[0].1["args"][5], "X-Key: ${MCP_TRAY_HEADER_X_KEY}");
    }

    #[test]
    fn a_json_entry_running_mcp_remote_becomes_a_bridge_entry_with_its_headers_and_env() {
        let json = r#"{"mcpServers": {"remote2": {"command": "npx",
            "args": ["mcp-remote", "https://example.com/sse", "--header", "X-Api-Key: ${KEY}"],
            "env": {"KEY": "abc"}}}}"#;
        let s = parse_snippet(json, None, Path::new(EXE)).expect("parses");
        let (name, entry) = &s.entries[0];
        assert_eq!(name, "remote2");
        assert_eq!(entry["command"], EXE);
        assert_eq!(
            entry["args"],
            json!([
                "bridge",
                "https://example.com/sse",
                "--name",
                "remote2",
                "--header",
                "X-Api-Key: ${KEY}"
            ])
        );
        assert_eq!(
            entry["env"]["KEY"], "abc",
            "the token the header names stays"
        );
        assert!(
            s.notes
                .iter()
                .any(|n| n.contains("turned into a bridge entry")),
            "{:?}",
            s.notes
        );
        // One the bridge would refuse (plain http:// to another host) is kept as it was, with why.
        let plain =
            r#"{"lan": {"command": "npx", "args": ["mcp-remote", "http://192.168.1.5/mcp"]}}"#;
        let s = parse_snippet(plain, None, Path::new(EXE)).expect("parses");
        assert_eq!(s.entries[0].1["command"], "npx");
        assert!(
            s.notes.iter().any(|n| n.contains("kept as it is")),
            "{:?}",
            s.notes
        );
    }

    #[test]
    fn a_pasted_mcp_remote_line_carries_its_options_over_or_is_kept_with_why() {
        let s = parse(
            "npx -y mcp-remote https://mcp.example.com/sse --transport sse-only --ignore-tool 'delete*' --silent",
        );
        assert_eq!(
            s.entries[0].1["args"],
            json!([
                "bridge",
                "https://mcp.example.com/sse",
                "--name",
                "example",
                "--transport",
                "sse",
                "--ignore-tool",
                "delete*"
            ])
        );
        assert!(
            s.notes[0].contains("turned into a bridge entry")
                && s.notes[0].contains("only concerned mcp-remote: --silent"),
            "{:?}",
            s.notes
        );
        // What the bridge cannot do keeps the line as the entry it is, with why.
        let s = parse("npx mcp-remote https://mcp.example.com/sse --device-code");
        assert_eq!(s.entries[0].1["command"], "npx");
        assert_eq!(
            s.entries[0].1["args"],
            json!(["mcp-remote", "https://mcp.example.com/sse", "--device-code"])
        );
        assert!(
            s.notes[0].contains("kept as it is") && s.notes[0].contains("--device-code"),
            "{:?}",
            s.notes
        );
    }

    #[test]
    fn a_snippet_with_an_empty_server_map_is_refused_as_one_with_no_entries() {
        for text in [
            "{}",
            r#"{"mcpServers": {}}"#,
            r#"{"servers": {}}"#,
            r#"{"mcp": {"servers": {}}}"#,
            r#""mcpServers": {}"#,
        ] {
            let err = parse_snippet(text, None, Path::new(EXE))
                .unwrap_err()
                .to_string();
            assert!(err.contains("holds no server entries"), "{text}: {err}");
        }
    }

    #[test]
    fn websocket_url_is_refused_with_an_explanation() {
        let err = parse_snippet("wss://example.com/mcp", None, Path::new(EXE))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no WebSocket transport") && err.contains("/mcp"),
            "{err}"
        );
    }

    #[test]
    fn plain_http_to_another_host_is_refused_unless_allowed_and_then_passed_on() {
        let err = parse_snippet("http://mcp.example.com/mcp", None, Path::new(EXE))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("plain HTTP") && err.contains("https://") && err.contains("--allow-http"),
            "{err}"
        );
        let json = r#"{"lan": {"url": "http://192.168.1.5:8000/mcp"}}"#;
        assert!(parse_snippet(json, None, Path::new(EXE)).is_err());

        let s = parse("npx -y mcp-remote http://192.168.1.5:8000/mcp --allow-http");
        assert_eq!(
            s.entries[0].1["args"],
            json!([
                "bridge",
                "http://192.168.1.5:8000/mcp",
                "--name",
                "local-8000",
                "--allow-http"
            ])
        );
        let local = parse("http://127.0.0.1:3001/mcp");
        assert_eq!(
            local.entries[0].1["args"],
            json!([
                "bridge",
                "http://127.0.0.1:3001/mcp",
                "--name",
                "local-3001"
            ])
        );
    }

    #[test]
    fn plain_http_allowed_by_the_caller_is_taken_from_a_url_and_a_json_url_entry() {
        let allowed = |text: &str| {
            parse_snippet_with(text, Some("lan"), Path::new(EXE), true).expect("allowed")
        };
        let expected = json!([
            "bridge",
            "http://192.168.1.5:8000/mcp",
            "--name",
            "lan",
            "--allow-http"
        ]);
        assert_eq!(
            allowed("http://192.168.1.5:8000/mcp").entries[0].1["args"],
            expected
        );
        assert_eq!(
            allowed(r#"{"url": "http://192.168.1.5:8000/mcp"}"#).entries[0].1["args"],
            expected
        );
        // An https:// URL has nothing to allow.
        assert_eq!(
            allowed("https://mcp.example.com/mcp").entries[0].1["args"],
            json!(["bridge", "https://mcp.example.com/mcp", "--name", "lan"])
        );
    }

    #[test]
    fn names_from_urls() {
        assert_eq!(suggest_name_for_url("https://mcp.linear.app/sse"), "linear");
        assert_eq!(
            suggest_name_for_url("https://api.githubcopilot.com/mcp/"),
            "githubcopilot"
        );
        assert_eq!(
            suggest_name_for_url("http://127.0.0.1:3001/mcp"),
            "local-3001"
        );
        assert_eq!(
            suggest_name_for_url("https://docs.mcp.cloudflare.com/sse"),
            "cloudflare"
        );
        assert_eq!(suggest_name_for_url("http://localhost/mcp"), "local");
    }
}
