//! Editing a server of the config (command, args, env, URL, name) and adding a local server from
//! the form in Add server, tested before anything is written.
//!
//! Adapters over `mcp_tray_core::config` (the change becomes minimal, atomic, undoable edits:
//! [`mcp_tray_core::config::change`]), `supervise::CommandResolver` (the login-shell PATH Claude's
//! launcher does not have) and `probe`. Secret-looking env values, header values and the
//! credentials in args never leave Rust unless the user asks to see one ([`reveal_env_value`],
//! [`reveal_header_value`]); the form sends "keep" for values it did not show, and a masked
//! argument back as it was shown, which the save turns back into the entry's own.
//! This module must never edit the file itself, and never write an entry whose test failed unless
//! the person asked for it (Add anyway).

use mcp_tray_core::claude_restart;
use mcp_tray_core::config::change::{header_env_var, headers_of};
use mcp_tray_core::config::{ConfigFile, EntryChange, EntryKind, EnvValue, ServerEntry};
use mcp_tray_core::config::{Edit, document::is_secret_name};
use mcp_tray_core::probe::ProbeTarget;
use mcp_tray_core::redact::{
    ARG_MASK, MARKER, is_secret_header, looks_like_credential, mask_args, mask_url,
};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use crate::add_server::{
    DiagnosisView, ProbeView, captured_entry, checked_ca_cert, is_plain_http, plain_http_refused,
    stdout_lines_moved, target_as_written,
};
use crate::commands::{ServerKind, ServerSummary, off_main};
use crate::error::CommandError;
use crate::in_use::{command_resolver, config_file};
use crate::server_actions::ChangeDone;
use crate::server_status::ServerWatch;

fn error(code: &str, message: impl Into<String>) -> CommandError {
    CommandError {
        code: code.to_owned(),
        message: message.into(),
    }
}

/// One environment variable as the Edit form shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EnvVarView {
    pub name: String,
    /// `None` for a secret-looking value, which stays in Rust until revealed.
    pub value: Option<String>,
    pub secret: bool,
}

/// A server of the config as the Edit form fills it in.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ServerDetails {
    pub name: String,
    pub kind: ServerKind,
    /// The command that runs (for a tapped server, the wrapped one).
    pub command: Option<String>,
    pub args: Vec<String>,
    pub env: Vec<EnvVarView>,
    /// For remote and URL entries.
    pub url: Option<String>,
    /// The `--header`s of a remote server run through the bridge; a value the entry keeps in env,
    /// or one of a header whose name holds credentials (`Authorization`, `X-API-Key`…), is masked
    /// like a secret env value.
    pub headers: Vec<EnvVarView>,
    /// The CA certificate file a remote server run through the bridge trusts (`--ca-cert`).
    pub ca_cert: Option<String>,
    /// Whether a remote server run through the bridge may use plain HTTP to another host.
    pub allow_http: bool,
}

/// An env variable the form sends: `value: null` keeps the value the entry has.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct EnvVarInput {
    pub name: String,
    pub value: Option<String>,
}

/// What the Edit form changes; `null` fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ServerEditInput {
    pub name: Option<String>,
    pub command: Option<String>,
    pub args: Option<Vec<String>>,
    pub env: Option<Vec<EnvVarInput>>,
    pub url: Option<String>,
    /// The whole list of headers of a remote server (`value: null` keeps the value it has).
    pub headers: Option<Vec<EnvVarInput>>,
    /// The CA certificate file of a remote server run through the bridge; `""` removes it.
    #[serde(default)]
    pub ca_cert: Option<String>,
    /// Allow plain HTTP to another host (a remote server run through the bridge).
    #[serde(default)]
    pub allow_http: Option<bool>,
    /// The fields as the form loaded them ([`server_details`]): a save refuses to write a field
    /// the form changes that the file changed meanwhile (Claude Desktop, an editor, the CLI), rather
    /// than overwrite that change. Fields the form does not change are never written, so a change
    /// made to them meanwhile is kept anyway. `null`: not checked.
    #[serde(default)]
    pub loaded: Option<LoadedFields>,
}

