//! Config subcommands: `list`, `show`, `add`, `remove`, `rename`, `enable`, `disable`, `tap`,
//! `untap`, `import`, `path`, `history`, `undo`. Adapters over `mcp_tray_core::config`; all
//! behaviour lives there.
//! Human output goes to stdout as aligned tables; `--json` output is stable (see README).

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use mcp_tray_core::clients::ConfigSource;
use mcp_tray_core::config::document::is_secret_name;
use mcp_tray_core::config::snippet::{self, parse_snippet};
use mcp_tray_core::config::{
    ConfigDocument, ConfigError, ConfigFile, Edit, EditOutcome, EntryKind, ServerEntry,
    tapped_entry,
};
use mcp_tray_core::diagnose::codes;
use mcp_tray_core::redact::{ARG_MASK, looks_like_credential, mask_args, mask_text, mask_url};
use mcp_tray_core::supervise::{CommandResolver, LoginShellPath, shell_line};
use mcp_tray_core::{clients, doctor, paths, transport};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::Context;
use crate::exit::{self, Failure};

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// List the servers in Claude Desktop's config, and those disabled through MCP Tray.
    List {
        /// One JSON document instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one server's entry.
    Show {
        /// The server's name in Claude's config (`mcp-tray list` shows them).
        name: String,
        /// Print the entry's exact text from the file, secrets included.
        #[arg(long)]
        raw: bool,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Add a server: a local command (`add NAME -- CMD ARGS…`) or a remote URL (`add NAME --url URL`).
    Add(AddArgs),
    /// Remove a server (it stays in the history: `mcp-tray undo` brings it back).
    Remove {
        /// The server's name in Claude's config (`mcp-tray list` shows them).
        name: String,
        #[command(flatten)]
        bom: KeepBom,
    },
    /// Rename a server, keeping its entry as it is.
    Rename {
        /// The server's name now.
        old: String,
        /// Its new name.
        new: String,
        #[command(flatten)]
        bom: KeepBom,
    },
    /// Put a disabled server back into Claude's config, exactly as it was.
    Enable {
        /// The disabled server's name (`mcp-tray list` shows it as disabled).
        name: String,
        #[command(flatten)]
        bom: KeepBom,
    },
    /// Take a server out of Claude's config without losing it (MCP Tray keeps it).
    Disable {
        /// The server's name in Claude's config (`mcp-tray list` shows them).
        name: String,
        #[command(flatten)]
        bom: KeepBom,
    },
    /// Run a local server through MCP Tray's tap so its traffic shows in `mcp-tray traffic`.
    Tap {
        /// The server's name in Claude's config (`mcp-tray list` shows them).
        name: String,
        #[command(flatten)]
        bom: KeepBom,
    },
    /// Run a tapped server directly again, its entry exactly as it was before `tap`.
    Untap {
        /// The server's name in Claude's config (`mcp-tray list` shows them).
        name: String,
        #[command(flatten)]
        bom: KeepBom,
    },
    /// Add the servers of a snippet from a README: JSON (fenced or not), a URL, or an `npx
    /// mcp-remote URL` or `claude mcp add` line.
    Import {
        /// File to read; `-` or nothing reads standard input.
        file: Option<PathBuf>,
        /// Name for a snippet holding a single unnamed entry.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        bom: KeepBom,
    },
    /// Print the path of the Claude Desktop config file in use.
    Path {
        /// Print JSON (the path, and where it came from) instead of the path alone.
        #[arg(long)]
        json: bool,
    },
    /// List the backups taken before each write, newest first.
    History {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Restore the file as it was before the last edit made through MCP Tray.
    Undo {
        /// Undo even though the file changed since that edit (the current file is backed up first).
        #[arg(long)]
        force: bool,
    },
}

/// `--keep-bom`, which only the commands that edit the config offer: reading a file with a
/// byte-order mark needs no permission ([`read_to_show`]).
#[derive(Debug, Clone, Copy, Args)]
pub struct KeepBom {
    /// Edit a config file that starts with a UTF-8 byte-order mark (the mark is kept).
    #[arg(long)]
    keep_bom: bool,
}

impl ConfigCommand {
    /// Whether it writes the config file.
    fn edits(&self) -> bool {
        matches!(
            self,
            ConfigCommand::Add(_)
                | ConfigCommand::Remove { .. }
                | ConfigCommand::Rename { .. }
                | ConfigCommand::Enable { .. }
                | ConfigCommand::Disable { .. }
                | ConfigCommand::Tap { .. }
                | ConfigCommand::Untap { .. }
                | ConfigCommand::Import { .. }
        )
    }

    /// Whether `--keep-bom` was given.
    pub fn keep_bom(&self) -> bool {
        match self {
            ConfigCommand::Add(args) => args.bom.keep_bom,
            ConfigCommand::Remove { bom, .. }
            | ConfigCommand::Rename { bom, .. }
            | ConfigCommand::Enable { bom, .. }
            | ConfigCommand::Disable { bom, .. }
            | ConfigCommand::Tap { bom, .. }
            | ConfigCommand::Untap { bom, .. }
            | ConfigCommand::Import { bom, .. } => bom.keep_bom,
            ConfigCommand::List { .. }
            | ConfigCommand::Show { .. }
            | ConfigCommand::Path { .. }
            | ConfigCommand::History { .. }
            | ConfigCommand::Undo { .. } => false,
        }
    }
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The server's name in Claude Desktop.
    name: String,
    /// Remote server URL (Streamable HTTP or HTTP+SSE); written as an `mcp-tray bridge` entry.
    #[arg(long, conflicts_with = "command")]
    url: Option<String>,
    // The three options below are for `--url` only, which [`new_entry`] checks. clap's
    // `requires = "url"` cannot say it: clap excuses a required argument that conflicts with one
    // given, and `--url` conflicts with CMD, so `--header … -- CMD` passed and the header was lost.
    /// HTTP header for a remote server, `'Name: value'` (repeatable); `${VAR}` is expanded.
    #[arg(long = "header", value_name = "'K: V'")]
    headers: Vec<String>,
    /// Transport of a remote server; `auto` detects it.
    #[arg(long, value_parser = ["auto", "http", "sse"])]
    transport: Option<String>,
    /// Allow a plain http:// URL to a host that is not this machine (passed on to the bridge).
    #[arg(long)]
    allow_http: bool,
    /// Environment variable for a local server, `K=V` (repeatable).
    #[arg(long = "env", value_name = "K=V")]
    env: Vec<String>,
    /// Run the local server through MCP Tray's tap (as `tap NAME` would): its traffic shows in
    /// `mcp-tray traffic` and the app, and its command is found with the login shell's PATH.
    #[arg(long, conflicts_with = "url")]
    capture: bool,
    #[command(flatten)]
    bom: KeepBom,
    /// The command and its arguments, after `--`.
    #[arg(last = true, value_name = "CMD [ARGS]…")]
    command: Vec<String>,
}

pub fn run(cmd: ConfigCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    let location = clients::claude_config(ctx.config.as_deref());
    // Claude's own folder is made when missing (Claude has not run yet); a path the user gave
    // whose folder does not exist is more likely mistyped than new.
    let given = matches!(location.source, ConfigSource::Flag | ConfigSource::Env);
    if let Some(folder) = location.path.parent().filter(|p| !p.as_os_str().is_empty())
        && given
        && cmd.edits()
        && !folder.exists()
    {
        let how = match location.source {
            ConfigSource::Env => "MCP_TRAY_CLAUDE_CONFIG",
            _ => "--config",
        };
        return Err(Failure::new(
            exit::FILE,
            anyhow::anyhow!(
                "the folder {} does not exist; check the path given to {how} (MCP Tray creates \
                 the config file, not the folders it is in). Nothing was written",
                folder.display()
            ),
        )
        .into());
    }
    let file = ConfigFile::new(&location.path, paths::data_dir()).allow_bom(ctx.keep_bom);
    // What only reads the file reads one with a byte-order mark too, and says Claude cannot.
    let reader = ConfigFile::new(&location.path, paths::data_dir()).allow_bom(true);
    match cmd {
        ConfigCommand::Path { json } => {
            if json {
                print_json(&location)?;
            } else {
                println!("{}", location.path.display());
                for other in &location.also_present {
                    eprintln!("note: another config file also exists: {}", other.display());
                }
            }
        }
        ConfigCommand::List { json } => list(ctx, &reader, json)?,
        ConfigCommand::Show { name, raw, json } => show(&reader, &name, raw, json)?,
        ConfigCommand::Add(args) => {
            let mut entry = new_entry(&args)?;
            if args.capture {
                let plain =
                    ServerEntry::from_value(args.name.clone(), entry.clone(), String::new());
                entry = tapped_entry(&plain, &paths::mcp_tray_exe()).ok_or_else(|| {
                    match &plain.kind {
                        EntryKind::McpRemote { url } | EntryKind::Remote { url } => anyhow::anyhow!(
                            "this command runs the remote server {url}: add it with --url {url} (MCP Tray's bridge; its traffic is recorded already), --capture is for a local command"
                        ),
                        _ => anyhow::anyhow!("--capture takes a local command after `--`"),
                    }
                })?;
            }
            let out = file
                .apply(&Edit::Add {
                    name: args.name.clone(),
                    entry: entry.clone(),
                })
                .map_err(fail)?;
            report(ctx, &out);
            let does = if args.url.is_some() {
                "answers"
            } else {
                "starts"
            };
            let check = shell_line("mcp-tray", &["probe".to_owned(), args.name.clone()]);
            // Nothing was started or reached to write it: how to find out now rather than in
            // Claude (a warning says it already).
            if !warn_of_what_claude_would_refuse(ctx, &file, &[(args.name, entry)]) {
                eprintln!(
                    "{}",
                    ctx.with_config(&format!("Check that it {does}: `{check}`."))
                );
            }
        }
        ConfigCommand::Remove { name, .. } => {
            let doc = file.read().map_err(fail)?;
            if doc.server(&name).is_none()
                && file
                    .disabled()
                    .map_err(fail)?
                    .iter()
                    .any(|d| d.name == name)
            {
                file.forget_disabled(&name).map_err(fail)?;
                // Claude never saw it: nothing to restart for.
                eprintln!(
                    "removed disabled server {name}. {}",
                    ctx.with_config("Undo with `mcp-tray undo`.")
                );
            } else {
                let edit = Edit::Remove { name: name.clone() };
                report(ctx, &file.apply(&edit).map_err(fail_for(&file, &name))?);
            }
        }
        ConfigCommand::Rename { old, new, .. } => {
            check_name(&new)?;
            if old == new {
                // Nothing to write, and no history entry for an edit that changes nothing.
                if read_to_show(&file).map_err(fail)?.server(&old).is_none() {
                    return Err(not_in_file(&file, &old).into());
                }
                eprintln!("{old} already has that name: nothing written");
                return Ok(ExitCode::SUCCESS);
            }
            let failed = fail_for(&file, &old);
            report(
                ctx,
                &file
                    .apply(&Edit::Rename {
                        from: old.clone(),
                        to: new,
                    })
                    .map_err(failed)?,
            );
        }
        ConfigCommand::Enable { name, .. } => report(ctx, &file.enable(&name).map_err(fail)?),
        ConfigCommand::Disable { name, .. } => {
            report(ctx, &file.disable(&name).map_err(fail_for(&file, &name))?)
        }
        ConfigCommand::Tap { name, .. } => {
            report(
                ctx,
                &file
                    .tap(&name, &paths::mcp_tray_exe())
                    .map_err(fail_for(&file, &name))?,
            );
            // The tap starts the same command: one it cannot find is said now, not in Claude's log.
            if let Ok(doc) = file.read()
                && let Some(server) = doc.server(&name)
            {
                warn_of_what_claude_would_refuse(ctx, &file, &[(name, server.value.clone())]);
            }
        }
        ConfigCommand::Untap { name, .. } => {
            report(ctx, &file.untap(&name).map_err(fail_for(&file, &name))?);
        }
        ConfigCommand::Import {
            file: source, name, ..
        } => return import(ctx, &file, source, name),
        ConfigCommand::History { json } => history(&file, json)?,
        ConfigCommand::Undo { force } => {
            let was_there = file.path().exists();
            let (entry, out) = file.undo(force, None).map_err(fail)?;
            let what = match (entry.existed, was_there) {
                (true, _) => format!("wrote {}", out.written.display()),
                (false, true) => {
                    format!("removed {} (that edit created it)", out.written.display())
                }
                (false, false) => format!(
                    "{} stays removed (that edit created it)",
                    out.written.display()
                ),
            };
            eprintln!(
                "undid \"{}\" from {}; {what}",
                entry.op,
                mcp_tray_core::config::write::shown_time(&entry.ts)
            );
            // What --force threw away (a change made after that edit) is in that copy only.
            if force && let Some(backup) = &out.backup {
                eprintln!(
                    "the file as it was before this undo is kept in {}",
                    backup.display()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The error for a server NAME the file does not hold: a disabled one says so, and how to bring
/// it back (it shows in `list`, so "no such server" would mislead).
pub(crate) fn not_in_file(file: &ConfigFile, name: &str) -> Failure {
    let disabled = file
        .disabled()
        .is_ok_and(|d| d.iter().any(|d| d.name == name));
    let message = if disabled {
        format!(
            "\"{name}\" is disabled, so Claude Desktop does not start it; `mcp-tray enable {name}` first"
        )
    } else {
        format!(
            "no server named \"{name}\" in {} (`mcp-tray list` shows them)",
            file.path().display()
        )
    };
    Failure::new(exit::USER, anyhow::anyhow!(message))
}

/// The config as a command that only reads it sees it: a file that starts with a byte-order mark
/// is read (`file` allows it), with a warning that Claude Desktop cannot read it: the doctor's
/// `bad-json-config` finding, in a line.
pub(crate) fn read_to_show(file: &ConfigFile) -> Result<ConfigDocument, ConfigError> {
    let doc = file.read()?;
    if doc.bom {
        eprintln!(
            "warning: {} starts with a UTF-8 byte-order mark (BOM), which Claude Desktop cannot \
             read: it starts no server from this file. `mcp-tray doctor --fix` removes the mark \
             (or edit it with --keep-bom)",
            file.path().display()
        );
    }
    Ok(doc)
}

/// After `add` or `import` wrote `added` (name, entry): a warning on stderr, as the doctor words
/// it, for what Claude Desktop would refuse. The entries are written all the same (the config may
/// be meant for another machine); the warnings say what to check.
/// - an added server whose command cannot be found here, and how to try it
///   (`mcp-tray probe NAME`);
/// - an entry of the file Claude cannot load (a field of the wrong type: Claude then loads no
///   server at all, the added ones neither).
fn warn_of_what_claude_would_refuse(
    ctx: &Context,
    file: &ConfigFile,
    added: &[(String, Value)],
) -> bool {
    let mut warned = false;
    let resolver = CommandResolver::new(LoginShellPath::WhenNoTerminal);
    for (name, entry) in added {
        let server = ServerEntry::from_value(name.clone(), entry.clone(), String::new());
        let command = match &server.kind {
            EntryKind::Tapped { command, .. } => Some(command.as_str()),
            EntryKind::Local | EntryKind::Remote { .. } | EntryKind::McpRemote { .. } => {
                server.command.as_deref()
            }
            _ => None,
        };
        let Some(command) = command else { continue };
        if let Err(d) = resolver.resolve(command, None) {
            let mut d = (*d).server(name.clone());
            if matches!(server.kind, EntryKind::Tapped { .. }) {
                d = mcp_tray_core::supervise::resolve::in_tapped_entry(d);
            }
            eprint!(
                "{}",
                ctx.with_config(&crate::doctor_cmd::finding_text("warning", &d, "", "fix"))
            );
            eprintln!(
                "{}",
                ctx.with_config(&format!(
                    "        check: `{}` starts it as Claude Desktop would",
                    shell_line("mcp-tray", &["probe".to_owned(), name.clone()])
                ))
            );
            warned = true;
        }
    }
    let Ok(doc) = file.read() else { return warned };
    let exe = paths::mcp_tray_exe();
    for server in &doc.servers {
        let was_added = added.iter().any(|(name, _)| *name == server.name);
        // Each relative path that exists from this folder, and its absolute path.
        let here: Vec<(String, PathBuf)> = doctor::relative_paths(server)
            .into_iter()
            .filter_map(|path| {
                let absolute = std::path::absolute(&path).ok()?;
                absolute.exists().then_some((path, absolute))
            })
            .collect();
        for mut f in doctor::check_entry(server, &exe) {
            // A relative path works from this folder (so `probe` passes here) but not from the
            // one Claude Desktop starts servers in: said for what was just added, with the
            // absolute path that works when it is known from here.
            let relative = was_added && f.diagnosis.code == codes::RELATIVE_PATH;
            let known: Vec<String> = here
                .iter()
                .filter(|(path, _)| relative && f.diagnosis.summary.contains(path.as_str()))
                .map(|(_, absolute)| absolute.display().to_string())
                .collect();
            if !known.is_empty() {
                f.diagnosis.fix = Some(format!("use the absolute path: {}", known.join(", ")));
            }
            // A README's placeholder left in (`<YOUR_TOKEN>`), or a variable that is not set:
            // the most common slip with a pasted snippet.
            let unset = was_added && f.diagnosis.code == codes::MISSING_ENV;
            if f.diagnosis.code == codes::INVALID_ENTRY || relative || unset {
                eprint!(
                    "{}",
                    ctx.with_config(&crate::doctor_cmd::finding_text(
                        "warning",
                        &f.diagnosis,
                        "",
                        "fix"
                    ))
                );
                warned = true;
            }
        }
    }
    warned
}

/// Maps a config error to its exit code.
fn fail(err: ConfigError) -> Failure {
    let code = match &err {
        ConfigError::Conflict { .. } | ConfigError::ChangedSince(_) => exit::CONFLICT,
        e if e.is_file_problem() => exit::FILE,
        _ => exit::USER,
    };
    Failure::new(code, err)
}

/// [`fail`], for an edit of the server `name`: when the file does not hold it, a disabled server
/// is said to be disabled, with how to enable it ([`not_in_file`]), rather than not to exist.
fn fail_for<'a>(file: &'a ConfigFile, name: &'a str) -> impl FnOnce(ConfigError) -> Failure + 'a {
    move |err| match &err {
        ConfigError::Invalid(message) if message.starts_with("no server named") => {
            not_in_file(file, name)
        }
        _ => fail(err),
    }
}

fn report(ctx: &Context, out: &EditOutcome) {
    let mut line = format!("{}: wrote {}", out.description, out.written.display());
    if out.reapplied > 0 {
        line.push_str(&format!(
            " (another program changed the file meanwhile; the edit was re-applied to its version {} time(s))",
            out.reapplied
        ));
    }
    eprintln!("{line}");
    eprintln!(
        "Restart Claude Desktop to apply. {}",
        ctx.with_config("Undo with `mcp-tray undo`.")
    );
}

fn check_name(name: &str) -> anyhow::Result<()> {
    if name.trim().is_empty() {
        anyhow::bail!("a server name cannot be empty");
    }
    // "fs " and "fs" look the same in every list, and in Claude Desktop's.
    if name.trim() != name {
        anyhow::bail!(
            "the server name {name:?} starts or ends with a space, which no list shows: use {:?}",
            name.trim()
        );
    }
    Ok(())
}

/// The entry `add` writes, or why it would never start: each refusal names the option at fault,
/// and nothing is written.
fn new_entry(args: &AddArgs) -> anyhow::Result<Value> {
    check_name(&args.name)?;
    if let Some(url) = &args.url {
        if !args.env.is_empty() {
            anyhow::bail!("--env is for local servers; a remote server takes --header");
        }
        if url.trim().is_empty() {
            anyhow::bail!("--url is an empty URL: give the server's http:// or https:// URL");
        }
        let headers = args
            .headers
            .iter()
            .map(|h| {
                // Named by the header's name alone: its value may be a secret, and a header
                // without a colon may be nothing but one (a token pasted alone).
                let (name, value) =
                    transport::split_header(h).context(transport::HEADER_WITHOUT_COLON)?;
                check_header(name, value).map_err(|e| match e.as_str() {
                    transport::BAD_HEADER_NAME => anyhow::anyhow!(e),
                    _ => anyhow::anyhow!("--header {name:?}: {e}"),
                })?;
                Ok((name.to_owned(), value.to_owned()))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let transport = args.transport.as_deref().filter(|t| *t != "auto");
        return snippet::bridge_entry(
            &args.name,
            url,
            &headers,
            transport,
            args.allow_http,
            &paths::mcp_tray_exe(),
        )
        .map_err(|e| Failure::new(exit::USER, e).into());
    }
    for (given, flag) in [
        (!args.headers.is_empty(), "--header"),
        (args.transport.is_some(), "--transport"),
        (args.allow_http, "--allow-http"),
    ] {
        if given {
            anyhow::bail!("{flag} is for a remote server (--url)");
        }
    }
    let Some((command, rest)) = args.command.split_first() else {
        anyhow::bail!("give the server's command after `--` (add NAME -- CMD ARGS…), or --url URL");
    };
    if command.trim().is_empty() {
        anyhow::bail!(
            "the command after `--` is empty: give the program Claude Desktop should start"
        );
    }
    let mut entry = Map::new();
    entry.insert("command".into(), json!(command));
    entry.insert("args".into(), json!(rest));
    if !args.env.is_empty() {
        let mut env = Map::new();
        for kv in &args.env {
            let (k, v) = kv
                .split_once('=')
                .with_context(|| format!("--env {kv:?} must look like NAME=value"))?;
            check_env_name(k).map_err(|e| anyhow::anyhow!("--env {kv:?}: {e}"))?;
            if env.insert(k.to_owned(), json!(v)).is_some() {
                anyhow::bail!("--env gives {k} twice: give each variable once");
            }
        }
        entry.insert("env".into(), Value::Object(env));
    }
    Ok(Value::Object(entry))
}

/// What the bridge would refuse at every start in the header `name: value`
/// ([`transport::parse_headers`], its own check), said now. A `${VAR}` in the value is read where
/// Claude Desktop starts the bridge, not here: only its form is checked (`${` closed), and it
/// stands for a value HTTP allows.
fn check_header(name: &str, value: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the header has no name before its colon".into());
    }
    let value = transport::expand_env_with(value, |_| Some("x".into()))?;
    transport::parse_headers(&[format!("{name}: {value}")]).map(drop)
}

/// Why an environment variable named `name` could never be set for the server: an empty name
/// (`=value`), or one holding whitespace or a control character. (`=` cannot be in it: the
/// first one ends the name.)
fn check_env_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("the variable has no name before its `=`");
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a variable's name cannot hold spaces or control characters");
    }
    Ok(())
}

fn import(
    ctx: &Context,
    file: &ConfigFile,
    source: Option<PathBuf>,
    name: Option<String>,
) -> anyhow::Result<ExitCode> {
    let text = match source.as_deref() {
        None => read_stdin()?,
        Some(p) if p.as_os_str() == "-" => read_stdin()?,
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| Failure::new(exit::FILE, anyhow::anyhow!("{}: {e}", p.display())))?,
    };
    let snippet = parse_snippet(&text, name.as_deref(), &paths::mcp_tray_exe())
        .map_err(|e| Failure::new(exit::USER, e))?;
    let doc = file.read().map_err(fail)?;
    let disabled = file.disabled().map_err(fail)?;
    let (clashes, fresh): (Vec<_>, Vec<_>) = snippet
        .entries
        .into_iter()
        .partition(|(n, _)| doc.server(n).is_some() || disabled.iter().any(|d| &d.name == n));
    for note in &snippet.notes {
        eprintln!("note: {note}");
    }
    // A snippet of one server that does not name it (a bare entry, a URL): the name is made up
    // from its command or host, and said, with how to give another.
    if name.is_none()
        && let [(made_up, _)] = fresh.as_slice()
        && !names_in_snippet(&text, made_up)
    {
        eprintln!(
            "note: the snippet does not name its server: imported as \"{made_up}\" (--name NAME gives another)"
        );
    }
    if !fresh.is_empty() {
        let names: Vec<&str> = fresh.iter().map(|(n, _)| n.as_str()).collect();
        let edits: Vec<Edit> = fresh
            .iter()
            .map(|(name, entry)| Edit::Add {
                name: name.clone(),
                entry: entry.clone(),
            })
            .collect();
        let out = file
            .apply_all(&format!("import {}", names.join(", ")), &edits)
            .map_err(fail)?;
        report(ctx, &out);
        warn_of_what_claude_would_refuse(ctx, file, &fresh);
    }
    // A snippet of several servers: the ones that could be read are in, each other one said.
    for (_, why) in &snippet.refused {
        eprintln!("not imported: {why}");
    }
    if clashes.is_empty() && snippet.refused.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for (n, _) in &clashes {
        eprintln!(
            "not imported: a server named \"{n}\" already exists (rename one, or `--name` for a single entry)"
        );
    }
    Ok(ExitCode::from(exit::USER))
}

/// Whether a snippet names its server `name` itself: as a JSON key (`"fetch": {…}`), or as the
/// name of a `claude mcp add NAME …` line.
fn names_in_snippet(text: &str, name: &str) -> bool {
    text.contains(&format!("\"{name}\""))
        || text.lines().any(|line| {
            let mut words = line.split_whitespace();
            words.by_ref().any(|w| w == "mcp") && words.next() == Some("add") && {
                // Its options (`--transport http`, `-e KEY=VALUE`, `-s user`) come before or after
                // the name; the name is the first word that is neither an option nor its value.
                let mut rest = words.map(|w| w.trim_matches(['"', '\'']));
                let mut found = None;
                while let Some(w) = rest.next() {
                    if w == "--" {
                        break;
                    }
                    if w.starts_with('-') {
                        if !w.contains('=') {
                            rest.next();
                        }
                        continue;
                    }
                    found = Some(w);
                    break;
                }
                found == Some(name)
            }
        })
}

fn read_stdin() -> anyhow::Result<String> {
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        // Nothing was piped in: without a word it would look like a hang.
        eprintln!(
            "Paste the snippet (JSON, a URL, or an `npx mcp-remote` or `claude mcp add` line), then press Ctrl-D on a line of its own (Ctrl-Z then Enter on Windows)."
        );
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("reading the snippet from standard input")?;
    Ok(text)
}

/// A server as `list --json` and `show --json` print it (stable; secrets masked).
#[derive(Serialize)]
struct ServerView {
    name: String,
    enabled: bool,
    kind: EntryKind,
    command: Option<String>,
    args: Vec<String>,
    env: Map<String, Value>,
    other_keys: Vec<String>,
}

fn view(entry: &ServerEntry, enabled: bool) -> ServerView {
    // Credentials on a command line (`--header "Authorization: …"`, `--api-key …`) are masked as
    // env values are ([`env_value_shown`]).
    let kind = match &entry.kind {
        EntryKind::Tapped { command, args } => EntryKind::Tapped {
            command: command.clone(),
            args: mask_args(args),
        },
        EntryKind::Remote { url } => EntryKind::Remote { url: mask_url(url) },
        EntryKind::McpRemote { url } => EntryKind::McpRemote { url: mask_url(url) },
        EntryKind::UrlEntry { url } => EntryKind::UrlEntry { url: mask_url(url) },
        kind => kind.clone(),
    };
    ServerView {
        name: entry.name.clone(),
        enabled,
        kind,
        command: entry.command.clone(),
        args: mask_args(&entry.args),
        env: entry
            .env
            .iter()
            .map(|(k, v)| (k.clone(), json!(env_value_shown(k, v))))
            .collect(),
        other_keys: entry.other_keys.clone(),
    }
}

/// An env value as `show` and `list --json` print it: masked whole when its variable's name says
/// it is a secret (`GITHUB_TOKEN`) or the value says so by itself (`sk-…`, `ghp_…`, a JWT), with
/// the credentials in it masked otherwise (a URL's password, `Bearer …`); an empty value as it is.
fn env_value_shown(name: &str, value: &str) -> String {
    if value.is_empty() {
        return String::new();
    }
    if is_secret_name(name) || looks_like_credential(value) {
        return ARG_MASK.to_owned();
    }
    mask_text(value).into_owned()
}

/// The file's servers in file order, each disabled one where enabling it puts it back.
fn all_servers(file: &ConfigFile) -> anyhow::Result<Vec<ServerView>> {
    let doc = read_to_show(file).map_err(fail)?;
    let enabled: Vec<ServerView> = doc.servers.iter().map(|s| view(s, true)).collect();
    let disabled = file.disabled().map_err(fail)?;
    Ok(mcp_tray_core::config::store::in_place(
        enabled,
        &disabled,
        |d| view(&d.entry(), false),
    ))
}

fn what(v: &ServerView) -> String {
    match &v.kind {
        EntryKind::Remote { url } => url.clone(),
        EntryKind::McpRemote { url } => format!("{url} (via npx mcp-remote)"),
        EntryKind::Tapped { command, args } => shell_line(command, args),
        EntryKind::UrlEntry { url } => {
            format!("{url} (Claude ignores url entries: see `mcp-tray doctor`)")
        }
        EntryKind::Invalid { reason } => reason.clone(),
        EntryKind::Local => shell_line(v.command.as_deref().unwrap_or(""), &v.args),
    }
}

fn list(ctx: &Context, file: &ConfigFile, json: bool) -> anyhow::Result<()> {
    let servers = all_servers(file)?;
    if json {
        return print_json(&json!({ "config": file.path(), "servers": servers }));
    }
    if servers.is_empty() {
        // A mistyped path reads as an empty config: say when there is no file at all.
        let missing = if file.path().exists() {
            String::new()
        } else if let Some(last) = file.history().ok().and_then(|h| h.into_iter().next())
            // The last change recorded left a file (not an undo that took away the file its add
            // made): something else deleted or moved it since.
            && (!last.after_sha256.is_empty() || last.op == mcp_tray_core::config::DELETED_OUTSIDE)
        {
            let when = match last.op == mcp_tray_core::config::DELETED_OUTSIDE {
                true => format!("another program deleted it at {}", last.ts),
                false => format!(
                    "it was deleted or moved after MCP Tray's last write to it, \"{}\" at {}",
                    last.op, last.ts
                ),
            };
            format!(
                " (the file does not exist: {when}; `mcp-tray history` lists the backups taken before each write)"
            )
        } else {
            " (the file does not exist yet)".to_owned()
        };
        eprintln!(
            "{}",
            ctx.with_config(&format!(
                "no servers in {}{missing}; add one with `mcp-tray add`",
                file.path().display()
            ))
        );
        return Ok(());
    }
    let rows: Vec<[String; 4]> = servers
        .iter()
        .map(|v| {
            [
                v.name.clone(),
                v.kind.label().to_owned(),
                if v.enabled { "enabled" } else { "disabled" }.to_owned(),
                ctx.with_config(&what(v)),
            ]
        })
        .collect();
    print_table(&["NAME", "KIND", "STATE", "RUNS"], &rows);
    Ok(())
}

/// The widest first column (a server's name) a table pads every row to: a longer name is
/// printed whole on a line of its own, and its row's other cells under it, in their columns.
const FIRST_COLUMN_MAX: usize = 32;

fn print_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) {
    let rows: Vec<[String; N]> = rows
        .iter()
        .map(|row| {
            row.clone()
                .map(|cell| crate::columns::printable(&cell).into_owned())
        })
        .collect();
    let mut widths = header.map(crate::columns::width);
    for row in &rows {
        for (i, (w, cell)) in widths.iter_mut().zip(row).enumerate() {
            let cell = crate::columns::width(cell);
            if i > 0 || cell <= FIRST_COLUMN_MAX {
                *w = (*w).max(cell);
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                out.push_str(cell);
            } else {
                out.push_str(&crate::columns::pad(cell, widths[i]));
                out.push_str("  ");
            }
        }
        println!("{}", out.trim_end());
    };
    line(header.to_vec());
    for row in &rows {
        let mut cells: Vec<&str> = row.iter().map(String::as_str).collect();
        if N > 1 && crate::columns::width(cells[0]) > widths[0] {
            println!("{}", cells[0]);
            cells[0] = "";
        }
        line(cells);
    }
}

fn show(file: &ConfigFile, name: &str, raw: bool, json: bool) -> anyhow::Result<()> {
    let doc = read_to_show(file).map_err(fail)?;
    let (entry, enabled) = match doc.server(name) {
        Some(e) => (e.clone(), true),
        None => {
            let disabled = file.disabled().map_err(fail)?;
            let d = disabled
                .iter()
                .find(|d| d.name == name)
                .ok_or_else(|| not_in_file(file, name))?;
            (d.entry(), false)
        }
    };
    if raw {
        println!("{}", entry.raw);
        return Ok(());
    }
    let v = view(&entry, enabled);
    if json {
        return print_json(&v);
    }
    let mut rows = vec![
        ["name".to_owned(), v.name.clone()],
        [
            "state".to_owned(),
            if enabled {
                "enabled"
            } else {
                "disabled (kept by MCP Tray)"
            }
            .to_owned(),
        ],
        ["kind".to_owned(), v.kind.label().to_owned()],
        ["runs".to_owned(), what(&v)],
    ];
    if let Some(cmd) = &v.command {
        rows.push(["command".to_owned(), cmd.clone()]);
    }
    for (i, arg) in v.args.iter().enumerate() {
        rows.push([format!("args[{i}]"), arg.clone()]);
    }
    for (k, val) in &v.env {
        rows.push([
            format!("env {k}"),
            val.as_str().unwrap_or_default().to_owned(),
        ]);
    }
    for k in &v.other_keys {
        rows.push(["other key".to_owned(), k.clone()]);
    }
    // An argument or env value may hold any character: an escape sequence printed as it is
    // would restyle the terminal, a newline break the layout.
    let rows: Vec<[String; 2]> = rows
        .into_iter()
        .map(|r| r.map(|cell| crate::columns::printable(&cell).into_owned()))
        .collect();
    let w = rows
        .iter()
        .map(|r| crate::columns::width(&r[0]))
        .max()
        .unwrap_or(0);
    for [k, val] in rows {
        println!("{}  {val}", crate::columns::pad(&k, w));
    }
    Ok(())
}

fn history(file: &ConfigFile, json: bool) -> anyhow::Result<()> {
    let (entries, damaged) = file.history_with_damaged().map_err(fail)?;
    if json {
        // The store change an edit made (disable, tap…) keeps the entry's whole text for undo,
        // secrets included: shown as what it did, and to which server, only.
        let shown: Vec<serde_json::Value> = entries
            .iter()
            .map(|h| {
                let mut value = serde_json::to_value(h)?;
                if let Some(change) = value
                    .get_mut("store_change")
                    .and_then(serde_json::Value::as_object_mut)
                    && let Some(entry) = change.remove("entry")
                {
                    change.insert("server".to_owned(), entry["name"].clone());
                }
                Ok(value)
            })
            .collect::<serde_json::Result<_>>()?;
        return print_json(&shown);
    }
    if entries.is_empty() && damaged.is_empty() {
        eprintln!("no backups yet for {}", file.path().display());
        return Ok(());
    }
    let mut rows: Vec<[String; 3]> = entries
        .iter()
        .map(|h| {
            [
                h.id.to_string(),
                mcp_tray_core::config::write::shown_time(&h.ts),
                if h.undone {
                    format!("{} (undone)", h.op)
                } else {
                    h.op.clone()
                },
            ]
        })
        .collect();
    // A record that cannot be read is listed where it stands, not left out: undo stops at it.
    for id in &damaged {
        let at = rows
            .iter()
            .position(|r| r[0].parse::<u64>().is_ok_and(|r| r < *id))
            .unwrap_or(rows.len());
        rows.insert(
            at,
            [
                id.to_string(),
                "?".to_owned(),
                "(its record is damaged)".to_owned(),
            ],
        );
    }
    print_table(&["ID", "TIME", "EDIT"], &rows);
    if let Some(newest) = entries.first() {
        eprintln!(
            "\nthe file as it was before each edit: {} (the other IDs beside it)",
            newest.file.display()
        );
    }
    Ok(())
}

fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
