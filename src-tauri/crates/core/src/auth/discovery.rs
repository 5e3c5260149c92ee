//! Where a server's sign-in happens: protected resource metadata (RFC 9728), then authorization
//! server metadata (RFC 8414 and OpenID Connect discovery, with path insertion), then the
//! 2025-03-26 fallbacks (metadata at the server's origin, else `/authorize`, `/token`,
//! `/register` there).
//!
//! It only reads public metadata over HTTP. It must never send a credential, and never trust a
//! protected resource metadata document that names another server as its resource.
//!
//! Its GETs follow redirects as a browser's fetch would (a trailing slash, http→https, a moved
//! path), a bounded number of them and never from https down to http. That is safe here as it
//! is not for MCP messages: these GETs carry no credential and no body, and a protected resource
//! metadata document's `resource` is checked against the server asked, not against where the
//! document was fetched from.

use reqwest::Url;
use reqwest::header::{ACCEPT, LOCATION};
use serde::Deserialize;

use super::challenge::Challenge;

/// Authorization server metadata, the fields sign-in uses.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServerMetadata {
    #[serde(default)]
    pub issuer: Option<String>,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    #[serde(default)]
    pub registration_endpoint: Option<String>,
    #[serde(default)]
    pub scopes_supported: Option<Vec<String>>,
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    pub client_id_metadata_document_supported: Option<bool>,
    /// RFC 9207: the server names itself (`iss`) in every authorization response.
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
struct ResourceMetadata {
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    authorization_servers: Vec<String>,
    #[serde(default)]
    scopes_supported: Option<Vec<String>>,
}

/// What discovery found for one MCP server.
#[derive(Debug, Clone)]
pub struct Discovered {
    /// The RFC 8707 resource indicator: the PRM's `resource`, else the server's canonical URL.
    pub resource: String,
    pub metadata: ServerMetadata,
    /// True when the metadata was found (not the 2025-03-26 default endpoints).
    pub from_metadata: bool,
    /// `scopes_supported` of the protected resource metadata.
    pub resource_scopes: Option<Vec<String>>,
}

/// The canonical form of a server URL used as `resource`: no fragment, no query, no trailing
/// slash (RFC 8707, MCP authorization §Canonical Server URI).
pub fn canonical_resource(url: &Url) -> String {
    let mut u = url.clone();
    u.set_fragment(None);
    u.set_query(None);
    let s = u.to_string();
    match s.strip_suffix('/') {
        Some(stripped) if u.path() != "/" => stripped.to_owned(),
        Some(stripped) => stripped.to_owned(),
        None => s,
    }
}

/// Runs discovery for `server` after a challenge.
pub async fn discover(
    http: &reqwest::Client,
    server: &Url,
    challenge: &Challenge,
) -> Result<Discovered, String> {
    let found = discover_endpoints(http, server, challenge).await?;
    let meta = &found.metadata;
    for (what, endpoint) in [
        ("token endpoint", Some(&meta.token_endpoint)),
        ("registration endpoint", meta.registration_endpoint.as_ref()),
    ] {
        if let Some(endpoint) = endpoint
            && let Ok(url) = Url::parse(endpoint)
        {
            check_endpoint(what, &url, server)?;
        }
    }
    Ok(found)
}

/// Sign-in codes, tokens and client secrets go to an authorization server's endpoints only over
/// https (MCP's authorization spec requires it), or to this computer, or, for a server the user
/// reaches over plain http anyway (`--allow-http`), as that server is reached. Someone on the
/// network who rewrote an `http:` endpoint would otherwise receive them.
fn check_endpoint(what: &str, endpoint: &Url, server: &Url) -> Result<(), String> {
    if super::flow::reached_safely(endpoint, server) {
        return Ok(());
    }
    Err(format!(
        "its {what} {} is not https: refusing to send sign-in codes or tokens to it (an \
         authorization server must be reached over https, or on this computer)",
        super::shown(endpoint)
    ))
}