/// The fields of [`ServerDetails`] as the Edit form loaded them, sent back with a save.
#[derive(Debug, Clone, PartialEq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LoadedFields {
    pub command: Option<String>,
    pub args: Vec<String>,
    pub env: Vec<EnvVarView>,
    pub url: Option<String>,
    pub headers: Vec<EnvVarView>,
    pub ca_cert: Option<String>,
    pub allow_http: bool,
}

fn keep_or_set(vars: Vec<EnvVarInput>) -> Vec<(String, EnvValue)> {
    vars.into_iter()
        .map(|v| (v.name, v.value.map_or(EnvValue::Keep, EnvValue::Set)))
        .collect()
}

impl From<ServerEditInput> for EntryChange {
    fn from(input: ServerEditInput) -> Self {
        EntryChange {
            name: input.name,
            command: input.command,
            args: input.args,
            env: input.env.map(keep_or_set),
            url: input.url,
            headers: input.headers.map(keep_or_set),
            ca_cert: input.ca_cert,
            allow_http: input.allow_http,
        }
    }
}

fn entry_of(file: &ConfigFile, name: &str) -> Result<ServerEntry, CommandError> {
    let doc = file.read()?;
    doc.server(name).cloned().ok_or_else(|| {
        error(
            "no-such-server",
            format!("no server named \"{name}\" in Claude's config"),
        )
    })
}

fn details(entry: &ServerEntry) -> ServerDetails {
    let summary = ServerSummary::from_entry(entry, true);
    ServerDetails {
        name: summary.name,
        kind: summary.kind,
        command: summary.command,
        args: summary.args,
        env: entry
            .env
            .iter()
            .map(|(name, value)| {
                // By its name, or by itself: a well-known token format, a URL with a password.
                let secret = is_secret_name(name)
                    || looks_like_credential(value)
                    || mask_url(value) != *value;
                EnvVarView {
                    name: name.clone(),
                    value: (!secret).then(|| value.clone()),
                    secret,
                }
            })
            .collect(),
        // Its credentials masked as the row shows them (`?token=••••••`); a save puts them back
        // where the form kept the mask ([`unmasked_url`]).
        url: summary.url.as_deref().map(mask_url),
        headers: headers_of(entry)
            .into_iter()
            .map(|(name, value)| {
                // Kept in env by MCP Tray, or written by hand (`Authorization: Bearer …`).
                let secret = header_env_var(&value).is_some_and(|var| entry.env.contains_key(var))
                    || (is_secret_header(&name) && !value.is_empty());
                EnvVarView {
                    name,
                    value: (!secret).then_some(value),
                    secret,
                }
            })
            .collect(),
        ca_cert: matches!(entry.kind, EntryKind::Remote { .. })
            .then(|| mcp_tray_core::auth::ca_cert_in_bridge_args(&entry.args))
            .flatten()
            .map(|path| path.display().to_string()),
        allow_http: matches!(entry.kind, EntryKind::Remote { .. })
            && entry.args.iter().any(|a| a == "--allow-http"),
    }
}

/// A server of the config, for the Edit form; secret-looking env values are masked.
#[tauri::command]
#[specta::specta]
pub async fn server_details(name: String) -> Result<ServerDetails, CommandError> {
    off_main(move || Ok(details(&entry_of(&config_file(), &name)?))).await
}

/// One env value of a server, when the user asks to see it.
#[tauri::command]
#[specta::specta]
pub async fn reveal_env_value(name: String, key: String) -> Result<String, CommandError> {
    off_main(move || env_value(&name, &key)).await
}

fn env_value(name: &str, key: &str) -> Result<String, CommandError> {
    let entry = entry_of(&config_file(), name)?;
    entry
        .env
        .get(key)
        .cloned()
        .ok_or_else(|| error("no-such-variable", format!("\"{name}\" has no {key}")))
}

