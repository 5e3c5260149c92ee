//! `WWW-Authenticate: Bearer …` challenges (RFC 6750 §3, RFC 9728 §5.1): the parameters a 401 or
//! 403 carries (`resource_metadata`, `scope`, `error`).
//!
//! It only parses header text; it must never fetch anything or decide what to do about it.

/// The parameters of a `Bearer` challenge that sign-in cares about.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub resource_metadata: Option<String>,
    pub scope: Option<String>,
    pub error: Option<String>,
}

impl Challenge {
    /// Reads the first `Bearer` challenge among the header values (case-insensitive scheme).
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Challenge {
        for value in values {
            if let Some(params) = bearer_params(value) {
                return params;
            }
        }
        Challenge::default()
    }

    /// True for `error="insufficient_scope"` (a step-up request).
    pub fn wants_more_scope(&self) -> bool {
        self.error.as_deref() == Some("insufficient_scope")
    }
}

/// Whether any of the header values holds a `Bearer` challenge (a server asking for another
/// scheme, `Basic` or an API key, offers no OAuth sign-in).
pub fn offers_bearer<'a>(values: impl IntoIterator<Item = &'a str>) -> bool {
    values.into_iter().any(|v| bearer_params(v).is_some())
}

fn bearer_params(value: &str) -> Option<Challenge> {
    let trimmed = value.trim_start();
    let lower = trimmed.to_ascii_lowercase();
    let start = if lower.starts_with("bearer") {
        0
    } else {
        lower.find(", bearer").map(|i| i + 2)?
    };
    let mut rest = &trimmed[start + "bearer".len()..];
    let mut out = Challenge::default();
    loop {
        rest = rest.trim_start_matches([' ', ',', '\t']);
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq].trim().to_ascii_lowercase();
        if key.contains(' ') {
            break; // the next challenge's scheme
        }
        rest = &rest[eq + 1..];
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            v.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => v.push(c),
                }
            }
            value = v;
            rest = &quoted[end.min(quoted.len())..];
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_owned();
            rest = &rest[end..];
        }
        match key.as_str() {
            "resource_metadata" => out.resource_metadata = Some(value),
            "scope" => out.scope = Some(value),
            "error" => out.error = Some(value),
            _ => {}
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_parameters_are_read_in_any_order() {
        let c = Challenge::parse([
            r#"Bearer scope="mcp:basic mcp:write", resource_metadata="http://x/.well-known/oauth-protected-resource/mcp", error="insufficient_scope""#,
        ]);
        assert_eq!(c.scope.as_deref(), Some("mcp:basic mcp:write"));
        assert_eq!(
            c.resource_metadata.as_deref(),
            Some("http://x/.well-known/oauth-protected-resource/mcp")
        );
        assert!(c.wants_more_scope());
    }

    #[test]
    fn bearer_challenge_is_found_after_another_scheme() {
        let c = Challenge::parse([r#"Basic realm="x", Bearer error=invalid_token"#]);
        assert_eq!(c.error.as_deref(), Some("invalid_token"));
        assert_eq!(
            Challenge::parse(["Basic realm=\"x\""]),
            Challenge::default()
        );
    }

    #[test]
    fn only_a_bearer_challenge_offers_a_sign_in() {
        assert!(offers_bearer(["Bearer"]));
        assert!(offers_bearer([
            r#"Basic realm="x", Bearer error=invalid_token"#
        ]));
        assert!(!offers_bearer([r#"Basic realm="corp""#]));
        assert!(!offers_bearer(["ApiKey"]));
        assert!(!offers_bearer([]));
    }
}
