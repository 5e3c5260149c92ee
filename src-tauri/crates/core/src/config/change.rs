//! The edit of one entry as a person makes it in a form: a new command, args, env, URL or name.
//!
//! [`edits_for`] turns such a change into the [`Edit`]s the config engine applies (an `Update` of
//! the entry's value, then a `Rename`), so that the write stays minimal, atomic and undoable like
//! every other. Keys of the entry that the form does not show are kept, in their order. For a
//! tapped entry the form edits the wrapped command (after `--`); for a bridged remote, the URL in
//! the bridge's arguments. Env values the form never showed (secrets left masked) are kept as they
//! are: the form sends [`EnvValue::Keep`] for them. This module never reads or writes a file.

use serde_json::{Map, Value};

use super::document::{EntryKind, ServerEntry};
use super::{ConfigError, Edit};

/// An env value as the form sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    /// Keep the value the entry has (a secret the user did not reveal or change).
    Keep,
    /// Set this value.
    Set(String),
}

/// What the form changes; `None` leaves that part as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryChange {
    pub name: Option<String>,
    /// The command that runs (for a tapped entry, the wrapped one).
    pub command: Option<String>,
    pub args: Option<Vec<String>>,
    /// The whole env, in order; an empty list removes `env`.
    pub env: Option<Vec<(String, EnvValue)>>,
    /// The URL, for remote and URL entries.
    pub url: Option<String>,
    /// The whole list of `--header`s of a bridged remote, in order (name, value); an empty list
    /// removes them. A secret-looking value is kept in `env` ([`super::snippet::header_arg`]).
    pub headers: Option<Vec<(String, EnvValue)>>,
    /// The CA certificate file a bridged remote trusts (`--ca-cert`); an empty one removes it.
    /// The caller checks the file first: this module never reads one.
    pub ca_cert: Option<String>,
    /// Whether a bridged remote may use plain `http://` to a host other than this machine
    /// (`--allow-http`).
    pub allow_http: Option<bool>,
}

fn invalid(message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid(message.into())
}

/// The edits that make `entry` what `change` says; an error when the change does not fit the
/// entry (a URL for a local command, an empty command, an env value to keep that it does not
/// have), or changes nothing ("nothing to save: … nothing changed", never an empty list).
pub fn edits_for(entry: &ServerEntry, change: &EntryChange) -> Result<Vec<Edit>, ConfigError> {
    let name = &entry.name;
    let (obj, new_name) = changed(entry, change)?;
    let mut edits = Vec::new();
    if Some(&obj) != entry.value.as_object() {
        edits.push(Edit::Update {
            name: name.clone(),
            entry: Value::Object(obj),
        });
    }
    if let Some(new_name) = new_name {
        edits.push(Edit::Rename {
            from: name.clone(),
            to: new_name,
        });
    }
    // Writing the same entry again would still make a backup and an Undo that undoes nothing:
    // nothing is written, and the answer says why in the words of the one who saved.
    if edits.is_empty() {
        return Err(invalid(format!(
            "nothing to save: \"{name}\" is already like this (nothing changed), so the file was left as it was"
        )));
    }
    Ok(edits)
}

/// The entry as `change` would make it, before anything is written (to test it first): the same
/// value and name [`edits_for`] writes, and the entry itself when the change changes nothing. An
/// error when the change does not fit the entry.
pub fn edited_entry(entry: &ServerEntry, change: &EntryChange) -> Result<ServerEntry, ConfigError> {
    let (obj, new_name) = changed(entry, change)?;
    let value = Value::Object(obj);
    let raw = value.to_string();
    Ok(ServerEntry::from_value(
        new_name.unwrap_or_else(|| entry.name.clone()),
        value,
        raw,
    ))
}

