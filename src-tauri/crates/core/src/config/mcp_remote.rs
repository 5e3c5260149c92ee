//! Replacing an `npx mcp-remote URL …` entry with MCP Tray's bridge, carrying over everything
//! mcp-remote was told (mcp-remote 0.15.1: its README and its `parseCommandLineArgs`).
//!
//! Each option maps to the bridge's own where there is one (`--header`, `--allow-http`,
//! `--transport`, `--ignore-tool`, `--static-oauth-client-info`, the `scope` of
//! `--static-oauth-client-metadata`, `--client-metadata-url`, `--disable-resource-parameter`,
//! `--resource`, `--authorize-param`, `--auth-timeout`, `--keep-alive` and `--ping-interval`,
//! `NODE_EXTRA_CA_CERTS`; `--enable-proxy` is what the bridge always does). One the bridge cannot do and without which the server may
//! stop working (`--header-file`, another grant, `--protocol auto`, an option MCP Tray does not
//! know…) refuses the replacement with the reason: the entry stays as it is. The rest is said:
//! what the bridge does differently ([`Migration::changes`]) and what only concerned mcp-remote
//! ([`Migration::own`]). Secrets move into the entry's `env` and are never said.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::ConfigError;
use super::snippet::bridge_entry;

/// The env variable a client secret given inline in `--static-oauth-client-info` moves to.
pub const CLIENT_SECRET_VAR: &str = "MCP_TRAY_OAUTH_CLIENT_SECRET";

/// A bridge entry standing in for an `npx mcp-remote` one, and what it does not carry over.
#[derive(Debug, Clone, PartialEq)]
pub struct Migration {
    pub entry: Value,
    /// What mcp-remote was told that the bridge does differently or not at all, each with what
    /// changes (`--ipv4 (the bridge connects over IPv6 too …)`).
    pub changes: Vec<String>,
    /// mcp-remote's own options, left out since they only concerned mcp-remote (`--debug`).
    pub own: Vec<String>,
}

impl Migration {
    /// What the replacement leaves behind, as sentences ("" when nothing is).
    pub fn said(&self) -> String {
        let mut out = String::new();
        if !self.changes.is_empty() {
            out.push_str(&format!(
                " Not the same with the bridge: {}.",
                self.changes.join("; ")
            ));
        }
        if !self.own.is_empty() {
            out.push_str(&format!(
                " Left out, as they only concerned mcp-remote: {}.",
                self.own.join(", ")
            ));
        }
        out
    }
}

/// The migration's notes that name the bridge's flags or the entry's JSON, in the command line's
/// words: [`crate::diagnose::message_in`] names the app's controls instead.
pub const HEADERS_AS_ARGS: &str =
    "as --header 'Name: ${VAR}' arguments with the values in the entry's \"env\"";
pub const REPLY_TIMEOUT: &str = "--timeout for each reply";
pub const GIVEN_AS_CA_CERT: &str = "given it as --ca-cert";
pub const PROXY_IN_ENV: &str = " in \"env\" (the bridge goes through that proxy";

/// Options of mcp-remote that take a value (the next word, whatever it is, as mcp-remote reads it).
const VALUE_OPTIONS: &[&str] = &[
    "--transport",
    "--protocol",
    "--host",
    "--callback-path",
    "--auth-success-url",
    "--static-oauth-client-metadata",
    "--static-oauth-client-info",
    "--client-metadata-url",
    "--token-endpoint",
    "--resource",
    "--authorize-param",
    "--ignore-tool",
    "--auth-timeout",
    "--connect-timeout",
    "--body-timeout",
    "--headers-timeout",
    "--ping-interval",
];

/// Whether `word` is the `mcp-remote` package an entry runs (`mcp-remote`, `mcp-remote@latest`).
pub fn is_mcp_remote(word: &str) -> bool {
    word == "mcp-remote" || word.starts_with("mcp-remote@")
}