async fn discover_endpoints(
    http: &reqwest::Client,
    server: &Url,
    challenge: &Challenge,
) -> Result<Discovered, String> {
    let prm = protected_resource_metadata(http, server, challenge).await;
    match prm {
        Some(prm) => {
            let resource = match &prm.resource {
                Some(r) => {
                    check_resource(server, r)?;
                    r.clone()
                }
                None => canonical_resource(server),
            };
            let Some(issuer) = prm.authorization_servers.first() else {
                return Err("its protected resource metadata names no authorization server".into());
            };
            let issuer = Url::parse(issuer)
                .map_err(|_| format!("its authorization server `{issuer}` is not a URL"))?;
            check_endpoint("authorization server", &issuer, server)?;
            let metadata = authorization_server_metadata(http, &issuer)
                .await
                .ok_or_else(|| {
                    format!(
                        "the authorization server {} publishes no OAuth or OpenID metadata",
                        super::shown(&issuer)
                    )
                })?;
            check_issuer(&issuer, &metadata)?;
            Ok(Discovered {
                resource,
                metadata,
                from_metadata: true,
                resource_scopes: prm.scopes_supported,
            })
        }
        None => {
            // 2025-03-26: the MCP server's origin is the authorization server.
            let origin = origin_of(server);
            // Its metadata is looked for at the server's origin, not at a place made from an
            // issuer, so its `issuer` may name a path there (RFC 8414 §3.3 does not apply).
            let found = authorization_server_metadata(http, &origin).await;
            let from_metadata = found.is_some();
            let metadata = match found {
                Some(m) => m,
                None => ServerMetadata {
                    authorization_endpoint: join(&origin, "authorize"),
                    token_endpoint: join(&origin, "token"),
                    registration_endpoint: Some(join(&origin, "register")),
                    ..ServerMetadata::default()
                },
            };
            Ok(Discovered {
                resource: canonical_resource(server),
                metadata,
                from_metadata,
                resource_scopes: None,
            })
        }
    }
}

/// Whether `server` publishes any OAuth metadata: its protected resource metadata, or (2025-03-26)
/// authorization server metadata at its origin. A server without either that answers 401 with no
/// challenge wants credentials of its own (an API key, a password), not a sign-in.
pub async fn publishes_metadata(
    http: &reqwest::Client,
    server: &Url,
    challenge: &Challenge,
) -> bool {
    if protected_resource_metadata(http, server, challenge)
        .await
        .is_some()
    {
        return true;
    }
    authorization_server_metadata(http, &origin_of(server))
        .await
        .is_some()
}

/// Whether a server without any OAuth metadata has the 2025-03-26 default authorization endpoint
/// (`/authorize` at its origin), the one endpoint every sign-in needs. It is only read (a bare
/// GET, which an authorization endpoint must take: it answers 400, an error redirect or a page);
/// a 404, 405, 410 or 501 means there is none, and a server asking for a `Bearer` token then
/// offers no sign-in MCP Tray can use.
pub async fn fallback_endpoints_exist(http: &reqwest::Client, server: &Url) -> bool {
    let Ok(authorize) = Url::parse(&join(&origin_of(server), "authorize")) else {
        return false;
    };
    match http
        .get(authorize)
        .timeout(super::AUTH_HTTP_WAIT)
        .send()
        .await
    {
        Ok(resp) => !matches!(resp.status().as_u16(), 404 | 405 | 410 | 501),
        // Unreachable now: let the sign-in say what goes wrong.
        Err(_) => true,
    }
}

/// The server's origin, where 2025-03-26 puts its authorization server.
fn origin_of(server: &Url) -> Url {
    let mut origin = server.clone();
    origin.set_path("/");
    origin.set_query(None);
    origin.set_fragment(None);
    origin
}

fn join(origin: &Url, path: &str) -> String {
    origin
        .join(path)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| format!("{origin}{path}"))
}

/// The PRM's resource must be this server (same origin, a prefix of its path).
fn check_resource(server: &Url, resource: &str) -> Result<(), String> {
    let ok = Url::parse(resource).is_ok_and(|r| {
        r.origin() == server.origin() && {
            let rp = r.path().trim_end_matches('/');
            let sp = server.path();
            sp == rp || sp.starts_with(&format!("{rp}/")) || rp.is_empty()
        }
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "its protected resource metadata is for another server ({resource}); refusing to sign in"
        ))
    }
}