/// The value of one header of a remote server, when the user asks to see it (a secret the entry
/// keeps in env is looked up there).
#[tauri::command]
#[specta::specta]
pub async fn reveal_header_value(name: String, header: String) -> Result<String, CommandError> {
    off_main(move || header_value(&name, &header)).await
}

fn header_value(name: &str, header: &str) -> Result<String, CommandError> {
    let entry = entry_of(&config_file(), name)?;
    let (_, value) = headers_of(&entry)
        .into_iter()
        .find(|(h, _)| h.eq_ignore_ascii_case(header))
        .ok_or_else(|| {
            error(
                "no-such-header",
                format!("\"{name}\" has no {header} header"),
            )
        })?;
    Ok(header_env_var(&value)
        .and_then(|var| entry.env.get(var).cloned())
        .unwrap_or(value))
}

/// The args the form sends, each masked credential ([`mask_args`]) sent back as it was shown
/// given the entry's own value again: a save writes, and a test runs,
/// `Authorization: Bearer …`, never `Authorization: ••••••`. A masked argument is known by its
/// shown text and the argument before it (`--api-key ••••••` and `--token ••••••` show the same
/// mask), so one moved or deleted beside another never takes the other's credential. One that
/// still holds the mask but was changed (`…me:••••••@db/app2`), or that cannot be told apart, is
/// refused: its credential cannot be known, and writing the mask would lose it.
/// The URL the form sent with the credentials it was shown masked (`?token=••••••`, a password)
/// put back from the entry's `whole` URL, in the order the form showed them: the host or path can
/// be changed around them. A mask the form holds more or fewer times than it was shown cannot be
/// told apart: refused, the value to be typed in its place.
fn unmasked_url(whole: Option<&str>, sent: String) -> Result<String, CommandError> {
    if !sent.contains(ARG_MASK) {
        return Ok(sent);
    }
    let hidden = whole.map(hidden_in_url).unwrap_or_default();
    if hidden.is_empty() || sent.matches(ARG_MASK).count() != hidden.len() {
        return Err(error(
            "masked-url-changed",
            format!(
                "the URL hides a credential (shown as {ARG_MASK}) in a place that changed, so its \
                 value cannot be kept: type the value in its place, or put that part back as it was \
                 shown"
            ),
        ));
    }
    let mut out = String::with_capacity(sent.len());
    for (i, part) in sent.split(ARG_MASK).enumerate() {
        if i > 0 {
            out.push_str(&hidden[i - 1]);
        }
        out.push_str(part);
    }
    Ok(out)
}

/// The values [`mask_url`] hides in `url`, in order: the text of `url` between the parts the
/// masked form shows.
fn hidden_in_url(url: &str) -> Vec<String> {
    let shown = mask_url(url);
    let mut hidden = Vec::new();
    let mut rest = url;
    let mut parts = shown.split(ARG_MASK).peekable();
    let Some(first) = parts.next() else {
        return hidden;
    };
    let Some(after) = rest.strip_prefix(first) else {
        return Vec::new();
    };
    rest = after;
    while let Some(part) = parts.next() {
        // The hidden value runs to where the next shown part starts (the end, for the last).
        let end = if part.is_empty() && parts.peek().is_none() {
            rest.len()
        } else {
            match rest.find(part) {
                Some(at) if !part.is_empty() => at,
                _ => return Vec::new(),
            }
        };
        hidden.push(rest[..end].to_owned());
        rest = &rest[end + part.len()..];
    }
    hidden
}