/// The bridge entry doing the job of `npx mcp-remote URL ARGS…` (`args` are the entry's, `npx`'s
/// own included), with the entry's own `env` kept. `Err` says why the bridge cannot do the job.
pub fn migrate(
    name: &str,
    url: &str,
    args: &[String],
    env: Option<&Value>,
    exe: &Path,
) -> Result<Migration, ConfigError> {
    let own_env = env.and_then(Value::as_object).cloned().unwrap_or_default();
    let refuse = |why: String| Err(ConfigError::Invalid(why));
    let rest = match args.iter().position(|a| is_mcp_remote(a)) {
        Some(pos) => &args[pos + 1..],
        None => args,
    };
    // Headers first, as mcp-remote takes them out before reading anything else.
    let mut headers = Vec::new();
    let mut words: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        match rest[i].as_str() {
            "--header" if i + 1 < rest.len() => {
                if let Some((k, v)) = crate::transport::split_header(&rest[i + 1]) {
                    headers.push((k.to_owned(), v.to_owned()));
                }
                i += 2;
            }
            "--header-file" if i + 1 < rest.len() => {
                return refuse(format!(
                    "it reads headers from {} (--header-file), and the bridge takes headers only \
                     {HEADERS_AS_ARGS}",
                    rest[i + 1]
                ));
            }
            w => {
                words.push(w);
                i += 1;
            }
        }
    }
    // The URL, and right after it the sign-in callback's port, if it is a number.
    let mut callback_port = None;
    if let Some(at) = words.iter().position(|w| *w == url) {
        words.remove(at);
        if let Some(w) = words.get(at)
            && !w.is_empty()
            && w.chars().all(|c| c.is_ascii_digit())
        {
            callback_port = Some(words.remove(at).to_owned());
        }
    }

    let mut extra: Vec<String> = Vec::new();
    let mut extra_env = Map::new();
    let mut changes: Vec<String> = Vec::new();
    let mut own: Vec<String> = Vec::new();
    let mut allow_http = false;
    let mut transport = None;
    let mut enable_proxy = false;
    let mut pre_registered = false;
    let mut client_credentials = false;
    let mut no_resource = false;
    let mut resource = None;
    let mut callback: Vec<String> = Vec::new();
    let mut host = None;
    let mut callback_path = None;
    let mut timeouts = Vec::new();
    let mut keep_alive = false;
    let mut ping_interval = None;
    let mut seen: Vec<&str> = Vec::new();

    let mut iter = words.into_iter();
    while let Some(word) = iter.next() {
        let takes_value = VALUE_OPTIONS.contains(&word);
        let value = if takes_value {
            match iter.next() {
                Some(v) => v,
                // mcp-remote reads an option without its value as not given.
                None => continue,
            }
        } else {
            ""
        };
        // mcp-remote reads the first of each option (all of --ignore-tool and --authorize-param).
        let repeatable = matches!(word, "--ignore-tool" | "--authorize-param");
        if takes_value && !repeatable {
            if seen.contains(&word) {
                continue;
            }
            seen.push(word);
        }
        match word {
            "--allow-http" => allow_http = true,
            "--transport" => match value {
                "http-only" => transport = Some("http"),
                "sse-only" => transport = Some("sse"),
                "sse-first" => changes.push(
                    "--transport sse-first (the bridge tries Streamable HTTP first, then the \
                     older HTTP+SSE)"
                        .into(),
                ),
                // http-first is the bridge's own way; anything else mcp-remote ignores too.
                _ => {}
            },
            "--ignore-tool" => {
                extra.push("--ignore-tool".into());
                extra.push(bridge_glob(value));
            }
            "--static-oauth-client-info" => {
                pre_registered = true;
                client_info(value, &own_env, &mut extra, &mut extra_env, &mut changes)
                    .map_err(ConfigError::Invalid)?;
            }
            "--static-oauth-client-metadata" => {
                client_metadata(value, &mut extra, &mut changes).map_err(ConfigError::Invalid)?;
            }
            "--client-metadata-url" => {
                let v = value.trim();
                // mcp-remote ignores one that is not an https URL with a path.
                if url::Url::parse(v).is_ok_and(|u| u.scheme() == "https" && u.path() != "/") {
                    pre_registered = true;
                    extra.push("--oauth-client-metadata-url".into());
                    extra.push(v.to_owned());
                }
            }
            "--resource" if value.trim().is_empty() => no_resource = true,
            "--resource" => match crate::auth::resource_override(value) {
                Ok(r) => resource = Some(r),
                Err(e) => {
                    return refuse(format!(
                        "mcp-remote itself refuses its --resource and does not start: {e}"
                    ));
                }
            },
            "--disable-resource-parameter" => no_resource = true,
            "--authorize-param" => match crate::auth::authorize_param(value) {
                Ok(_) => {
                    extra.push("--oauth-authorize-param".into());
                    extra.push(value.to_owned());
                }
                Err(e) => {
                    return refuse(format!(
                        "mcp-remote itself refuses its --authorize-param and does not start: {e}"
                    ));
                }
            },
            "--client-credentials" => client_credentials = true,
            "--token-endpoint" => {
                return refuse(
                    "it names its token endpoint itself (--token-endpoint), and the bridge finds \
                     it only in the server's metadata"
                        .into(),
                );
            }
            "--device-code" => {
                return refuse(
                    "it signs in with a device code (--device-code), and the bridge signs in \
                     only in a browser on this computer"
                        .into(),
                );
            }
            "--use-id-token" => {
                return refuse(
                    "it sends the sign-in's ID token (--use-id-token), and the bridge sends the \
                     access token, which this server may refuse"
                        .into(),
                );
            }
            "--protocol" if value == "auto" => {
                return refuse(
                    "it runs with --protocol auto, for servers of MCP's 2026-07-28 revision, \
                     which the bridge does not speak yet (if the server answers `initialize`, \
                     remove --protocol auto and switch then)"
                        .into(),
                );
            }
            // legacy is what the bridge speaks; anything else mcp-remote ignores too.
            "--protocol" => {}
            "--auth-timeout" => match value.trim().parse::<u64>() {
                Ok(secs) if secs > 0 => {
                    extra.push("--oauth-wait".into());
                    extra.push(secs.to_string());
                }
                _ => {}
            },
            "--host" => {
                host = Some(value.to_owned());
                callback.push(format!("--host {value}"));
            }
            "--callback-path" => {
                callback_path = Some(value.to_owned());
                callback.push(format!("--callback-path {value}"));
            }
            "--auth-success-url" => changes.push(
                "--auth-success-url (after a sign-in the browser shows MCP Tray's own page)".into(),
            ),
            "--connect-timeout" | "--body-timeout" | "--headers-timeout" => timeouts.push(word),
            "--keep-alive" => keep_alive = true,
            "--ping-interval" => ping_interval = seconds(value),
            "--ipv4" => changes.push(
                "--ipv4 (the bridge connects over IPv6 too where the host has an IPv6 address)"
                    .into(),
            ),
            "--enable-proxy" => enable_proxy = true,
            "--debug" => own.push("--debug".into()),
            "--silent" => own.push("--silent".into()),
            "--disable-cookies" => extra.push("--no-cookies".into()),
            w if w.starts_with('-') => {
                return refuse(format!(
                    "MCP Tray does not know mcp-remote's {w}, so it cannot tell whether the \
                     bridge would do the same"
                ));
            }
            // A stray word: mcp-remote ignores it too.
            _ => {}
        }
    }
    if client_credentials {
        if !extra.iter().any(|a| a == "--oauth-client-secret") {
            return refuse(
                "it asks for --client-credentials without a client secret in \
                 --static-oauth-client-info, so mcp-remote itself cannot get a token"
                    .into(),
            );
        }
        extra.push("--oauth-flow".into());
        extra.push("client-credentials".into());
    }
    // Without the resource parameter, mcp-remote drops --resource too.
    if no_resource {
        extra.push("--oauth-no-resource".into());
    } else if let Some(resource) = resource {
        extra.push("--oauth-resource".into());
        extra.push(resource);
    }
    if !timeouts.is_empty() {
        changes.push(format!(
            "{} (the bridge's own timeouts apply: 10 s to connect, {REPLY_TIMEOUT})",
            timeouts.join(", ")
        ));
    }
    // mcp-remote pings when told either; its default period is the bridge's too.
    if let Some(secs) =
        ping_interval.or(keep_alive.then_some(crate::bridge::DEFAULT_PING_INTERVAL.as_secs_f64()))
    {
        // The bridge pings at most once a second.
        extra.push("--ping-interval".into());
        extra.push(secs.max(1.0).to_string());
    }
    if let Some(port) = &callback_port {
        callback.insert(0, format!("callback port {port}"));
    }
    // No browser comes back anywhere with the client credentials grant.
    if (pre_registered && !client_credentials) || !callback.is_empty() {
        let bridge = crate::auth::redirect_uri_for(url);
        let theirs = format!(
            "http://{}:{}{}",
            host.as_deref().unwrap_or(if cfg!(windows) {
                "127.0.0.1"
            } else {
                "localhost"
            }),
            callback_port.as_deref().unwrap_or("<port>"),
            callback_path.as_deref().unwrap_or("/oauth/callback")
        );
        let what = if callback.is_empty() {
            "the sign-in's callback".to_owned()
        } else {
            callback.join(", ")
        };
        let mut said =
            format!("{what} (a sign-in comes back to {bridge}, not to mcp-remote's {theirs})");
        if pre_registered {
            said.push_str(&format!(
                "; add {bridge} to the redirect URIs registered for the client"
            ));
        }
        changes.push(said);
    }
    // NODE_EXTRA_CA_CERTS is Node's: the bridge is told the same file as --ca-cert.
    if let Some(ca) = own_env.get("NODE_EXTRA_CA_CERTS").and_then(Value::as_str) {
        let ca = ca.trim();
        if !ca.is_empty() {
            if !Path::new(ca).is_file() {
                return refuse(format!(
                    "its NODE_EXTRA_CA_CERTS names {ca}, which is not a file, and the bridge \
                     {GIVEN_AS_CA_CERT} would refuse to start: fix the path first"
                ));
            }
            extra.push("--ca-cert".into());
            extra.push(ca.to_owned());
        }
    }
    if own_env.contains_key("MCP_REMOTE_CONFIG_DIR") {
        own.push(
            "MCP_REMOTE_CONFIG_DIR (mcp-remote's sign-in store: the bridge keeps its own)".into(),
        );
    }
    if !enable_proxy {
        let proxies: Vec<&str> = own_env
            .keys()
            .map(String::as_str)
            .filter(|k| {
                matches!(
                    k.to_ascii_uppercase().as_str(),
                    "HTTP_PROXY" | "HTTPS_PROXY" | "ALL_PROXY"
                )
            })
            .collect();
        if !proxies.is_empty() {
            changes.push(format!(
                "{}{PROXY_IN_ENV}; mcp-remote ignored it \
                 without --enable-proxy)",
                proxies.join(", ")
            ));
        }
    }

    let mut entry = bridge_entry(name, url, &headers, transport, allow_http, exe)?;
    if let Some(obj) = entry.as_object_mut() {
        if let Some(Value::Array(a)) = obj.get_mut("args") {
            a.extend(extra.into_iter().map(Value::String));
        }
        let merged = obj
            .entry("env")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(merged) = merged.as_object_mut() {
            for (k, v) in extra_env {
                merged.insert(k, v);
            }
            for (k, v) in own_env {
                merged.entry(k).or_insert(v);
            }
        }
        if obj
            .get("env")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            obj.remove("env");
        }
    }
    Ok(Migration {
        entry,
        changes,
        own,
    })
}

