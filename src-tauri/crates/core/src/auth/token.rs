//! Talking to the authorization server: client registration (RFC 7591) and the token endpoint
//! (authorization code with PKCE, refresh), with `client_secret_basic`, `client_secret_post` or no
//! client authentication as the registration says.
//!
//! It must never put a secret into an error message: errors carry the server's `error` code and
//! description only.

use base64::Engine as _;
use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde::Deserialize;

use super::discovery::ServerMetadata;
use super::store::{ClientRegistration, Secrets};

/// What the token endpoint said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// `invalid_grant`: the code or refresh token is no good; sign in again.
    InvalidGrant,
    /// `invalid_client` (or 401): the registration is no good; register again.
    InvalidClient,
    /// Anything else, in words.
    Other(String),
}

impl TokenError {
    pub fn describe(&self) -> String {
        match self {
            TokenError::InvalidGrant => {
                "the authorization server refused the grant (invalid_grant)".into()
            }
            TokenError::InvalidClient => {
                "the authorization server no longer knows this client (invalid_client)".into()
            }
            TokenError::Other(s) => s.clone(),
        }
    }
}

/// A successful token response.
#[derive(Deserialize)]
pub struct Tokens {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub expires_in: Option<u64>,
    #[serde(default)]
    pub scope: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct Registered {
    client_id: String,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
}

/// The token endpoint auth method for a client with (or without) a secret.
pub fn auth_method_for(meta: &ServerMetadata, has_secret: bool) -> String {
    if !has_secret {
        return "none".into();
    }
    let supported = meta.token_endpoint_auth_methods_supported.as_deref();
    match supported {
        Some(list) if list.iter().any(|m| m == "client_secret_basic") => "client_secret_basic",
        Some(list) if list.iter().any(|m| m == "client_secret_post") => "client_secret_post",
        Some(list) if list.iter().any(|m| m == "none") => "none",
        _ => "client_secret_basic",
    }
    .into()
}

/// What to do when the authorization server registers no clients, at a terminal (the app says
/// where to do it instead: its window has no field for a client id).
pub const PASS_CLIENT_ID: &str =
    "pass --oauth-client-id (and --oauth-client-secret) of a client registered there";

/// Dynamic client registration. Returns the registration and the client secret, if any.
pub async fn register(
    http: &reqwest::Client,
    meta: &ServerMetadata,
    redirect_uri: &str,
) -> Result<(ClientRegistration, Option<String>), String> {
    let Some(endpoint) = &meta.registration_endpoint else {
        return Err(format!(
            "the authorization server offers no client registration; {PASS_CLIENT_ID}"
        ));
    };
    let preferred = match meta.token_endpoint_auth_methods_supported.as_deref() {
        Some(list) if list.iter().any(|m| m == "none") => "none",
        Some(list) if list.iter().any(|m| m == "client_secret_basic") => "client_secret_basic",
        Some(list) if list.iter().any(|m| m == "client_secret_post") => "client_secret_post",
        _ => "none",
    };
    let body = serde_json::json!({
        "client_name": "MCP Tray",
        "redirect_uris": [redirect_uri],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": preferred,
    });
    let resp = http
        .post(endpoint)
        .header(ACCEPT, "application/json")
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .timeout(super::AUTH_HTTP_WAIT)
        .send()
        .await
        .map_err(|e| format!("client registration failed: {e}"))?;
    let status = resp.status();
    let bytes = super::small_body(resp).await.unwrap_or_default();
    if matches!(status.as_u16(), 404 | 405 | 501) {
        // No registration there at all (a 2025-03-26 default endpoint the server never had).
        return Err(format!(
            "the authorization server has no client registration at {} (HTTP {}); {PASS_CLIENT_ID}",
            super::shown(
                &Url::parse(endpoint).map_err(|_| "its registration endpoint is not a URL")?
            ),
            status.as_u16()
        ));
    }
    if !status.is_success() {
        let why = serde_json::from_slice::<ErrorBody>(&bytes)
            .map(|e| e.error)
            .unwrap_or_else(|_| format!("HTTP {}", status.as_u16()));
        return Err(format!(
            "the authorization server refused to register MCP Tray ({why})"
        ));
    }
    let reg: Registered = serde_json::from_slice(&bytes)
        .map_err(|_| "the client registration answer is not what RFC 7591 describes".to_owned())?;
    let method = reg
        .token_endpoint_auth_method
        .clone()
        .unwrap_or_else(|| auth_method_for(meta, reg.client_secret.is_some()));
    Ok((
        ClientRegistration {
            client_id: reg.client_id,
            auth_method: method,
            source: "dynamic".into(),
            redirect_uri: redirect_uri.into(),
            token_endpoint: meta.token_endpoint.clone(),
        },
        reg.client_secret,
    ))
}

/// One token request (`authorization_code` or `refresh_token`), with client authentication.
pub async fn request(
    http: &reqwest::Client,
    token_endpoint: &str,
    client: &ClientRegistration,
    secrets: &Secrets,
    mut form: Vec<(&'static str, String)>,
    resource: Option<&str>,
) -> Result<Tokens, TokenError> {
    if let Some(r) = resource {
        form.push(("resource", r.to_owned()));
    }
    let mut req = http.post(token_endpoint).header(ACCEPT, "application/json");
    match (client.auth_method.as_str(), &secrets.client_secret) {
        ("client_secret_basic", Some(secret)) => {
            let enc =
                |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let raw = format!("{}:{}", enc(&client.client_id), enc(secret));
            let mut value = HeaderValue::from_str(&format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(raw)
            ))
            .map_err(|_| TokenError::Other("the client credentials cannot be sent".into()))?;
            value.set_sensitive(true);
            req = req.header(AUTHORIZATION, value);
        }
        ("client_secret_post", Some(secret)) => {
            form.push(("client_id", client.client_id.clone()));
            form.push(("client_secret", secret.clone()));
        }
        _ => form.push(("client_id", client.client_id.clone())),
    }
    let resp = req
        .form(&form)
        .timeout(super::AUTH_HTTP_WAIT)
        .send()
        .await
        .map_err(|e| TokenError::Other(format!("the token endpoint did not answer: {e}")))?;
    let status = resp.status();
    let Some(bytes) = super::small_body(resp).await else {
        return Err(TokenError::Other(format!(
            "the token endpoint's answer (HTTP {}) broke off, or ran past {} KiB, within {} s",
            status.as_u16(),
            super::MAX_AUTH_BODY / 1024,
            super::AUTH_HTTP_WAIT.as_secs()
        )));
    };
    if status.is_success() {
        return serde_json::from_slice::<Tokens>(&bytes).map_err(|_| {
            TokenError::Other("the token endpoint answered without an access token".into())
        });
    }
    match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(e) if e.error == "invalid_grant" => Err(TokenError::InvalidGrant),
        Ok(e) if e.error == "invalid_client" || e.error == "unauthorized_client" => {
            Err(TokenError::InvalidClient)
        }
        Ok(e) => Err(TokenError::Other(format!(
            "the token endpoint refused: {}{}",
            e.error,
            e.error_description
                .map(|d| format!(" ({})", crate::transport::snippet(d.as_bytes())))
                .unwrap_or_default()
        ))),
        Err(_) if status.as_u16() == 401 => Err(TokenError::InvalidClient),
        Err(_) => Err(TokenError::Other(format!(
            "the token endpoint answered HTTP {}",
            status.as_u16()
        ))),
    }
}