/// The entry's value after `change`, and its new name when the change renames it.
fn changed(
    entry: &ServerEntry,
    change: &EntryChange,
) -> Result<(Map<String, Value>, Option<String>), ConfigError> {
    let name = &entry.name;
    let Value::Object(original) = &entry.value else {
        return Err(invalid(format!(
            "\"{name}\" is not an object; fix it in the file first"
        )));
    };
    let mut obj = original.clone();
    if let Some(allow) = change.allow_http {
        if !matches!(entry.kind, EntryKind::Remote { .. }) {
            return Err(invalid(format!(
                "\"{}\" does not run through MCP Tray's bridge; plain HTTP cannot be allowed here",
                entry.name
            )));
        }
        set_bridge_flag(&mut obj, "--allow-http", allow);
    }
    if let Some(command) = &change.command {
        set_command(entry, &mut obj, command)?;
    }
    if let Some(args) = &change.args {
        set_args(entry, &mut obj, args)?;
    }
    if let Some(env) = &change.env {
        set_env(entry, &mut obj, env)?;
    }
    if let Some(url) = &change.url {
        set_url(entry, &mut obj, url)?;
    }
    if let (Some(false), EntryKind::Remote { url }) = (change.allow_http, &entry.kind) {
        // Never write an entry the bridge would refuse at every start.
        super::snippet::check_remote_url(change.url.as_deref().unwrap_or(url).trim(), false)?;
    }
    if let Some(headers) = &change.headers {
        set_headers(entry, &mut obj, headers)?;
    }
    if let Some(ca_cert) = &change.ca_cert {
        if !matches!(entry.kind, EntryKind::Remote { .. }) {
            return Err(invalid(format!(
                "\"{}\" does not run through MCP Tray's bridge; it cannot be given a CA certificate here",
                entry.name
            )));
        }
        let path = ca_cert.trim();
        set_bridge_option(&mut obj, "--ca-cert", (!path.is_empty()).then_some(path));
    }
    let new_name = change.name.as_deref().map(str::trim).filter(|n| *n != name);
    if let Some(new_name) = new_name {
        if new_name.is_empty() {
            return Err(invalid("a server needs a name"));
        }
        rename_in_args(&mut obj, name, new_name);
    }
    Ok((obj, new_name.map(str::to_owned)))
}

fn string_args(args: &[String]) -> Value {
    Value::Array(args.iter().cloned().map(Value::String).collect())
}

/// The args before the wrapped command of a tapped entry: `wrap --name N --`.
fn tap_prefix(entry: &ServerEntry) -> Option<&[String]> {
    let sep = entry.args.iter().position(|a| a == "--")?;
    Some(&entry.args[..=sep])
}

fn tapped_args(prefix: &[String], command: &str, args: &[String]) -> Value {
    let mut all = prefix.to_vec();
    all.push(command.to_owned());
    all.extend(args.iter().cloned());
    string_args(&all)
}