fn unmasked_args(entry: &ServerEntry, sent: Vec<String>) -> Result<Vec<String>, CommandError> {
    // The args the form shows: a tapped server's are those of the command it wraps.
    let own = match &entry.kind {
        EntryKind::Tapped { args, .. } => args,
        _ => &entry.args,
    };
    let masked = mask_args(own);
    // (shown before it, shown, the entry's own), for each masked argument.
    let mut hidden: Vec<(Option<&String>, &String, &String)> = (0..own.len())
        .filter(|&i| masked[i] != own[i])
        .map(|i| (i.checked_sub(1).map(|b| &masked[b]), &masked[i], &own[i]))
        .collect();
    let mut out = Vec::with_capacity(sent.len());
    for (j, arg) in sent.iter().enumerate() {
        let before = j.checked_sub(1).map(|b| &sent[b]);
        let matching: Vec<usize> = hidden
            .iter()
            .enumerate()
            .filter(|(_, (b, shown, _))| **shown == *arg && *b == before)
            .map(|(at, _)| at)
            .collect();
        match matching.as_slice() {
            [at] => out.push(hidden.remove(*at).2.clone()),
            [] if !arg.contains(ARG_MASK) && !arg.contains(MARKER) => out.push(arg.clone()),
            _ => {
                return Err(error(
                    "masked-arg-changed",
                    format!(
                        "the argument \"{arg}\" hides a credential (shown as {ARG_MASK}) but was changed or \
                         moved, so its value cannot be kept: type the whole value in its place, or put \
                         the argument back as it was shown"
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// The entry named `name` and the Edit form's change to it, checked as a save checks it: a CA
/// certificate file the bridge would refuse at every start, or plain HTTP to another computer
/// that was not allowed, is refused.
fn checked_change(
    file: &ConfigFile,
    name: &str,
    change: ServerEditInput,
) -> Result<(ServerEntry, EntryChange), CommandError> {
    let entry = entry_of(file, name)?;
    let change = checked_change_of(&entry, change)?;
    Ok((entry, change))
}

/// [`checked_change`] of the entry as given.
fn checked_change_of(
    entry: &ServerEntry,
    mut change: ServerEditInput,
) -> Result<EntryChange, CommandError> {
    if let Some(path) = &change.ca_cert {
        change.ca_cert = Some(checked_ca_cert(path)?.unwrap_or_default());
    }
    if let Some(args) = change.args.take() {
        change.args = Some(unmasked_args(entry, args)?);
    }
    if let Some(url) = change.url.take() {
        let whole = ServerSummary::from_entry(entry, true).url;
        change.url = Some(unmasked_url(whole.as_deref(), url)?);
    }
    if let EntryKind::Remote { url } = &entry.kind {
        let allowed = change
            .allow_http
            .unwrap_or_else(|| entry.args.iter().any(|a| a == "--allow-http"));
        if !allowed && is_plain_http(change.url.as_deref().unwrap_or(url)) {
            return Err(plain_http_refused());
        }
    }
    Ok(change.into())
}

/// Changes a server as the Edit form says (one undoable write); answers what was done, with the
/// history entry that Undo names.
#[tauri::command]
#[specta::specta]
pub async fn edit_server(
    name: String,
    change: ServerEditInput,
) -> Result<ChangeDone, CommandError> {
    off_main(move || edit(&name, change)).await
}

fn edit(name: &str, mut change: ServerEditInput) -> Result<ChangeDone, CommandError> {
    let file = config_file();
    let loaded = change.loaded.take();
    // A rename names the server by its new name too ("Saved new (was old)" in the window).
    let op = match change.name.as_deref().map(str::trim) {
        Some(new) if !new.is_empty() && new != name => format!("edit {name} → {new}"),
        _ => format!("edit {name}"),
    };
    // A server that is gone is said as such (the write below would say it in the config's words).
    entry_of(&file, name)?;
    // Made of the entry as the file holds it under the write's lock: a field another program
    // changed after this form's read, and the form does not touch, is kept.
    let done = file.edit_entry(&op, name, |entry| {
        let change = checked_change_of(entry, change.clone())?;
        if let Some(loaded) = &loaded {
            let conflicts = changed_meanwhile(entry, &change, loaded);
            if !conflicts.is_empty() {
                return Err(edit_conflict(&conflicts));
            }
        }
        Ok::<_, CommandError>(mcp_tray_core::config::change::edits_for(entry, &change)?)
    });
    Ok(ChangeDone::of(done?))
}

/// The fields `change` writes that the file changed since the form loaded them (`loaded`, as
/// [`details`] showed them), by the labels the form gives them.
fn changed_meanwhile(
    entry: &ServerEntry,
    change: &EntryChange,
    loaded: &LoadedFields,
) -> Vec<&'static str> {
    let now = details(entry);
    [
        (
            change.command.is_some() && now.command != loaded.command,
            "Command",
        ),
        (
            change.args.is_some() && now.args != loaded.args,
            "Arguments",
        ),
        (
            change.env.is_some() && now.env != loaded.env,
            "Environment variables",
        ),
        (change.url.is_some() && now.url != loaded.url, "URL"),
        (
            change.headers.is_some() && now.headers != loaded.headers,
            "Headers",
        ),
        (
            change.ca_cert.is_some() && now.ca_cert != loaded.ca_cert,
            "CA certificate",
        ),
        (
            change.allow_http.is_some() && now.allow_http != loaded.allow_http,
            "Allow unencrypted HTTP",
        ),
    ]
    .into_iter()
    .filter_map(|(conflict, label)| conflict.then_some(label))
    .collect()
}

/// The refusal of a save that would overwrite what another program changed in `fields`.
fn edit_conflict(fields: &[&str]) -> CommandError {
    let (named, were) = match fields {
        [one] => (format!("The {one} field"), "was"),
        [first @ .., last] => (
            format!("The {} and {last} fields", first.join(", ")),
            "were",
        ),
        [] => ("This server".to_owned(), "was"),
    };
    error(
        "edit-conflict",
        format!(
            "{named} {were} changed in the file since you opened this form (by Claude Desktop, an \
             editor or the CLI): saving would overwrite that change, so nothing was written. Load \
             the file's version shows it here, in place of what you typed (copy that first if you \
             want to keep it)."
        ),
    )
}

/// Tests a server as the Edit form would save it, before anything is written: the edited entry
/// (its masked secrets as the entry keeps them) is started exactly as Claude would start it and
/// asked for its tools. Nothing is written, and the server's row keeps the status of the entry
/// that is saved: neither the result nor the test's traffic is recorded under its name.
#[tauri::command]
#[specta::specta]
pub async fn test_server_edit(
    name: String,
    change: ServerEditInput,
    run: Option<u32>,
) -> Result<ProbeView, CommandError> {
    let (entry, change) = checked_change(&config_file(), &name, change)?;
    let edited = mcp_tray_core::config::change::edited_entry(&entry, &change)?;
    let target = ProbeTarget::entry(&edited)
        .ok_or_else(|| {
            error(
                "not-startable",
                mcp_tray_core::probe::not_startable(&edited),
            )
        })?
        // Not saved yet: what it finds must not be taken for the saved server's status or traffic.
        .unjournaled();
    crate::test_runs::test(run, &target).await
}

/// A local server as the form in Add server describes it.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct LocalServerInput {
    pub name: String,
    pub command: String,
    pub args: Vec<String>,
    pub env: Vec<EnvVarInput>,
    /// Written to run through MCP Tray's tap (`mcp-tray wrap`), so its traffic and errors are
    /// recorded and its command is found with the login shell's PATH when Claude starts it.
    pub capture: bool,
}

/// What adding a local server did: where its command was found, what the test found, and
/// whether the entry was written (when the test passed, or when asked to add it anyway).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LocalAddOutcome {
    /// The program the command resolved to (login-shell PATH).
    pub resolved: Option<String>,
    pub probe: ProbeView,
    /// What was written, in words; `None` when nothing was.
    pub written: Option<String>,
    /// The change written, as the Servers view's bar names it (with Undo); `None` when nothing was.
    pub change: Option<ChangeDone>,
    /// Whether MCP Tray can restart Claude Desktop here (else the person restarts their client).
    pub restart_supported: bool,
    /// Whether the entry written runs through MCP Tray's tap (not when its env sets its own PATH).
    pub captured: bool,
    /// The Command field held a whole command line (`npx -y some-server`) whose program was found:
    /// the command and arguments it was split into, which the test ran (and the entry holds).
    pub split: Option<LocalCommand>,
    /// Lines the server printed on stdout that are not MCP messages, which MCP Tray's tap moved to
    /// stderr during the test: without capture, each would break the server in Claude.
    pub stdout_lines_moved: u32,
}

/// A command and its arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct LocalCommand {
    pub command: String,
    pub args: Vec<String>,
}

/// The words of a command line typed whole in the Command field (`npx -y some-server`,
/// `"C:\\Program Files\\nodejs\\node.exe" server.js`): the first, and the rest, split as the
/// doctor splits a `"command"` holding one (quotes group words, backslashes are kept). `None` for
/// one word, or a quote inside a word (`print('hi')`), which is not guessed at.
fn command_line(command: &str) -> Option<(String, Vec<String>)> {
    let mut words = mcp_tray_core::config::snippet::command_line_words(command)?;
    if words.len() < 2 {
        return None;
    }
    let rest = words.split_off(1);
    Some((words.swap_remove(0), rest))
}

/// A missing command as the Add form says it: its Command field is right there (core's words
/// send the user to "its Edit form"), and one typed with its arguments is told where they go.
fn not_found_here(
    mut diagnosis: mcp_tray_core::diagnose::Diagnosis,
    line: Option<&(String, Vec<String>)>,
) -> mcp_tray_core::diagnose::Diagnosis {
    use mcp_tray_core::supervise::resolve::ENTRY_COMMAND;
    fn here(text: &str) -> String {
        text.replace(ENTRY_COMMAND, "the Command field")
    }
    diagnosis.detail = here(&diagnosis.detail);
    let fix = diagnosis.fix.as_deref().map(here);
    diagnosis.fix = match line {
        Some((program, rest)) => Some(format!(
            "Only the program goes in the Command field ({program}), its arguments in Arguments \
             ({}). {}",
            rest.join(" "),
            fix.unwrap_or_default()
        )),
        None => fix,
    }
    .map(|f| f.trim_end().to_owned());
    diagnosis
}

fn local_value(input: &LocalServerInput) -> Result<serde_json::Value, CommandError> {
    let command = input.command.trim();
    if command.is_empty() {
        return Err(error(
            "no-command",
            "type the command that starts the server",
        ));
    }
    let mut entry = serde_json::Map::new();
    entry.insert("command".into(), command.into());
    entry.insert("args".into(), input.args.clone().into());
    if !input.env.is_empty() {
        let mut env = serde_json::Map::new();
        for var in &input.env {
            let key = var.name.trim();
            if key.is_empty() {
                return Err(error("bad-env", "an environment variable has no name"));
            }
            env.insert(key.to_owned(), var.value.clone().unwrap_or_default().into());
        }
        entry.insert("env".into(), env.into());
    }
    Ok(serde_json::Value::Object(entry))
}

fn not_found_view(diagnosis: &mcp_tray_core::diagnose::Diagnosis) -> ProbeView {
    ProbeView {
        ok: false,
        server_name: None,
        server_version: None,
        transport: None,
        tools: Vec::new(),
        diagnosis: Some(DiagnosisView::from(diagnosis)),
        stderr_tail: Vec::new(),
        total_ms: 0.0,
    }
}

/// Finds the command (login-shell PATH), starts the server as Claude would and lists its tools;
/// only when that works is the entry written, unless `anyway` (Add anyway: a command not installed
/// yet, a token set later, a server that exits early now). A failure is explained either way; the
/// test's result is the row's last test, and kept for the next start when the entry is written.
#[tauri::command]
#[specta::specta]
pub async fn add_local_server(
    server: LocalServerInput,
    run: Option<u32>,
    anyway: Option<bool>,
    watch: State<'_, ServerWatch>,
) -> Result<LocalAddOutcome, CommandError> {
    let anyway = anyway.unwrap_or(false);
    let name = server.name.trim().to_owned();
    if name.is_empty() {
        return Err(error("no-name", "give the server a name"));
    }
    let file = config_file();
    let taken =
        file.read()?.server(&name).is_some() || file.disabled()?.iter().any(|d| d.name == name);
    if taken {
        return Err(error(
            "name-taken",
            format!("a server named \"{name}\" already exists; choose another name"),
        ));
    }
    let mut server = server;
    local_value(&server)?;
    let command = server.command.trim().to_owned();
    let typed = command.clone();
    let (resolved, mut split) = tokio::task::spawn_blocking(move || resolve_typed(&typed))
        .await
        .map_err(|e| error("internal", format!("resolving the command failed: {e}")))?;
    // Added anyway while its program is not installed yet (`uvx mcp-server-time` before uv):
    // written split as the doctor would split it, so that it starts once the program is there.
    // (A first word with a path in it may be one file with spaces in its name: left whole.)
    if anyway && resolved.is_err() && split.is_none() {
        split = command_line(&command)
            .filter(|(program, _)| !program.contains(['/', '\\']))
            .map(|(command, args)| LocalCommand { command, args });
    }
    // The typed Arguments go after those of the command line.
    let split = split.map(|mut split| {
        split.args.append(&mut server.args);
        server.command.clone_from(&split.command);
        server.args.clone_from(&split.args);
        split
    });
    let value = local_value(&server)?;
    let entry = ServerEntry::from_value(name.clone(), value.clone(), value.to_string());
    // Tested as it will be written: through the tap when its traffic is to be captured.
    let tapped = captured_entry(
        &entry,
        server.capture,
        &mcp_tray_core::paths::mcp_tray_exe(),
    );
    // The entry as it will be written, which the test's result stands for.
    let written = tapped.as_ref().map_or_else(
        || entry.clone(),
        |tapped| ServerEntry::from_value(name.clone(), tapped.value.clone(), String::new()),
    );
    let (program, view) = match resolved {
        Ok(program) => {
            let target = target_as_written(&entry, tapped.as_ref())?;
            // A cancelled test writes nothing.
            let view = crate::test_runs::test_as(run, &target, &name, &written, &watch).await?;
            (Some(program), view)
        }
        // Nothing to start: the missing command is the test's result (kept for the entry only
        // when it is written anyway).
        Err(diagnosis) => {
            let view = not_found_view(&diagnosis.server(name.clone()));
            watch.tested(&name, anyway.then_some(&written), &view);
            (None, view)
        }
    };
    let stdout_lines_moved = if tapped.is_some() {
        stdout_lines_moved(&view)
    } else {
        0
    };
    let change = if view.ok || anyway {
        let entry = tapped.as_ref().map_or(value, |tapped| tapped.value.clone());
        // A write fsyncs, and may wait for the config's lock: off the async worker.
        Some(off_main(move || Ok(ChangeDone::of(file.apply(&Edit::Add { name, entry })?))).await?)
    } else {
        None
    };
    Ok(LocalAddOutcome {
        resolved: program,
        probe: view,
        written: change.as_ref().map(|c| c.done.clone()),
        captured: change.is_some() && tapped.is_some(),
        change,
        restart_supported: claude_restart::restart_supported(),
        split,
        stdout_lines_moved,
    })
}

/// Finds the program the Command field names (login-shell PATH): its path, or why it cannot be
/// found in the form's words. A whole command line typed there (`npx -y some-server`) whose
/// program is found is split into command and arguments, the typed Arguments after them.
fn resolve_typed(
    command: &str,
) -> (
    Result<String, mcp_tray_core::diagnose::Diagnosis>,
    Option<LocalCommand>,
) {
    let resolver = command_resolver();
    let missing = match resolver.resolve(command, None) {
        Ok(found) => return (Ok(found.program.display().to_string()), None),
        Err(missing) => *missing,
    };
    let Some(line) = command_line(command) else {
        return (Err(not_found_here(missing, None)), None);
    };
    match resolver.resolve(&line.0, None) {
        Ok(found) => {
            let split = LocalCommand {
                command: line.0,
                args: line.1,
            };
            (Ok(found.program.display().to_string()), Some(split))
        }
        // A program by its name (no path) is said missing as itself; a path with spaces in it
        // may be one file, said missing whole.
        Err(first) if !line.0.contains(std::path::MAIN_SEPARATOR) && !line.0.contains('/') => {
            (Err(not_found_here(*first, Some(&line))), None)
        }
        Err(_) => {
            let mut missing = not_found_here(missing, None);
            missing.fix = Some(format!(
                "{} If only its first part is the program, put the rest in Arguments.",
                missing.fix.unwrap_or_default()
            ))
            .map(|f| f.trim_start().to_owned());
            (Err(missing), None)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn details_mask_secret_looking_values_and_show_the_rest() {
        let value = json!({"command": "npx", "args": ["-y", "gh"],
            "env": {"GITHUB_TOKEN": "ghp_secret", "LOG_LEVEL": "debug",
                "MYVAR": "sk-ant-api03-abcdefghijklmnopqrstuvwxyz",
                "DATABASE_URL": "postgres://app:hunter2@db/x"}});
        let entry = ServerEntry::from_value("gh".into(), value.clone(), value.to_string());
        let shown = details(&entry);
        let json = serde_json::to_string(&shown).expect("json");
        assert!(!json.contains("ghp_secret"), "{json}");
        // A value that is a credential by itself is hidden too, whatever its name.
        assert!(
            !json.contains("sk-ant-api03") && !json.contains("hunter2"),
            "{json}"
        );
        let shown = ServerDetails {
            env: shown
                .env
                .into_iter()
                .filter(|v| v.name == "GITHUB_TOKEN" || v.name == "LOG_LEVEL")
                .collect(),
            ..shown
        };
        assert_eq!(
            shown.env,
            [
                EnvVarView {
                    name: "GITHUB_TOKEN".into(),
                    value: None,
                    secret: true
                },
                EnvVarView {
                    name: "LOG_LEVEL".into(),
                    value: Some("debug".into()),
                    secret: false
                },
            ]
        );
    }

    #[test]
    fn an_edit_that_keeps_a_masked_secret_writes_it_back_unchanged() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("claude_desktop_config.json");
        let original = "{\n  \"mcpServers\": {\n    \"gh\": {\"command\": \"npx\", \"args\": [\"a\"], \"env\": {\"GITHUB_TOKEN\": \"ghp_secret\"}},\n    \"other\":   {\"command\": \"uvx\"}\n  }\n}\n";
        std::fs::write(&path, original).expect("write");
        let file = ConfigFile::new(&path, dir.path().join("data"));
        let entry = entry_of(&file, "gh").expect("entry");
        let input = ServerEditInput {
            args: Some(vec!["b".into()]),
            env: Some(vec![EnvVarInput {
                name: "GITHUB_TOKEN".into(),
                value: None,
            }]),
            ..ServerEditInput::default()
        };
        let edits = mcp_tray_core::config::change::edits_for(&entry, &input.into()).expect("edits");
        file.apply_all("edit gh", &edits).expect("written");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains("ghp_secret"), "{text}");
        assert!(
            text.contains("\"other\":   {\"command\": \"uvx\"}"),
            "{text}"
        );
        let (_, _) = file.undo(false, None).expect("undo");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), original);
    }

    #[test]
    fn a_local_server_needs_a_command_and_named_env() {
        let input = |command: &str, env: Vec<EnvVarInput>| LocalServerInput {
            name: "x".into(),
            command: command.into(),
            args: vec!["stdio".into()],
            env,
            capture: false,
        };
        assert_eq!(
            local_value(&input(" ", vec![]))
                .expect_err("no command")
                .code,
            "no-command"
        );
        let bad = vec![EnvVarInput {
            name: " ".into(),
            value: Some("1".into()),
        }];
        assert_eq!(
            local_value(&input("srv", bad)).expect_err("no name").code,
            "bad-env"
        );
        assert_eq!(
            local_value(&input("srv", vec![])).expect("value"),
            json!({"command": "srv", "args": ["stdio"]})
        );
    }
}