/// A positive number of seconds as mcp-remote reads one (`--ping-interval`); `None` for anything
/// else, which mcp-remote ignores (with a warning in its log).
fn seconds(value: &str) -> Option<f64> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= 31_536_000.0)
}

/// An mcp-remote `--ignore-tool` pattern as the bridge's glob: only `*` is a wildcard there, and
/// the bridge's globs read `?`, `[`, `]`, `{`, `}` and `\` too, so those are made plain.
fn bridge_glob(pattern: &str) -> String {
    pattern
        .chars()
        .map(|c| match c {
            '?' | '[' | ']' | '{' | '}' | '\\' => format!("[{c}]"),
            c => c.to_string(),
        })
        .collect()
}

/// JSON given inline, or the reason it cannot be used.
fn inline_json(option: &str, value: &str) -> Result<Map<String, Value>, String> {
    if let Some(file) = value.strip_prefix('@') {
        return Err(format!(
            "it reads {option} from the file {file}, and the bridge takes what it needs as \
             arguments, not from a file"
        ));
    }
    match serde_json::from_str::<Value>(value) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(format!(
            "its {option} is not a JSON object, so mcp-remote cannot start with it either: fix it \
             first"
        )),
    }
}

/// `--static-oauth-client-info '{"client_id": …, "client_secret": …}'` as `--oauth-client-id` and
/// `--oauth-client-secret` (an inline secret moves to `env`).
fn client_info(
    value: &str,
    own_env: &Map<String, Value>,
    extra: &mut Vec<String>,
    extra_env: &mut Map<String, Value>,
    changes: &mut Vec<String>,
) -> Result<(), String> {
    const OPTION: &str = "--static-oauth-client-info";
    let info = inline_json(OPTION, value)?;
    let Some(id) = info.get("client_id").and_then(Value::as_str) else {
        return Err(format!("its {OPTION} has no client_id"));
    };
    // The bridge reads `${VAR}` in the secret, not in the id: an id from the entry's env is
    // written out (ids are not secret).
    let id = match env_ref(id) {
        Some(var) => match own_env.get(var).and_then(Value::as_str) {
            Some(v) => v.to_owned(),
            None => {
                return Err(format!(
                    "its client_id is ${{{var}}}, which the entry's \"env\" does not set, and the \
                     bridge's --oauth-client-id is not read from the environment"
                ));
            }
        },
        None if id.contains("${") => {
            return Err(
                "its client_id is built from the environment, and the bridge's --oauth-client-id \
                 is not read from it"
                    .into(),
            );
        }
        None => id.to_owned(),
    };
    extra.push("--oauth-client-id".into());
    extra.push(id);
    if let Some(secret) = info.get("client_secret").and_then(Value::as_str) {
        let secret = if secret.contains("${") {
            secret.to_owned()
        } else {
            extra_env.insert(CLIENT_SECRET_VAR.into(), json!(secret));
            format!("${{{CLIENT_SECRET_VAR}}}")
        };
        extra.push("--oauth-client-secret".into());
        extra.push(secret);
    }
    let others: Vec<&str> = info
        .keys()
        .map(String::as_str)
        .filter(|k| {
            !matches!(
                *k,
                "client_id" | "client_secret" | "client_id_issued_at" | "client_secret_expires_at"
            )
        })
        .collect();
    if !others.is_empty() {
        changes.push(format!(
            "{} of {OPTION} (the bridge is given the client's id and secret only)",
            others.join(", ")
        ));
    }
    Ok(())
}

/// `--static-oauth-client-metadata '{"scope": …}'`: its scope as `--oauth-scope`; the rest said.
fn client_metadata(
    value: &str,
    extra: &mut Vec<String>,
    changes: &mut Vec<String>,
) -> Result<(), String> {
    const OPTION: &str = "--static-oauth-client-metadata";
    let meta = inline_json(OPTION, value)?;
    if let Some(scope) = meta.get("scope").and_then(Value::as_str) {
        extra.push("--oauth-scope".into());
        extra.push(scope.to_owned());
    }
    let others: Vec<&str> = meta
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "scope")
        .collect();
    if !others.is_empty() {
        changes.push(format!(
            "{} of {OPTION} (the bridge registers with its own client metadata)",
            others.join(", ")
        ));
    }
    Ok(())
}

/// `VAR` when `s` is exactly `${VAR}`.
fn env_ref(s: &str) -> Option<&str> {
    s.strip_prefix("${")?
        .strip_suffix('}')
        .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

#[cfg(test)]
#[path = "mcp_remote_tests.rs"]
mod tests;