fn set_command(
    entry: &ServerEntry,
    obj: &mut Map<String, Value>,
    command: &str,
) -> Result<(), ConfigError> {
    let command = command.trim();
    if command.is_empty() {
        return Err(invalid("the command is empty"));
    }
    match &entry.kind {
        EntryKind::Local | EntryKind::Invalid { .. } => {
            obj.insert("command".into(), Value::String(command.to_owned()));
        }
        EntryKind::Tapped { args, .. } => {
            let prefix = tap_prefix(entry).unwrap_or_default();
            let args = obj
                .get("args")
                .and_then(Value::as_array)
                .map(|all| {
                    all.iter()
                        .skip(prefix.len() + 1)
                        .filter_map(|a| a.as_str().map(str::to_owned))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_else(|| args.clone());
            obj.insert("args".into(), tapped_args(prefix, command, &args));
        }
        _ => {
            return Err(invalid(format!(
                "\"{}\" is a remote server; change its URL instead of its command",
                entry.name
            )));
        }
    }
    Ok(())
}

fn set_args(
    entry: &ServerEntry,
    obj: &mut Map<String, Value>,
    args: &[String],
) -> Result<(), ConfigError> {
    match &entry.kind {
        EntryKind::Local | EntryKind::Invalid { .. } => {
            obj.insert("args".into(), string_args(args));
        }
        EntryKind::Tapped { command, .. } => {
            let prefix = tap_prefix(entry).unwrap_or_default();
            // The command may have been changed just before.
            let current = obj
                .get("args")
                .and_then(Value::as_array)
                .and_then(|all| all.get(prefix.len()))
                .and_then(Value::as_str)
                .unwrap_or(command)
                .to_owned();
            obj.insert("args".into(), tapped_args(prefix, &current, args));
        }
        _ => {
            return Err(invalid(format!(
                "\"{}\" is a remote server; change its URL instead of its args",
                entry.name
            )));
        }
    }
    Ok(())
}

fn set_env(
    entry: &ServerEntry,
    obj: &mut Map<String, Value>,
    env: &[(String, EnvValue)],
) -> Result<(), ConfigError> {
    let mut out = Map::new();
    for (key, value) in env {
        let key = key.trim();
        if key.is_empty() {
            return Err(invalid("an environment variable has no name"));
        }
        if out.contains_key(key) {
            return Err(invalid(format!("{key} is set twice")));
        }
        let value = match value {
            EnvValue::Set(v) => v.clone(),
            EnvValue::Keep => entry
                .env
                .get(key)
                .cloned()
                .ok_or_else(|| invalid(format!("{key} has no value yet; type one")))?,
        };
        out.insert(key.to_owned(), Value::String(value));
    }
    if out.is_empty() {
        obj.remove("env");
    } else {
        obj.insert("env".into(), Value::Object(out));
    }
    Ok(())
}

fn set_url(
    entry: &ServerEntry,
    obj: &mut Map<String, Value>,
    url: &str,
) -> Result<(), ConfigError> {
    let url = url.trim();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(invalid(format!(
            "{url:?} is not an http(s) URL; remote MCP servers have one, usually ending in /mcp or /sse"
        )));
    }
    let old = match &entry.kind {
        EntryKind::Remote { url: old } | EntryKind::McpRemote { url: old } => {
            // The bridge (and mcp-remote) refuse a plain http:// URL to another host at every
            // start unless the entry says --allow-http (as changed): never write one it would
            // refuse.
            let allow_http = obj
                .get("args")
                .and_then(Value::as_array)
                .is_some_and(|args| args.iter().any(|a| a.as_str() == Some("--allow-http")));
            super::snippet::check_remote_url(url, allow_http)?;
            old
        }
        EntryKind::UrlEntry { .. } => {
            let key = if obj.contains_key("url") {
                "url"
            } else {
                "serverUrl"
            };
            obj.insert(key.into(), Value::String(url.to_owned()));
            return Ok(());
        }
        _ => {
            return Err(invalid(format!(
                "\"{}\" is a local command; it has no URL",
                entry.name
            )));
        }
    };
    if let Some(Value::Array(args)) = obj.get_mut("args") {
        for arg in args.iter_mut().filter(|a| a.as_str() == Some(old.as_str())) {
            *arg = Value::String(url.to_owned());
        }
    }
    Ok(())
}

/// The `--header`s of a bridged remote as written: (name, value), in order. A value the entry
/// keeps in `env` reads `${MCP_TRAY_HEADER_…}` ([`header_env_var`]).
pub fn headers_of(entry: &ServerEntry) -> Vec<(String, String)> {
    if !matches!(entry.kind, EntryKind::Remote { .. }) {
        return Vec::new();
    }
    entry
        .args
        .windows(2)
        .filter(|pair| pair[0] == "--header")
        .map(|pair| split_header(&pair[1]))
        .collect()
}

/// A `--header` argument as (name, value); one without a colon is shown as a name with no value.
fn split_header(arg: &str) -> (String, String) {
    let (name, value) = crate::transport::split_header(arg).unwrap_or((arg.trim(), ""));
    (name.to_owned(), value.to_owned())
}

/// The env variable a header's value names when the entry keeps it there (`${MCP_TRAY_HEADER_X}`).
pub fn header_env_var(value: &str) -> Option<&str> {
    value
        .strip_prefix("${")
        .and_then(|v| v.strip_suffix('}'))
        .filter(|var| var.starts_with("MCP_TRAY_HEADER_"))
}

/// Replaces the `--header` pairs of a bridged remote where the first one was (at the end when it
/// had none); every other argument stays as it is. Secret values go to `env`, and the env
/// variables of headers that are gone leave with them.
fn set_headers(
    entry: &ServerEntry,
    obj: &mut Map<String, Value>,
    headers: &[(String, EnvValue)],
) -> Result<(), ConfigError> {
    if !matches!(entry.kind, EntryKind::Remote { .. }) {
        return Err(invalid(format!(
            "\"{}\" does not run through MCP Tray's bridge; its headers cannot be changed here",
            entry.name
        )));
    }
    let old = headers_of(entry);
    let args = obj
        .get("args")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let original_env = obj.get("env").and_then(Value::as_object).cloned();
    let mut env = original_env.clone().unwrap_or_default();
    let mut kept = Vec::with_capacity(args.len());
    let mut at = None;
    let mut i = 0;
    while i < args.len() {
        if args[i].as_str() == Some("--header") && i + 1 < args.len() {
            at.get_or_insert(kept.len());
            i += 2;
        } else {
            kept.push(args[i].clone());
            i += 1;
        }
    }
    let mut new_args = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (key, value) in headers {
        let key = key.trim();
        if key.is_empty() {
            return Err(invalid("a header has no name"));
        }
        if key.contains(|c: char| c == ':' || c.is_whitespace()) {
            return Err(invalid(format!("{key:?} is not a header name")));
        }
        if names.iter().any(|n| n.eq_ignore_ascii_case(key)) {
            return Err(invalid(format!("{key} is set twice")));
        }
        names.push(key.to_owned());
        let before = old.iter().find(|(k, _)| k.eq_ignore_ascii_case(key));
        let arg = match (value, before) {
            (EnvValue::Keep, Some((_, v))) => format!("{key}: {v}"),
            (EnvValue::Keep, None) => {
                return Err(invalid(format!("{key} has no value yet; type one")));
            }
            // A secret shown and left as it was keeps its place in env.
            (EnvValue::Set(new), Some((_, v)))
                if header_env_var(v).is_some_and(|var| entry.env.get(var) == Some(new)) =>
            {
                format!("{key}: {v}")
            }
            (EnvValue::Set(new), _) => super::snippet::header_arg(key, new.trim(), &mut env),
        };
        new_args.push(Value::String("--header".into()));
        new_args.push(Value::String(arg));
    }
    let used: Vec<String> = new_args
        .iter()
        .filter_map(Value::as_str)
        .map(|arg| split_header(arg).1)
        .collect();
    for (_, value) in &old {
        if let Some(var) = header_env_var(value)
            && !used.iter().any(|u| header_env_var(u) == Some(var))
        {
            env.shift_remove(var);
        }
    }
    let at = at.unwrap_or(kept.len());
    kept.splice(at..at, new_args);
    obj.insert("args".into(), Value::Array(kept));
    if original_env.as_ref() != Some(&env) {
        if env.is_empty() {
            obj.shift_remove("env");
        } else {
            obj.insert("env".into(), Value::Object(env));
        }
    }
    Ok(())
}

/// Sets (or, with `None`, removes) the bridge option `flag VALUE` in an entry's args: in the place
/// the option had (at the end when it had none); every other argument stays as it is.
pub fn set_bridge_option(obj: &mut Map<String, Value>, flag: &str, value: Option<&str>) {
    let args = obj
        .get("args")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let inline = format!("{flag}=");
    let end = args
        .iter()
        .position(|a| a.as_str() == Some("--"))
        .unwrap_or(args.len());
    let mut kept = Vec::with_capacity(args.len() + 2);
    let mut at = None;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str().unwrap_or_default();
        if i < end && arg == flag && i + 1 < end {
            at.get_or_insert(kept.len());
            i += 2;
        } else if i < end && arg.starts_with(&inline) {
            at.get_or_insert(kept.len());
            i += 1;
        } else {
            kept.push(args[i].clone());
            i += 1;
        }
    }
    if let Some(value) = value {
        let at = at.unwrap_or(end.min(kept.len()));
        kept.splice(
            at..at,
            [
                Value::String(flag.to_owned()),
                Value::String(value.to_owned()),
            ],
        );
    }
    obj.insert("args".into(), Value::Array(kept));
}

