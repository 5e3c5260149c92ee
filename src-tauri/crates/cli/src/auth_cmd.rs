//! `mcp-tray auth status|login|logout NAME|URL`: sign-ins to protected remote servers, and the
//! `--oauth-*` flags the bridge shares with `auth login`.
//!
//! All behaviour lives in `mcp_tray_core::auth`; this module parses, resolves a server NAME through
//! Claude's config (or the sign-in store) and prints. It must never print a token or a secret.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};
use mcp_tray_core::auth::Url;
use mcp_tray_core::auth::{self, AuthOptions, Flow};
use mcp_tray_core::config::{ConfigFile, EntryKind};
use mcp_tray_core::{clients, paths, transport};

use crate::Context;
use crate::exit::{self, Failure};

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Sign in to protected remote servers (OAuth), see who is signed in, sign out.
    #[command(subcommand)]
    Auth(AuthAction),
}

#[derive(Debug, Subcommand)]
pub enum AuthAction {
    /// List stored sign-ins: server, whether a token is held, when it expires, scopes, client.
    Status {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Sign in to a server now (by its NAME in Claude's config, or its URL).
    Login {
        /// Server name in Claude's config, or its https://…/mcp URL.
        target: String,
        #[command(flatten)]
        oauth: OAuthArgs,
        /// Also trust the CA certificates in this PEM file (corporate proxies, private CAs); a
        /// NAME's entry gives its own --ca-cert.
        #[arg(long, value_name = "FILE")]
        ca_cert: Option<PathBuf>,
        /// Allow plain http:// to a host that is not loopback.
        #[arg(long)]
        allow_http: bool,
    },
    /// Forget a server's tokens and client registration.
    Logout {
        /// Server name in Claude's config or the sign-in store, or its URL.
        target: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FlowArg {
    /// Open the system browser; the answer comes back to 127.0.0.1.
    Browser,
    /// Print the address; paste the address the browser ends up at into this terminal.
    Manual,
    /// Follow the authorization address over HTTP (servers that approve at once; tests).
    Headless,
    /// No person signs in: --oauth-client-id and --oauth-client-secret get a token at the token
    /// endpoint (OAuth client credentials grant), for servers a machine uses on its own behalf.
    ClientCredentials,
}

/// How to sign in when a server asks (shared by `bridge` and `auth login`).
#[derive(Debug, Clone, Args)]
pub struct OAuthArgs {
    /// Where the sign-in happens when the server answers 401.
    #[arg(long, value_enum, default_value = "browser")]
    oauth_flow: FlowArg,
    /// A client id registered with the server's authorization server (skips registration).
    #[arg(long, value_name = "ID")]
    oauth_client_id: Option<String>,
    /// The secret of --oauth-client-id; `${VAR}` is read from the environment.
    #[arg(long, value_name = "SECRET")]
    oauth_client_secret: Option<String>,
    /// An https URL serving this client's metadata document (used when the server supports it).
    #[arg(long, value_name = "URL")]
    oauth_client_metadata_url: Option<String>,
    /// Leave out the RFC 8707 `resource` parameter (for servers that reject it).
    #[arg(long, conflicts_with = "oauth_resource")]
    oauth_no_resource: bool,
    /// Sign in for this RFC 8707 resource instead of the server's own URL (on the authorization,
    /// token and refresh requests): an absolute URI.
    #[arg(long, value_name = "URI")]
    oauth_resource: Option<String>,
    /// Add KEY=VALUE to the authorization request (repeatable; for example
    /// audience=https://api.example.com). The sign-in's own parameters (client_id, state…)
    /// cannot be set.
    #[arg(long = "oauth-authorize-param", value_name = "KEY=VALUE")]
    oauth_authorize_params: Vec<String>,
    /// Ask for these scopes (space-separated) instead of the server's.
    #[arg(long, value_name = "SCOPES")]
    oauth_scope: Option<String>,
    /// Seconds a request waits for a sign-in before it is answered "sign-in required" (the
    /// sign-in itself goes on; later requests get that answer at once while it is open). A
    /// bridge's may be longer than its --timeout, which then counts after it [default: 80 % of
    /// --timeout, at most 45: Claude Desktop gives up on a request after 60].
    #[arg(long, value_name = "SECS")]
    oauth_wait: Option<f64>,
}

impl OAuthArgs {
    /// The sign-in options for a server; `timeout` sets a request's default wait for a sign-in.
    pub fn options(&self, url: &Url, name: &str, timeout: Duration) -> anyhow::Result<AuthOptions> {
        let secret = match &self.oauth_client_secret {
            Some(s) => Some(
                transport::expand_env(s)
                    .map_err(|e| anyhow::anyhow!("--oauth-client-secret: {e}"))?,
            ),
            None => None,
        };
        if matches!(self.oauth_flow, FlowArg::ClientCredentials)
            && (self.oauth_client_id.is_none() || secret.is_none())
        {
            anyhow::bail!(
                "--oauth-flow client-credentials needs the client's --oauth-client-id and --oauth-client-secret"
            );
        }
        let wait = match self.oauth_wait {
            Some(s) if s.is_finite() && (0.0..=crate::MAX_SECS).contains(&s) => {
                Duration::from_secs_f64(s)
            }
            Some(_) => anyhow::bail!("--oauth-wait must be a number of seconds, at most a year"),
            None => auth::default_wait(timeout),
        };
        let resource = self
            .oauth_resource
            .as_deref()
            .map(auth::resource_override)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--oauth-resource: {e}"))?;
        let authorize_params = self
            .oauth_authorize_params
            .iter()
            .map(|p| auth::authorize_param(p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("--oauth-authorize-param: {e}"))?;
        Ok(AuthOptions {
            server_url: url.clone(),
            name: name.to_owned(),
            flow: match self.oauth_flow {
                FlowArg::Browser => Flow::Browser,
                FlowArg::Manual => Flow::Manual,
                FlowArg::Headless => Flow::Headless,
                FlowArg::ClientCredentials => Flow::ClientCredentials,
            },
            client_id: self.oauth_client_id.clone(),
            client_secret: secret,
            client_metadata_url: self.oauth_client_metadata_url.clone(),
            no_resource: self.oauth_no_resource,
            resource,
            authorize_params,
            scope: self.oauth_scope.clone(),
            wait,
            hand_off: false,
            own_authorization: false,
            own_credentials: false,
            ca_cert: None,
        })
    }
}

/// A server to sign in to or out of: its name, its URL, and, for a bridge entry in Claude's
/// config, that entry's arguments and env (its sign-in options, `--ca-cert` and `--allow-http`).
struct Target {
    name: String,
    url: String,
    bridge: Option<(Vec<String>, BTreeMap<String, String>)>,
}

/// A NAME or URL as a [`Target`]: a URL stands for itself; a name is looked up in Claude's config
/// (`mcp-tray bridge URL` entries and `npx mcp-remote URL` ones), then in the sign-in store.
fn resolve(target: &str, ctx: &Context) -> anyhow::Result<Target> {
    let found = |name: &str, url: &str, bridge| Target {
        name: name.to_owned(),
        url: url.to_owned(),
        bridge,
    };
    if target.starts_with("http://") || target.starts_with("https://") {
        let name = Url::parse(target)
            .map(|u| auth::name_for_url(&u))
            .unwrap_or_else(|_| "remote".into());
        return Ok(found(&name, target, None));
    }
    let location = clients::claude_config(ctx.config.as_deref());
    // Only read: a byte-order mark (which Claude refuses) does not hide the entry.
    let file = ConfigFile::new(&location.path, paths::data_dir()).allow_bom(true);
    if let Ok(doc) = file.read()
        && let Some(entry) = doc.server(target)
    {
        return match &entry.kind {
            EntryKind::Remote { url } => Ok(found(
                target,
                url,
                Some((entry.args.clone(), entry.env.clone())),
            )),
            EntryKind::McpRemote { url } | EntryKind::UrlEntry { url } => {
                Ok(found(target, url, None))
            }
            _ => Err(Failure::new(
                exit::USER,
                anyhow::anyhow!("\"{target}\" is a local server; only remote servers sign in"),
            )
            .into()),
        };
    }
    let urls = auth::urls_of_name(target);
    if let [url] = urls.as_slice() {
        return Ok(found(target, url, None));
    }
    if urls.len() > 1 {
        return Err(Failure::new(
            exit::USER,
            anyhow::anyhow!(
                "several stored sign-ins are named \"{target}\" ({}); give the URL of the one you mean",
                urls.join(", ")
            ),
        )
        .into());
    }
    Err(Failure::new(
        exit::USER,
        anyhow::anyhow!(
            "no remote server named \"{target}\" in {} or among stored sign-ins; give its URL instead",
            location.path.display()
        ),
    )
    .into())
}

/// The remote servers of Claude's config (bridged, `mcp-remote`, or `url` entries), as their name
/// and canonical URL: what a stored sign-in is matched with. `None` when the file cannot be read.
fn remote_entries(ctx: &Context) -> Option<Vec<(String, String)>> {
    let location = clients::claude_config(ctx.config.as_deref());
    let file = ConfigFile::new(&location.path, paths::data_dir()).allow_bom(true);
    let doc = file.read().ok()?;
    let entries = doc
        .servers
        .iter()
        .filter_map(|entry| match &entry.kind {
            EntryKind::Remote { url }
            | EntryKind::McpRemote { url }
            | EntryKind::UrlEntry { url } => {
                let url = Url::parse(url).ok()?;
                Some((
                    entry.name.clone(),
                    auth::discovery::canonical_resource(&url),
                ))
            }
            _ => None,
        })
        .collect();
    Some(entries)
}

/// Fills in the sign-in options the command line left out with those of the server's bridge
/// entry ([`auth::entry_sign_in`]). A client given on the command line keeps its own secret.
fn fill_from_entry(opts: &mut AuthOptions, entry: AuthOptions) {
    if opts.client_id.is_none() {
        opts.client_id = entry.client_id;
        opts.client_secret = opts.client_secret.take().or(entry.client_secret);
    }
    if opts.client_metadata_url.is_none() {
        opts.client_metadata_url = entry.client_metadata_url;
    }
    if opts.resource.is_none() && !opts.no_resource {
        opts.resource = entry.resource;
        opts.no_resource = entry.no_resource;
    }
    if opts.authorize_params.is_empty() {
        opts.authorize_params = entry.authorize_params;
    }
    if opts.scope.is_none() {
        opts.scope = entry.scope;
    }
    if opts.ca_cert.is_none() {
        opts.ca_cert = entry.ca_cert;
    }
}

/// How long a token is still valid, for `auth status`: whole minutes, or "less than a minute"
/// (never "0 min").
fn time_left(secs: u64) -> String {
    if secs < 60 {
        "less than a minute".into()
    } else {
        format!("{} min", secs / 60)
    }
}

pub fn run(cmd: AuthCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    let AuthCommand::Auth(action) = cmd;
    match action {
        AuthAction::Status { json } => {
            let list = auth::status();
            // `None` when the config cannot be read: then nothing is said of it.
            let in_config = remote_entries(ctx);
            let names_of = |server_url: &str| -> Option<Vec<String>> {
                let in_config = in_config.as_ref()?;
                let Ok(url) = Url::parse(server_url) else {
                    return Some(Vec::new());
                };
                let key = auth::discovery::canonical_resource(&url);
                Some(
                    in_config
                        .iter()
                        .filter(|(_, k)| *k == key)
                        .map(|(name, _)| name.clone())
                        .collect(),
                )
            };
            if json {
                let rows: Vec<serde_json::Value> = list
                    .iter()
                    .map(|s| {
                        let mut row = serde_json::to_value(s)?;
                        row["config_names"] = serde_json::to_value(names_of(&s.server_url))?;
                        Ok(row)
                    })
                    .collect::<Result<_, serde_json::Error>>()?;
                outln!("{}", serde_json::to_string_pretty(&rows)?);
            } else if list.is_empty() {
                outln!("no stored sign-ins");
            } else {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                for s in list {
                    let state = match (s.signed_in, s.expires_at) {
                        (false, _) => "signed out".to_owned(),
                        (true, Some(at)) if at <= now => "token expired (refreshes on use)".into(),
                        (true, Some(at)) => {
                            format!("signed in, token valid {}", time_left(at - now))
                        }
                        (true, None) => "signed in".into(),
                    };
                    outln!("{}\t{}\t{state}", s.name, s.server_url);
                    // The name the sign-in was made under (a URL's host, or a name since
                    // renamed) may not be the one the config uses now.
                    match names_of(&s.server_url) {
                        Some(names) if names.is_empty() => {
                            outln!("\tno server in Claude's config uses it");
                        }
                        Some(names) if names.iter().any(|n| *n != s.name) => {
                            outln!("\tin Claude's config as: {}", names.join(", "));
                        }
                        _ => {}
                    }
                    if let Some(scope) = &s.scope {
                        outln!("\tscope: {scope}");
                    }
                    if let Some(client) = &s.client {
                        outln!("\tclient: {client}; secrets in the {}", s.secrets_in);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        AuthAction::Login {
            target,
            oauth,
            ca_cert,
            allow_http,
        } => {
            let Target { name, url, bridge } = resolve(&target, ctx)?;
            let entry_allows_http = bridge.as_ref().is_some_and(|(args, _)| {
                args.iter()
                    .take_while(|a| *a != "--")
                    .any(|a| a == "--allow-http")
            });
            let url = mcp_tray_core::bridge::check_url(&url, allow_http || entry_allows_http)
                .map_err(|d| Failure::new(exit::USER, anyhow::anyhow!("{}", d.summary)))?;
            // An interactive login may take as long as the person needs.
            let mut opts = oauth.options(&url, &name, Duration::from_secs(11 * 60))?;
            opts.wait = Duration::from_secs(11 * 60);
            // What NAME's bridge asks of a sign-in, where the command line says nothing: the
            // tokens are then stored under the identity that bridge looks for.
            if let Some((args, env)) = &bridge {
                let entry = auth::entry_sign_in(&name, &url, args, env)
                    .map_err(|e| Failure::new(exit::USER, anyhow::anyhow!(e)))?;
                fill_from_entry(&mut opts, entry);
            }
            // Discovery, registration and tokens trust the CA the server's requests do.
            if ca_cert.is_some() {
                opts.ca_cert = ca_cert;
            }
            if let Some(path) = &opts.ca_cert {
                crate::bridge_cmd::read_ca_cert(path)?;
            }
            let client = opts
                .http_client()
                .map_err(|e| Failure::new(exit::USER, anyhow::anyhow!(e)))?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            let how = runtime.block_on(async { auth::Auth::new(opts, client).login_as().await });
            // A task still running (a refresh left waiting for another process's) holds no exit.
            runtime.shutdown_timeout(std::time::Duration::from_millis(100));
            let how = how.map_err(|e| {
                Failure::new(exit::USER, anyhow::anyhow!("sign-in to {name} failed: {e}"))
            })?;
            // One line: the sign-in and how it was made.
            transport::say_on_stderr(&match how {
                Some(how) => format!("mcp-tray: signed in to {name} ({how})\n"),
                None => format!("mcp-tray: signed in to {name}\n"),
            });
            Ok(ExitCode::SUCCESS)
        }
        AuthAction::Logout { target } => {
            let Target { name, url, .. } = resolve(&target, ctx)?;
            let url = Url::parse(&url).context("not a URL")?;
            transport::say_on_stderr(&if auth::logout(&url) {
                format!("mcp-tray: signed out of {name}\n")
            } else {
                format!("mcp-tray: no stored sign-in for {name}\n")
            });
            Ok(ExitCode::SUCCESS)
        }
    }
}