/// Whether two issuer identifiers name the same authorization server: equal but for a trailing
/// slash, which URL libraries add or drop on their own (the Python SDK's `AnyHttpUrl` adds one to
/// a bare origin, and its own metadata has none).
fn same_issuer(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// RFC 8414 §3.3 (and OpenID Connect Discovery §4.3): the metadata's `issuer` must be the
/// issuer it was looked up for. Otherwise whoever serves the document could send the sign-in,
/// and the code it returns, to another authorization server (a mix-up). Metadata without an
/// `issuer` is taken as it is, as other MCP clients take it.
fn check_issuer(expected: &Url, metadata: &ServerMetadata) -> Result<(), String> {
    match &metadata.issuer {
        Some(issuer) if !same_issuer(issuer, expected.as_str()) => Err(format!(
            "the authorization server {} publishes metadata for another issuer ({issuer}); refusing to sign in",
            super::shown(expected)
        )),
        _ => Ok(()),
    }
}

/// RFC 9207: an authorization response's `iss` must name the authorization server the sign-in
/// went to; one that says it supports `iss` must send it. Otherwise the code may come from
/// another server the user also signs in to (a mix-up), and it is not exchanged.
pub fn check_response_issuer(metadata: &ServerMetadata, iss: Option<&str>) -> Result<(), String> {
    let Some(issuer) = metadata.issuer.as_deref() else {
        return Ok(());
    };
    match iss {
        Some(iss) if !same_issuer(iss, issuer) => Err(format!(
            "the sign-in answer came from another authorization server ({iss}, not {issuer}); refusing to sign in"
        )),
        None if metadata.authorization_response_iss_parameter_supported == Some(true) => {
            Err(format!(
                "the sign-in answer did not say which authorization server sent it, which {issuer} promises to; refusing to sign in"
            ))
        }
        _ => Ok(()),
    }
}

async fn protected_resource_metadata(
    http: &reqwest::Client,
    server: &Url,
    challenge: &Challenge,
) -> Option<ResourceMetadata> {
    let mut candidates = Vec::new();
    // The metadata names the authorization server: read only as safely as it would be used.
    if let Some(url) = challenge
        .resource_metadata
        .as_deref()
        .and_then(|u| server.join(u).ok())
        .filter(|u| check_endpoint("resource metadata", u, server).is_ok())
    {
        candidates.push(url);
    }
    let path = server.path().trim_end_matches('/');
    if !path.is_empty()
        && let Ok(u) = server.join(&format!("/.well-known/oauth-protected-resource{path}"))
    {
        candidates.push(u);
    }
    if let Ok(u) = server.join("/.well-known/oauth-protected-resource") {
        candidates.push(u);
    }
    for url in candidates {
        if let Some(prm) = get_json::<ResourceMetadata>(http, &url).await
            && !prm.authorization_servers.is_empty()
        {
            return Some(prm);
        }
    }
    None
}

/// RFC 8414 and OpenID discovery in the MCP spec's order (path insertion first).
async fn authorization_server_metadata(
    http: &reqwest::Client,
    issuer: &Url,
) -> Option<ServerMetadata> {
    for url in metadata_candidates(issuer) {
        if let Some(meta) = get_json::<ServerMetadata>(http, &url).await {
            return Some(meta);
        }
    }
    None
}

/// Where an issuer's metadata may be, in the order the MCP spec asks them: for an issuer with a
/// path, OAuth with path insertion, OpenID Connect with path insertion, then OpenID Connect with
/// the path before the well-known part; for one without, OAuth then OpenID Connect.
fn metadata_candidates(issuer: &Url) -> Vec<Url> {
    let path = issuer.path().trim_end_matches('/');
    let candidates: Vec<String> = if path.is_empty() {
        vec![
            "/.well-known/oauth-authorization-server".into(),
            "/.well-known/openid-configuration".into(),
        ]
    } else {
        vec![
            format!("/.well-known/oauth-authorization-server{path}"),
            format!("/.well-known/openid-configuration{path}"),
            format!("{path}/.well-known/openid-configuration"),
        ]
    };
    candidates
        .iter()
        .filter_map(|c| issuer.join(c).ok())
        .collect()
}

/// How many redirects a metadata GET follows, as a browser would (it follows 20; real sites need
/// one or two).
const MAX_REDIRECTS: usize = 5;

async fn get_json<T: serde::de::DeserializeOwned>(http: &reqwest::Client, url: &Url) -> Option<T> {
    let mut url = url.clone();
    let mut redirects = 0;
    let resp = loop {
        // No credential goes on these requests, so following one elsewhere gives nothing away.
        let resp = http
            .get(url.clone())
            .header(ACCEPT, "application/json")
            .timeout(super::AUTH_HTTP_WAIT)
            .send()
            .await
            .ok()?;
        if !resp.status().is_redirection() {
            break resp;
        }
        redirects += 1;
        if redirects > MAX_REDIRECTS {
            return None;
        }
        let location = resp.headers().get(LOCATION)?.to_str().ok()?;
        url = redirect_target(resp.url(), location)?;
    };
    if !resp.status().is_success() {
        return None;
    }
    let bytes = super::small_body(resp).await?;
    serde_json::from_slice(&bytes).ok()
}

/// Where a redirect of a metadata GET at `from` leads: an http(s) URL, never down from https to
/// http (which would let anyone on the path change the document).
fn redirect_target(from: &Url, location: &str) -> Option<Url> {
    let to = from.join(location.trim()).ok()?;
    let allowed = match from.scheme() {
        "https" => to.scheme() == "https",
        _ => matches!(to.scheme(), "http" | "https"),
    };
    allowed.then_some(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_metadata_is_looked_for_in_the_spec_order() {
        let urls = |issuer: &str| -> Vec<String> {
            metadata_candidates(&Url::parse(issuer).expect("url"))
                .into_iter()
                .map(String::from)
                .collect()
        };
        assert_eq!(
            urls("https://auth.example.com/tenant1/"),
            [
                "https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
                "https://auth.example.com/.well-known/openid-configuration/tenant1",
                "https://auth.example.com/tenant1/.well-known/openid-configuration",
            ]
        );
        assert_eq!(
            urls("https://auth.example.com"),
            [
                "https://auth.example.com/.well-known/oauth-authorization-server",
                "https://auth.example.com/.well-known/openid-configuration",
            ]
        );
    }

    #[test]
    fn canonical_resource_drops_fragment_query_and_trailing_slash() {
        let u = Url::parse("https://a.example/mcp/?x=1#f").expect("url");
        assert_eq!(canonical_resource(&u), "https://a.example/mcp");
        let root = Url::parse("https://a.example").expect("url");
        assert_eq!(canonical_resource(&root), "https://a.example");
    }

    #[test]
    fn codes_and_tokens_go_over_https_or_stay_on_this_computer() {
        let at = |u: &str| Url::parse(u).expect("url");
        let https = at("https://mcp.example.com/mcp");
        let check =
            |endpoint: &str, server: &Url| check_endpoint("token endpoint", &at(endpoint), server);
        assert!(check("https://auth.example.com/token", &https).is_ok());
        assert!(check("http://127.0.0.1:8080/token", &https).is_ok());
        assert!(check("http://[::1]:8080/token", &https).is_ok());
        let refused = check("http://auth.example.com/token", &https).unwrap_err();
        assert!(
            refused.contains("token endpoint http://auth.example.com/token is not https"),
            "{refused}"
        );
        assert!(check("ftp://auth.example.com/token", &https).is_err());
        // A server the user reaches over plain http anyway (--allow-http): its sign-in too.
        let plain = at("http://mcp.lan:8000/mcp");
        assert!(check("http://mcp.lan:8000/token", &plain).is_ok());
    }

    #[test]
    fn metadata_redirects_lead_anywhere_but_down_from_https() {
        let at = |u: &str| Url::parse(u).expect("url");
        let to =
            |from: &str, location: &str| redirect_target(&at(from), location).map(String::from);
        let prm = "http://mcp.example.com/.well-known/oauth-protected-resource";
        assert_eq!(
            to(
                prm,
                "https://mcp.example.com/.well-known/oauth-protected-resource"
            ),
            Some("https://mcp.example.com/.well-known/oauth-protected-resource".into())
        );
        assert_eq!(
            to(prm, "oauth-protected-resource/"),
            Some("http://mcp.example.com/.well-known/oauth-protected-resource/".into())
        );
        assert_eq!(
            to("https://a.example/x", "https://b.example/y"),
            Some("https://b.example/y".into())
        );
        assert_eq!(to("https://a.example/x", "http://a.example/x"), None);
        assert_eq!(to("http://a.example/x", "file:///etc/passwd"), None);
    }

    #[test]
    fn metadata_and_answers_for_another_issuer_are_refused() {
        let issuer = Url::parse("http://127.0.0.1:9/").expect("url");
        let meta = |iss: Option<&str>, supported: Option<bool>| ServerMetadata {
            issuer: iss.map(str::to_owned),
            authorization_response_iss_parameter_supported: supported,
            ..ServerMetadata::default()
        };
        assert!(check_issuer(&issuer, &meta(Some("http://127.0.0.1:9"), None)).is_ok());
        assert!(check_issuer(&issuer, &meta(None, None)).is_ok());
        let err = check_issuer(&issuer, &meta(Some("https://evil.example"), None))
            .expect_err("another issuer");
        assert!(err.contains("https://evil.example"), "{err}");
        assert!(check_issuer(&issuer, &meta(Some("http://127.0.0.1:9/tenant"), None)).is_err());

        let m = meta(Some("http://127.0.0.1:9"), Some(true));
        assert!(check_response_issuer(&m, Some("http://127.0.0.1:9/")).is_ok());
        assert!(check_response_issuer(&m, Some("https://evil.example")).is_err());
        assert!(check_response_issuer(&m, None).is_err());
        let unsupported = meta(Some("http://127.0.0.1:9"), None);
        assert!(check_response_issuer(&unsupported, None).is_ok());
        assert!(check_response_issuer(&unsupported, Some("https://evil.example")).is_err());
        assert!(check_response_issuer(&ServerMetadata::default(), Some("https://x")).is_ok());
    }

    #[test]
    fn resource_metadata_for_another_server_is_refused() {
        let server = Url::parse("http://localhost:1/mcp").expect("url");
        assert!(check_resource(&server, "http://localhost:1/mcp").is_ok());
        assert!(check_resource(&server, "http://localhost:1").is_ok());
        assert!(check_resource(&server, "https://evil.example.com/mcp").is_err());
        assert!(check_resource(&server, "http://localhost:1/other").is_err());
    }
}