/// Sets or removes the bridge flag `flag` (no value) in an entry's args; a flag added goes at the
/// end of the bridge's arguments, and every other argument stays as it is.
pub fn set_bridge_flag(obj: &mut Map<String, Value>, flag: &str, on: bool) {
    let Some(Value::Array(args)) = obj.get_mut("args") else {
        return;
    };
    let end = args
        .iter()
        .position(|a| a.as_str() == Some("--"))
        .unwrap_or(args.len());
    let has = args[..end].iter().any(|a| a.as_str() == Some(flag));
    if on && !has {
        args.insert(end, Value::String(flag.to_owned()));
    } else if !on && has {
        let mut i = 0;
        args.retain(|a| {
            i += 1;
            !(i <= end && a.as_str() == Some(flag))
        });
    }
}

/// A bridge or wrap entry names itself (`--name N`, its journal's name): follow the rename.
fn rename_in_args(obj: &mut Map<String, Value>, old: &str, new: &str) {
    let is_ours = obj
        .get("command")
        .and_then(Value::as_str)
        .is_some_and(super::document::is_mcp_tray_command);
    if !is_ours {
        return;
    }
    if let Some(Value::Array(args)) = obj.get_mut("args") {
        let end = args
            .iter()
            .position(|a| a.as_str() == Some("--"))
            .unwrap_or(args.len());
        for i in 1..end {
            if args[i - 1].as_str() == Some("--name") && args[i].as_str() == Some(old) {
                args[i] = Value::String(new.to_owned());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn entry(name: &str, value: Value) -> ServerEntry {
        ServerEntry::from_value(name.into(), value.clone(), value.to_string())
    }

    fn updated(edits: &[Edit]) -> &Value {
        match &edits[0] {
            Edit::Update { entry, .. } => entry,
            other => panic!("expected an update, got {other:?}"),
        }
    }

    #[test]
    fn new_args_keep_the_other_keys_in_their_order() {
        let e = entry(
            "fs",
            json!({"command": "npx", "args": ["a"], "env": {"X": "1"}, "cwd": "/srv"}),
        );
        let change = EntryChange {
            args: Some(vec!["-y".into(), "b".into()]),
            ..EntryChange::default()
        };
        let edits = edits_for(&e, &change).expect("edits");
        assert_eq!(edits.len(), 1);
        let value = updated(&edits);
        assert_eq!(
            value.to_string(),
            r#"{"command":"npx","args":["-y","b"],"env":{"X":"1"},"cwd":"/srv"}"#
        );
    }

    #[test]
    fn a_masked_secret_is_kept_and_a_new_one_is_set() {
        let e = entry(
            "gh",
            json!({"command": "gh-mcp", "env": {"GITHUB_TOKEN": "ghp_x", "LOG": "1"}}),
        );
        let change = EntryChange {
            env: Some(vec![
                ("GITHUB_TOKEN".into(), EnvValue::Keep),
                ("LEVEL".into(), EnvValue::Set("debug".into())),
            ]),
            ..EntryChange::default()
        };
        let value = updated(&edits_for(&e, &change).expect("edits")).clone();
        assert_eq!(
            value["env"],
            json!({"GITHUB_TOKEN": "ghp_x", "LEVEL": "debug"})
        );
        let unknown = EntryChange {
            env: Some(vec![("NEW_TOKEN".into(), EnvValue::Keep)]),
            ..EntryChange::default()
        };
        assert!(edits_for(&e, &unknown).is_err());
    }

    #[test]
    fn a_tapped_entry_edits_the_wrapped_command_and_follows_a_rename() {
        let e = entry(
            "fs",
            json!({"command": "/bin/mcp-tray", "args": ["wrap", "--name", "fs", "--", "npx", "a"]}),
        );
        let change = EntryChange {
            name: Some("files".into()),
            command: Some("uvx".into()),
            args: Some(vec!["b".into()]),
            ..EntryChange::default()
        };
        let edits = edits_for(&e, &change).expect("edits");
        assert_eq!(
            updated(&edits)["args"],
            json!(["wrap", "--name", "files", "--", "uvx", "b"])
        );
        assert_eq!(
            edits[1],
            Edit::Rename {
                from: "fs".into(),
                to: "files".into()
            }
        );
    }

    #[test]
    fn a_bridged_remote_changes_its_url_and_refuses_a_command() {
        let e = entry(
            "linear",
            json!({"command": "/bin/mcp-tray", "args": ["bridge", "https://a.example/mcp", "--name", "linear"]}),
        );
        let change = EntryChange {
            url: Some("https://b.example/mcp".into()),
            ..EntryChange::default()
        };
        let edits = edits_for(&e, &change).expect("edits");
        assert_eq!(
            updated(&edits)["args"],
            json!(["bridge", "https://b.example/mcp", "--name", "linear"])
        );
        let command = EntryChange {
            command: Some("npx".into()),
            ..EntryChange::default()
        };
        assert!(edits_for(&e, &command).is_err());
        let ws = EntryChange {
            url: Some("wss://b.example/mcp".into()),
            ..EntryChange::default()
        };
        assert!(edits_for(&e, &ws).is_err());
    }

    #[test]
    fn a_bridged_remote_changes_its_headers_keeping_secrets_in_env_and_other_args() {
        let e = entry(
            "linear",
            json!({"command": "/bin/mcp-tray", "args": ["bridge", "https://a.example/mcp", "--name", "linear",
                "--header", "Authorization: ${MCP_TRAY_HEADER_AUTHORIZATION}", "--header", "X-Team: core",
                "--ca-cert", "/etc/ca.pem", "--transport", "sse"],
                "env": {"MCP_TRAY_HEADER_AUTHORIZATION": "Bearer old", "OTHER": "1"}}),
        );
        assert_eq!(
            headers_of(&e),
            [
                (
                    "Authorization".into(),
                    "${MCP_TRAY_HEADER_AUTHORIZATION}".into()
                ),
                ("X-Team".into(), "core".into())
            ]
        );
        // The secret kept, the plain one removed, a new secret added.
        let change = EntryChange {
            headers: Some(vec![
                ("Authorization".into(), EnvValue::Keep),
                ("X-Api-Key".into(), EnvValue::Set("k-123".into())),
            ]),
            ..EntryChange::default()
        };
        let edits = edits_for(&e, &change).expect("edits");
        assert_eq!(
            updated(&edits)["args"],
            json!([
                "bridge",
                "https://a.example/mcp",
                "--name",
                "linear",
                "--header",
                "Authorization: ${MCP_TRAY_HEADER_AUTHORIZATION}",
                "--header",
                "X-Api-Key: ${MCP_TRAY_HEADER_X_API_KEY}",
                "--ca-cert",
                "/etc/ca.pem",
                "--transport",
                "sse"
            ])
        );
        assert_eq!(
            updated(&edits)["env"],
            json!({"MCP_TRAY_HEADER_AUTHORIZATION": "Bearer old", "OTHER": "1", "MCP_TRAY_HEADER_X_API_KEY": "k-123"})
        );
        // Removing every header takes its env variable along, and nothing else.
        let none = EntryChange {
            headers: Some(vec![]),
            ..EntryChange::default()
        };
        let edits = edits_for(&e, &none).expect("edits");
        assert_eq!(
            updated(&edits)["args"],
            json!([
                "bridge",
                "https://a.example/mcp",
                "--name",
                "linear",
                "--ca-cert",
                "/etc/ca.pem",
                "--transport",
                "sse"
            ])
        );
        assert_eq!(updated(&edits)["env"], json!({"OTHER": "1"}));
        // The same headers, the secret shown and left as it was: nothing to change.
        let same = EntryChange {
            headers: Some(vec![
                ("Authorization".into(), EnvValue::Set("Bearer old".into())),
                ("X-Team".into(), EnvValue::Set("core".into())),
            ]),
            ..EntryChange::default()
        };
        assert!(edits_for(&e, &same).is_err());
        let local = entry("fs", json!({"command": "npx", "args": []}));
        assert!(edits_for(&local, &change).is_err());
    }

    #[test]
    fn a_bridged_remote_gets_replaces_and_loses_its_ca_cert_with_every_other_arg_kept() {
        let plain = entry(
            "corp",
            json!({"command": "/bin/mcp-tray", "args": ["bridge", "https://a.example/mcp", "--name", "corp",
                "--header", "X-Team: core"]}),
        );
        let set = |e: &ServerEntry, path: &str| {
            let change = EntryChange {
                ca_cert: Some(path.into()),
                ..EntryChange::default()
            };
            edits_for(e, &change).map(|edits| updated(&edits)["args"].clone())
        };
        assert_eq!(
            set(&plain, "/etc/corp-ca.pem").expect("added"),
            json!([
                "bridge",
                "https://a.example/mcp",
                "--name",
                "corp",
                "--header",
                "X-Team: core",
                "--ca-cert",
                "/etc/corp-ca.pem"
            ])
        );
        let with = entry(
            "corp",
            json!({"command": "/bin/mcp-tray", "args": ["bridge", "https://a.example/mcp", "--name", "corp",
                "--ca-cert", "/old/ca.pem", "--transport", "sse"]}),
        );
        assert_eq!(
            set(&with, "/new/ca.pem").expect("replaced"),
            json!([
                "bridge",
                "https://a.example/mcp",
                "--name",
                "corp",
                "--ca-cert",
                "/new/ca.pem",
                "--transport",
                "sse"
            ])
        );
        assert_eq!(
            set(&with, " ").expect("removed"),
            json!([
                "bridge",
                "https://a.example/mcp",
                "--name",
                "corp",
                "--transport",
                "sse"
            ])
        );
        assert!(
            set(&with, "/old/ca.pem").is_err(),
            "the same file is no change"
        );
        let local = entry("fs", json!({"command": "npx", "args": ["a"]}));
        assert!(
            set(&local, "/etc/ca.pem").is_err(),
            "only a bridge takes one"
        );
    }

    #[test]
    fn allowing_plain_http_adds_or_removes_only_allow_http_and_lets_an_http_url_be_written() {
        let e = entry(
            "lan",
            json!({"command": "/bin/mcp-tray", "args": ["bridge", "https://10.0.0.7/mcp", "--name", "lan",
                "--header", "X-Team: core"]}),
        );
        let to_http = |allow: Option<bool>| EntryChange {
            url: Some("http://10.0.0.7/mcp".into()),
            allow_http: allow,
            ..EntryChange::default()
        };
        assert!(edits_for(&e, &to_http(None)).is_err(), "refused without it");
        let edits = edits_for(&e, &to_http(Some(true))).expect("allowed");
        assert_eq!(
            updated(&edits)["args"],
            json!([
                "bridge",
                "http://10.0.0.7/mcp",
                "--name",
                "lan",
                "--header",
                "X-Team: core",
                "--allow-http"
            ])
        );
        let allowed = entry("lan", updated(&edits).clone());
        let off = EntryChange {
            url: Some("https://10.0.0.7/mcp".into()),
            allow_http: Some(false),
            ..EntryChange::default()
        };
        assert_eq!(
            updated(&edits_for(&allowed, &off).expect("edits"))["args"],
            json!([
                "bridge",
                "https://10.0.0.7/mcp",
                "--name",
                "lan",
                "--header",
                "X-Team: core"
            ])
        );
        let still_http = EntryChange {
            allow_http: Some(false),
            ..EntryChange::default()
        };
        assert!(
            edits_for(&allowed, &still_http).is_err(),
            "an http:// URL it would refuse"
        );
    }

    #[test]
    fn a_bridged_remote_takes_plain_http_to_another_host_only_when_it_allows_it() {
        let to = |url: &str| EntryChange {
            url: Some(url.into()),
            ..EntryChange::default()
        };
        let strict = entry(
            "lan",
            json!({"command": "/bin/mcp-tray", "args": ["bridge", "https://a.example/mcp", "--name", "lan"]}),
        );
        let err = edits_for(&strict, &to("http://10.0.0.7/mcp"))
            .expect_err("the bridge would refuse it")
            .to_string();
        assert!(
            err.contains("plain HTTP") && err.contains("--allow-http"),
            "{err}"
        );
        assert!(edits_for(&strict, &to("http://127.0.0.1:8000/mcp")).is_ok());

        let allowed = entry(
            "lan",
            json!({"command": "/bin/mcp-tray", "args": ["bridge", "http://10.0.0.7/mcp", "--name", "lan", "--allow-http"]}),
        );
        let edits = edits_for(&allowed, &to("http://10.0.0.8/mcp")).expect("allowed");
        assert_eq!(updated(&edits)["args"][1], "http://10.0.0.8/mcp");
    }

    /// Saving a form whose values are the entry's own (the same args, the same name, a secret left
    /// masked) writes nothing, and says that plainly rather than reading as a failure of the file.
    #[test]
    fn a_change_that_changes_nothing_says_nothing_changed_and_makes_no_edit() {
        let e = entry(
            "fs",
            json!({"command": "npx", "args": ["a"], "env": {"TOKEN": "s3cr3t"}}),
        );
        let same = EntryChange {
            name: Some(" fs ".into()),
            command: Some("npx".into()),
            args: Some(vec!["a".into()]),
            env: Some(vec![("TOKEN".into(), EnvValue::Keep)]),
            ..EntryChange::default()
        };
        let err = edits_for(&e, &same).expect_err("no edit");
        assert!(matches!(err, ConfigError::Invalid(_)), "{err:?}");
        assert_eq!(
            err.to_string(),
            "nothing to save: \"fs\" is already like this (nothing changed), so the file was left as it was"
        );
    }

    #[test]
    fn no_change_and_an_empty_command_are_errors() {
        let e = entry("fs", json!({"command": "npx", "args": ["a"]}));
        let same = EntryChange {
            args: Some(vec!["a".into()]),
            ..EntryChange::default()
        };
        assert!(edits_for(&e, &same).is_err());
        let empty = EntryChange {
            command: Some("  ".into()),
            ..EntryChange::default()
        };
        assert!(edits_for(&e, &empty).is_err());
    }

    #[test]
    fn the_edited_entry_is_what_the_edits_would_write_before_anything_is_written() {
        let e = entry(
            "linear",
            json!({"command": "/bin/mcp-tray", "args": ["bridge", "https://a.example/mcp", "--name", "linear",
                "--header", "Authorization: ${MCP_TRAY_HEADER_AUTHORIZATION}"],
                "env": {"MCP_TRAY_HEADER_AUTHORIZATION": "Bearer old"}}),
        );
        let change = EntryChange {
            name: Some("linear-eu".into()),
            url: Some("https://eu.example/mcp".into()),
            headers: Some(vec![("Authorization".into(), EnvValue::Keep)]),
            ca_cert: Some("/etc/ca.pem".into()),
            ..EntryChange::default()
        };
        let edited = edited_entry(&e, &change).expect("edited");
        let edits = edits_for(&e, &change).expect("edits");
        assert_eq!(&edited.value, updated(&edits));
        assert_eq!(edited.name, "linear-eu");
        assert_eq!(
            edited.kind,
            EntryKind::Remote {
                url: "https://eu.example/mcp".into()
            }
        );
        // The masked secret is in it: a test of the edit reaches the server as the saved one would.
        assert_eq!(
            edited
                .env
                .get("MCP_TRAY_HEADER_AUTHORIZATION")
                .map(String::as_str),
            Some("Bearer old")
        );
        // A change that changes nothing tests the entry as it is; one that does not fit is refused.
        let same = edited_entry(&e, &EntryChange::default()).expect("the entry");
        assert_eq!((same.name, same.value), (e.name.clone(), e.value.clone()));
        let command = EntryChange {
            command: Some("npx".into()),
            ..EntryChange::default()
        };
        assert!(edited_entry(&e, &command).is_err());
    }
}
