use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::{
    ARG_MASK, MARKER, is_secret_header, known_secrets, looks_like_credential, mask_args,
    mask_known, mask_text, mask_url, redact,
};

fn redacted(msg: &str) -> String {
    String::from_utf8(redact(msg.as_bytes()).into_owned()).expect("redaction keeps UTF-8")
}

#[test]
fn masks_the_values_of_secret_keys_and_keeps_every_other_byte() {
    let msg = r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"login","arguments":{ "user" : "ana", "password" : "hunter2", "api_key":"sk-live-1"}}}"#;
    assert_eq!(
        redacted(msg),
        r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"login","arguments":{ "user" : "ana", "password" : "[redacted]", "api_key":"[redacted]"}}}"#
    );
}

#[test]
fn a_message_without_secrets_is_returned_as_is() {
    let msg = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}";
    assert!(matches!(redact(msg), std::borrow::Cow::Borrowed(_)));
}

#[test]
fn key_spellings_that_name_secrets_are_recognised() {
    for key in [
        "token",
        "access_token",
        "refreshToken",
        "GITHUB_PERSONAL_ACCESS_TOKEN",
        "x-api-key",
        "apiKey",
        "OPENAI_API_KEY",
        "client_secret",
        "AWS_SECRET_ACCESS_KEY",
        "Authorization",
        "Proxy-Authorization",
        "cookie",
        "Set-Cookie",
        "credentials",
        "private_key",
        "passphrase",
        "passwd",
        "auth",
        "password",
        "DB_PASSWORD",
        "accessKeyId",
        "AWS_ACCESS_KEY_ID",
        "privateKey",
        "ssh-private-key",
        "pwd",
        "bearer",
        "session_cookie",
        "api_key_2",
    ] {
        let msg = format!(r#"{{"{key}":"s3cr3t"}}"#);
        assert_eq!(
            redacted(&msg),
            format!(r#"{{"{key}":"[redacted]"}}"#),
            "{key}"
        );
    }
}

#[test]
fn header_names_that_carry_credentials_are_told_apart() {
    for name in [
        "Authorization",
        "Cookie",
        "X-API-Key",
        "x-api-key",
        "X-Auth-Token",
        "Private-Token",
        "X-Goog-Api-Key",
        "Ocp-Apim-Subscription-Key",
        "Proxy-Authorization",
        "X-Client-Secret",
    ] {
        assert!(is_secret_header(name), "{name}");
    }
    for name in [
        "X-Request-Id",
        "Accept",
        "User-Agent",
        "X-Tenant",
        "MCP-Protocol-Version",
    ] {
        assert!(!is_secret_header(name), "{name}");
    }
}

#[test]
fn mcp_fields_that_only_look_like_secrets_are_kept() {
    let msg = r#"{"params":{"_meta":{"progressToken":17},"maxTokens":200,"token_type":"Bearer","author":"ana","keyboard":"us"}}"#;
    assert_eq!(redacted(msg), msg);
}

#[test]
fn numbers_objects_and_lists_under_a_secret_key_are_masked_whole() {
    let msg = r#"{"pin_secret":1234,"credentials":{"user":"ana","pw":"x"},"tokens":1,"cookies":["a=1","b=2"]}"#;
    assert_eq!(
        redacted(msg),
        r#"{"pin_secret":"[redacted]","credentials":"[redacted]","tokens":1,"cookies":"[redacted]"}"#
    );
}

#[test]
fn null_and_booleans_under_a_secret_key_are_kept() {
    let msg = r#"{"password":null,"has_token":true,"secret":false}"#;
    assert_eq!(redacted(msg), msg);
}

#[test]
fn pretty_printed_messages_keep_their_layout() {
    let msg = "{\r\n  \"token\" :\r\n    \"abc\",\r\n  \"n\": 1\r\n}";
    assert_eq!(
        redacted(msg),
        "{\r\n  \"token\" :\r\n    \"[redacted]\",\r\n  \"n\": 1\r\n}"
    );
}

#[test]
fn escaped_quotes_in_a_secret_are_masked_with_it() {
    let msg = r#"{"password":"a\"b\\","next":"ok"}"#;
    assert_eq!(redacted(msg), r#"{"password":"[redacted]","next":"ok"}"#);
}

#[test]
fn keys_written_with_escapes_are_recognised() {
    let msg = r#"{"api\u005fkey":"sk-1"}"#;
    assert_eq!(redacted(msg), r#"{"api\u005fkey":"[redacted]"}"#);
}

#[test]
fn json_carried_as_text_in_a_tool_result_is_masked() {
    // A tool result whose text is JSON: the server serialised {"api_key": "sk-9", "user": "ana"}.
    let msg = r#"{"result":{"content":[{"type":"text","text":"{\"api_key\": \"sk-9\", \"user\": \"ana\", \"password\":\"a\\\"b\", \"pin_secret\": 42}"}]}}"#;
    let out = redacted(msg);
    assert_eq!(
        out,
        r#"{"result":{"content":[{"type":"text","text":"{\"api_key\": \"[redacted]\", \"user\": \"ana\", \"password\":\"[redacted]\", \"pin_secret\": \"[redacted]\"}"}]}}"#
    );
    let inner: Value = serde_json::from_str(
        serde_json::from_str::<Value>(&out).expect("valid JSON")["result"]["content"][0]["text"]
            .as_str()
            .expect("text"),
    )
    .expect("the text is still JSON");
    assert_eq!(inner["api_key"], MARKER);
    assert_eq!(inner["user"], "ana");
}

#[test]
fn inner_strings_with_escapes_do_not_hide_the_next_key() {
    let msg = r#"{"text":"{\"note\":\"a\\nb\",\"token\":\"t-1\"}"}"#;
    assert_eq!(
        redacted(msg),
        r#"{"text":"{\"note\":\"a\\nb\",\"token\":\"[redacted]\"}"}"#
    );
}

#[test]
fn bearer_credentials_in_text_are_masked() {
    let msg = r#"{"text":"curl -H 'Authorization: Bearer eyJhbGciOi.x-y_z' https://x","h":"{\"header\":\"bearer abc123\"}"}"#;
    assert_eq!(
        redacted(msg),
        r#"{"text":"curl -H 'Authorization: Bearer [redacted]' https://x","h":"{\"header\":\"bearer [redacted]\"}"}"#
    );
}

#[test]
fn a_bearer_token_with_non_ascii_characters_is_masked_whole_and_a_non_ascii_space_ends_it() {
    // In a message, in free text, and on a command line alike.
    assert_eq!(
        redacted("{\"h\":\"Bearer abcé123xyz\",\"n\":\"Bearer a\u{a0}b\"}"),
        "{\"h\":\"Bearer [redacted]\",\"n\":\"Bearer [redacted]\u{a0}b\"}"
    );
    assert_eq!(
        redacted("{\"h\":\"Bearer abc\u{2028}Bearer SECRET9\"}"),
        "{\"h\":\"Bearer [redacted]\u{2028}Bearer [redacted]\"}"
    );
    assert_eq!(
        mask_text("sent Bearer abcé123xyz to it"),
        format!("sent Bearer {ARG_MASK} to it")
    );
    assert_eq!(
        mask_args(&["-H".into(), "Authorization: Bearer abcé123".into()]),
        ["-H".to_owned(), format!("Authorization: Bearer {ARG_MASK}")]
    );
    assert_eq!(
        mask_text("Bearer\u{a0}abc"),
        format!("Bearer\u{a0}{ARG_MASK}")
    );
}

#[test]
fn a_secret_header_written_without_its_space_is_masked_in_free_text() {
    // mcp-remote's README writes `--header Authorization:${AUTH_HEADER}`; with the token inline,
    // a log line of the command line held it in the clear.
    for (line, shown) in [
        (
            "npx mcp-remote https://x.dev/mcp -H X-API-Key:abc123secret",
            format!("npx mcp-remote https://x.dev/mcp -H X-API-Key: {ARG_MASK}"),
        ),
        (
            "--header Authorization:Bearer abc123xyz --debug",
            format!("--header Authorization: {ARG_MASK} --debug"),
        ),
        (
            "args: [ '--header', 'Authorization:Bearer abc123xyz' ]",
            format!("args: [ '--header', 'Authorization: {ARG_MASK}' ]"),
        ),
    ] {
        assert_eq!(mask_text(line), shown, "{line}");
    }
    // JSON is left to the message pass, which keeps what follows the value.
    assert_eq!(
        mask_text(r#"{"token":"abc","user":"bob"}"#),
        r#"{"token":"[redacted]","user":"bob"}"#
    );
    // A URL's path and words that only look alike stay.
    for line in [
        "see https://x.example/token:abc for docs",
        "key:value pairs are fine",
    ] {
        assert_eq!(mask_text(line), line);
    }
}

#[test]
fn an_authorization_with_another_scheme_than_bearer_never_shows_its_credential() {
    for (line, shown) in [
        (
            "Authorization: Basic dXNlcjpwYXNz",
            format!("Authorization: {ARG_MASK}"),
        ),
        (
            "sent Authorization: Bot Xk9fJ2kdLq0ZpR7sT4vW to it",
            format!("sent Authorization: {ARG_MASK} to it"),
        ),
        (
            "-H Authorization:Basic dXNlcjpwYXNz https://x",
            format!("-H Authorization: {ARG_MASK} https://x"),
        ),
        (
            r#"-H "Authorization: Basic dXNlcjpwYXNz" https://x"#,
            format!(r#"-H "Authorization: {ARG_MASK}" https://x"#),
        ),
    ] {
        assert_eq!(mask_text(line), shown, "{line}");
    }
}

#[test]
fn a_message_cut_inside_a_secret_is_masked_to_the_cut() {
    let msg = r#"{"params":{"arguments":{"token":"ghp_0123456789abcdef"#;
    assert_eq!(
        redacted(msg),
        r#"{"params":{"arguments":{"token":"[redacted]""#
    );
    let msg = r#"{"credentials":{"user":"ana","pass"#;
    assert_eq!(redacted(msg), r#"{"credentials":"[redacted]""#);
}

#[test]
fn a_line_that_is_not_json_is_scanned_without_failing() {
    assert_eq!(
        redacted("Starting server on port 8000"),
        "Starting server on port 8000"
    );
    assert_eq!(
        redacted("\"password\": x y"),
        "\"password\": \"[redacted]\" y"
    );
    assert_eq!(redacted("\"token\":"), "\"token\":");
    assert_eq!(redacted("\\\"\"\\"), "\\\"\"\\");
}

// ---- properties ----

const PLAIN_KEYS: [&str; 8] = [
    "name",
    "arguments",
    "progressToken",
    "maxTokens",
    "user",
    "text",
    "uri",
    "author",
];
const SECRET_KEYS: [&str; 6] = [
    "token",
    "api_key",
    "password",
    "Authorization",
    "client_secret",
    "cookie",
];

fn value(keys: Vec<&'static str>) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        // No "bearer " in generated text, and any other character, quotes and escapes included.
        "[^bB]{0,12}".prop_map(Value::String),
    ];
    let keys = proptest::sample::select(keys);
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((keys.clone(), inner), 0..5).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

/// What redaction means on a parsed message.
fn redact_value(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let masked = SECRET_KEYS.contains(&k.as_str())
                        && !matches!(v, Value::Null | Value::Bool(_));
                    let v = if masked {
                        json!(MARKER)
                    } else {
                        redact_value(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_value).collect()),
        other => other.clone(),
    }
}

fn all_keys() -> Vec<&'static str> {
    PLAIN_KEYS
        .iter()
        .chain(SECRET_KEYS.iter())
        .copied()
        .collect()
}

/// A two-letter secret suffix, as a strategy (a regex).
const TWO_LETTERS: &str = "[a-z]{2}";

#[test]
fn a_command_line_shows_the_names_of_its_credentials_and_never_their_values() {
    let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let line = args(&[
        "bridge",
        "https://mcp.example.com/mcp",
        "--header",
        "Authorization: Bearer tok-1",
        "--header",
        "X-Region: eu",
        "--header=X-API-Key:k-2",
        "--header",
        "Cookie:",
        "--oauth-client-id",
        "pre-1",
        "--oauth-client-secret",
        "s3cret",
        "--oauth-client-secret=s3cret-too",
        "--static-oauth-client-info",
        r#"{"client_id":"c","client_secret":"cs-4"}"#,
        "--name",
        "Authorization: Bearer not-a-header",
    ]);
    assert_eq!(
        mask_args(&line),
        args(&[
            "bridge",
            "https://mcp.example.com/mcp",
            "--header",
            &format!("Authorization: {ARG_MASK}"),
            "--header",
            "X-Region: eu",
            &format!("--header=X-API-Key: {ARG_MASK}"),
            "--header",
            "Cookie:",
            "--oauth-client-id",
            "pre-1",
            "--oauth-client-secret",
            ARG_MASK,
            &format!("--oauth-client-secret={ARG_MASK}"),
            "--static-oauth-client-info",
            &format!(r#"{{"client_id":"c","client_secret":"{MARKER}"}}"#),
            "--name",
            // Not a header, but a bearer token wherever it stands is one.
            &format!("Authorization: Bearer {ARG_MASK}"),
        ])
    );
    // Nothing to mask: every argument as it was.
    let plain = args(&["-y", "server-fs", "--header-file", "/h", "--header"]);
    assert_eq!(mask_args(&plain), plain);
}

#[test]
fn a_local_server_s_command_line_hides_tokens_passwords_and_url_passwords_it_holds() {
    let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let line = args(&[
        "run",
        "-i",
        "-e",
        "GITHUB_TOKEN=ghp_1",
        "-e",
        "LOG_LEVEL=debug",
        "--api-key",
        "sk-2",
        "--token=t-3",
        "--password",
        "--verbose",
        "postgresql://me:pw-4@db.local:5432/app?sslmode=require",
        "https://user@example.com/mcp",
        "--client-secret-file",
        "/run/secret",
        "--token-endpoint",
        "https://auth.example.com/token",
        "--max-tokens",
        "100",
    ]);
    assert_eq!(
        mask_args(&line),
        args(&[
            "run",
            "-i",
            "-e",
            &format!("GITHUB_TOKEN={ARG_MASK}"),
            "-e",
            "LOG_LEVEL=debug",
            "--api-key",
            ARG_MASK,
            &format!("--token={ARG_MASK}"),
            // An option right after: it was a flag with no value.
            "--password",
            "--verbose",
            &format!("postgresql://me:{ARG_MASK}@db.local:5432/app?sslmode=require"),
            "https://user@example.com/mcp",
            // A file or an address of a credential is not one.
            "--client-secret-file",
            "/run/secret",
            "--token-endpoint",
            "https://auth.example.com/token",
            "--max-tokens",
            "100",
        ])
    );
}

proptest! {
    #[test]
    fn messages_without_secret_keys_stay_byte_for_byte(v in value(PLAIN_KEYS.to_vec()), pretty in any::<bool>()) {
        let text = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) }.expect("serialise");
        // Strings generated here may look like JSON text; none holds a secret key, so none changes.
        prop_assert_eq!(redacted(&text), text);
    }

    #[test]
    fn redaction_masks_exactly_the_values_of_secret_keys(v in value(all_keys()), pretty in any::<bool>()) {
        let text = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) }.expect("serialise");
        let out: Value = serde_json::from_str(&redacted(&text)).expect("redacted JSON is still JSON");
        prop_assert_eq!(out, redact_value(&v));
    }

    #[test]
    fn no_prefix_of_a_message_shows_a_secret(v in value(all_keys()), secret in TWO_LETTERS) {
        let mut v = v;
        if let Value::Object(map) = &mut v {
            map.insert("api_key".to_owned(), json!(format!("SECRET-{secret}")));
        } else {
            v = json!({"arguments": v, "api_key": format!("SECRET-{secret}")});
        }
        let text = serde_json::to_string(&v).expect("serialise");
        for cut in 0..=text.len() {
            if text.is_char_boundary(cut) {
                let out = redacted(&text[..cut]);
                prop_assert!(!out.contains("SECR"), "cut at {}: {}", cut, out);
            }
        }
    }

    #[test]
    fn any_bytes_are_scanned_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let out = redact(&bytes);
        // Only strings are ever masked.
        if !bytes.contains(&b'"') {
            prop_assert_eq!(out.as_ref(), bytes.as_slice());
        }
    }
}

#[test]
fn a_url_shows_its_host_path_and_plain_parameters_and_never_its_credentials() {
    assert_eq!(
        mask_url("https://me:pw-1@mcp.example.com/mcp?region=eu&token=t-2&api_key=k-3#top"),
        format!(
            "https://me:{ARG_MASK}@mcp.example.com/mcp?region=eu&token={ARG_MASK}&api_key={ARG_MASK}#top"
        )
    );
    assert_eq!(
        mask_url("https://mcp.example.com/sse?key=&session=abc"),
        "https://mcp.example.com/sse?key=&session=abc",
        "nothing secret: as it is"
    );
    assert_eq!(
        mask_url("https://user@example.com/mcp"),
        "https://user@example.com/mcp"
    );
    assert_eq!(mask_url("not a url"), "not a url");
}

#[test]
fn a_command_line_hides_keys_bearer_tokens_and_secret_env_given_with_an_equals() {
    let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let line = args(&[
        "--key",
        "sk-1",
        "--oauth2Bearer",
        "tok-2",
        "-H",
        "Authorization: Bearer tok-3",
        "--env=GITHUB_TOKEN=ghp_4",
        "--env=LOG=debug",
        "--keys-dir",
        "/etc/keys",
    ]);
    assert_eq!(
        mask_args(&line),
        args(&[
            "--key",
            ARG_MASK,
            "--oauth2Bearer",
            ARG_MASK,
            "-H",
            &format!("Authorization: Bearer {ARG_MASK}"),
            &format!("--env=GITHUB_TOKEN={ARG_MASK}"),
            "--env=LOG=debug",
            "--keys-dir",
            "/etc/keys",
        ])
    );
}

#[test]
fn a_url_with_a_password_and_a_secret_first_parameter_hides_both() {
    let args = vec![
        "postgresql://me:pw-1@db/app?password=pw-2".to_owned(),
        "--url=https://me:pw-3@x/?token=t-4".to_owned(),
    ];
    assert_eq!(
        mask_args(&args),
        [
            format!("postgresql://me:{ARG_MASK}@db/app?password={ARG_MASK}"),
            format!("--url=https://me:{ARG_MASK}@x/?token={ARG_MASK}"),
        ]
    );
}

fn text(s: &str) -> String {
    mask_text(s).into_owned()
}

#[test]
fn free_text_hides_credentials_where_they_stand_and_keeps_every_other_byte() {
    for (line, shown) in [
        // A command line written out, as a sentence or as Claude's JavaScript list.
        (
            "spawn npx -y mcp-remote https://x/sse --header Authorization: Bearer tok-1 --debug",
            format!(
                "spawn npx -y mcp-remote https://x/sse --header Authorization: {ARG_MASK} --debug"
            ),
        ),
        (
            "args: [ '--header', 'X-API-Key: k-2', '--api-key', 'k-3', [length]: 4 ],",
            format!(
                "args: [ '--header', 'X-API-Key: {ARG_MASK}', '--api-key', '{ARG_MASK}', [length]: 4 ],"
            ),
        ),
        (
            "env GITHUB_TOKEN=ghp_4 DEBUG=1 uvx server",
            format!("env GITHUB_TOKEN={ARG_MASK} DEBUG=1 uvx server"),
        ),
        // A header or a bearer token in a sentence.
        (
            "HTTP 401 (sent Authorization: Bearer eyJ.x-5)\n  at fetch",
            format!("HTTP 401 (sent Authorization: {ARG_MASK})\n  at fetch"),
        ),
        (
            "retrying with bearer abc/6= now",
            format!("retrying with bearer {ARG_MASK} now"),
        ),
        (
            "connecting to postgresql://me:pw-7@db:5432/app",
            format!("connecting to postgresql://me:{ARG_MASK}@db:5432/app"),
        ),
        // JavaScript and JSON objects.
        (
            "{ headers: { 'x-api-key': 'k-8' }, token: \"t-9\" }",
            format!("{{ headers: {{ 'x-api-key': '{ARG_MASK}' }}, token: \"{ARG_MASK}\" }}"),
        ),
        (
            r#"{"context":"connection","api_key":"k-10","note":"Bearer b-11"}"#,
            format!(r#"{{"context":"connection","api_key":"{MARKER}","note":"Bearer {MARKER}"}}"#),
        ),
        (
            r#"{"password": "two words"}"#,
            format!(r#"{{"password": "{MARKER}"}}"#),
        ),
    ] {
        assert_eq!(text(line), shown, "{line}");
    }
}

#[test]
fn free_text_without_credentials_is_returned_as_is() {
    for line in [
        "Server started and connected successfully",
        "Message from client: method=\"tools/call\" id=3",
        "Error: spawn uvx ENOENT",
        "MCP error -32001: Request timed out",
        "Content-Type: application/json, token_type: \"Bearer\", \"expires_in\": 3600",
        "\"token_type\": \"Bearer\", \"expires_in\": 3600",
        "paths: [ 'C:\\\\Program Files\\\\nodejs', [length]: 1 ]",
        "Bearer",
        "Authorization:",
        "  ",
        "",
        "é — ü: ✓ {\"x\": 1}",
    ] {
        assert!(
            matches!(mask_text(line), std::borrow::Cow::Borrowed(_)),
            "{line} became {}",
            text(line)
        );
    }
}

#[test]
fn a_value_issued_as_a_credential_is_known_by_its_prefix_whatever_it_is_called() {
    for value in [
        "sk-ant-api03-abcdefghijklmnopqrstuvwxyz",
        "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
        "sk-0123456789abcdefghijABCDEFGHIJ0123456789abcdef",
        "sk_live_51H8abcDEFghiJKLmnoPQRst",
        "rk_test_51H8abcDEFghiJKLmnoPQRst",
        "ghp_0123456789abcdefghijABCDEFGHIJ012345",
        "gho_0123456789abcdefghijABCDEFGHIJ012345",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
        "glpat-xxxxxxxxxxxxxxxxxxxx",
        "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "xapp-1-A0123456789-0123456789012-abcdef0123456789",
        "hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567",
        "npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
        "pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdo",
        "AIzaSyA-0123456789abcdefghijklmnopqrs",
        // A JWT (header `{"alg":"HS256"}`), signed or not.
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbmEifQ.c2lnbmF0dXJlLWJ5dGVz",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbmEifQ.",
        // Pasted with the line's spaces around it.
        "  ghp_0123456789abcdefghijABCDEFGHIJ012345\n",
    ] {
        assert!(looks_like_credential(value), "{value}");
    }
}

#[test]
fn a_value_is_not_taken_for_a_credential_by_a_guess() {
    for value in [
        "",
        "debug",
        "abc",
        "postgres://app:hunter2@db/x",
        "https://example.com/docs",
        // A prefix alone, or with too little after it to be a token.
        "sk-",
        "sk-learn",
        "ghp_short",
        "hf_transfer",
        "npm_config_cache",
        "xoxb-",
        // The prefix has to start the value, and a token holds no spaces.
        "my-sk-ant-api03-abcdefghijklmnopqrstuvwxyz",
        "sk-ant-api03 abcdefghijklmnopqrstuvwxyz",
        "sk-ant-api03-abcdefghijklmnopqrstuvwxyz,other",
        // Prefixes are case-sensitive: `SK-…` and `GHP_…` are not issued.
        "SK-ANT-API03-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "GHP_0123456789ABCDEFGHIJABCDEFGHIJ012345",
        // Long random-looking strings with no known prefix are left alone.
        "0123456789abcdefghijABCDEFGHIJ0123456789",
        "d41d8cd98f00b204e9800998ecf8427e",
        // Not a JWT: one or two parts, more than three, or not base64url.
        "eyJhbGciOiJIUzI1NiJ9",
        "eyJhbGciOiJIUzI1NiJ9.",
        "eyJ.e30.x",
        "eyJhbGciOiJIUzI1NiJ9.e30.abc.def",
        "eyJhbGciOiJIUzI1NiJ9.e3 0.abc",
        "a.b.c",
        "1.2.3",
    ] {
        assert!(!looks_like_credential(value), "{value:?}");
    }
}

proptest! {
    #[test]
    fn free_text_never_shows_a_header_credential_and_keeps_the_rest(
        before in "[a-z .:()]{0,20}",
        token in "[A-Za-z0-9._~+/-]{4,24}",
        after in "[a-z .()]{0,20}",
        quote in prop::sample::select(vec!["", "'", "\""]),
    ) {
        let line = format!("{before} {quote}Authorization: Bearer {token}{quote} {after}");
        let shown = text(&line);
        prop_assert!(!shown.contains(&token), "{} became {}", line, shown);
        prop_assert!(shown.starts_with(&format!("{before} {quote}Authorization: ")), "{}", shown);
        prop_assert!(shown.ends_with(&format!("{quote} {after}")), "{}", shown);
    }
}

#[test]
fn compact_javascript_objects_in_free_text_hide_their_secret_values() {
    // `console.error` of an object written without spaces, or a hand-written JS object.
    for (line, shown) in [
        (r#"{token:"abc"}"#, format!(r#"{{token:"{ARG_MASK}"}}"#)),
        (
            "{apiKey:'abc',user:'bob'}",
            format!("{{apiKey:'{ARG_MASK}',user:'bob'}}"),
        ),
        (
            "{user:'bob',token:'abc'}",
            format!("{{user:'bob',token:'{ARG_MASK}'}}"),
        ),
        (
            "[{token:'a1'},{token:'b2'}]",
            format!("[{{token:'{ARG_MASK}'}},{{token:'{ARG_MASK}'}}]"),
        ),
        (
            r#"got {a:{token:"x1"},n:1} back"#,
            format!(r#"got {{a:{{token:"{ARG_MASK}"}},n:1}} back"#),
        ),
        (
            "{'token':'abc','user':'bob'}",
            format!("{{'token':'{ARG_MASK}','user':'bob'}}"),
        ),
        (
            r#"{token:"a b c",user:"bob"}"#,
            format!(r#"{{token:"{ARG_MASK}",user:"bob"}}"#),
        ),
    ] {
        let shown_now = text(line);
        assert_eq!(shown_now, shown, "{line}");
        assert!(
            !shown_now.contains("abc") && !shown_now.contains("a1") && !shown_now.contains("x1")
        );
    }
    // Nothing secret, or nothing in the quotes: as it is.
    for line in [
        "{user:'bob',tokens:'3'}",
        "{token:''}",
        "{progressToken:'p1'}",
    ] {
        assert_eq!(text(line), line);
    }
}

#[test]
fn inspected_and_python_objects_in_free_text_hide_their_secret_values() {
    // Node's `util.inspect`, on one line or several, and Python's repr of a dict.
    for (line, shown) in [
        ("{ token: 'abc' }", format!("{{ token: '{ARG_MASK}' }}")),
        (
            "{ apiKey: 'sk-abcdef', baseUrl: 'https://api.x.dev' }",
            format!("{{ apiKey: '{ARG_MASK}', baseUrl: 'https://api.x.dev' }}"),
        ),
        (
            "{\n  token: 'abc',\n  apiKey: 'sk-xyz',\n  user: 'bob'\n}",
            format!("{{\n  token: '{ARG_MASK}',\n  apiKey: '{ARG_MASK}',\n  user: 'bob'\n}}"),
        ),
        (
            "{'token': 'abc', 'user': 'bob'}",
            format!("{{'token': '{ARG_MASK}', 'user': 'bob'}}"),
        ),
        (
            "Config(api_key='sk-abc', model='m')",
            format!("Config(api_key='{ARG_MASK}', model='m')"),
        ),
    ] {
        assert_eq!(text(line), shown, "{line}");
    }
}

#[test]
fn a_quoted_value_with_spaces_is_masked_to_its_closing_quote() {
    for (line, shown) in [
        (
            r#"PASSWORD="p@ss word" next"#,
            format!(r#"PASSWORD="{ARG_MASK}" next"#),
        ),
        (
            "export API_KEY='a b c'",
            format!("export API_KEY='{ARG_MASK}'"),
        ),
        (
            "{ token: 'a b c', user: 'bob' }",
            format!("{{ token: '{ARG_MASK}', user: 'bob' }}"),
        ),
        (
            r#"{ password: "it's a b" }"#,
            format!(r#"{{ password: "{ARG_MASK}" }}"#),
        ),
        (
            r#"run --password "a b" --debug"#,
            format!(r#"run --password "{ARG_MASK}" --debug"#),
        ),
        ("--token=`a b` x", format!("--token=`{ARG_MASK}` x")),
        // One word: the quotes stay around the mask.
        (r#"PASSWORD="abc""#, format!(r#"PASSWORD="{ARG_MASK}""#)),
    ] {
        let shown_now = text(line);
        assert_eq!(shown_now, shown, "{line}");
        for word in ["p@ss", " word", "a b", "b c", "it's", "abc"] {
            assert!(!shown_now.contains(word), "{line} showed {word}");
        }
    }
}

#[test]
fn escaped_json_printed_outside_a_string_is_masked() {
    // A string holding JSON, logged as it is: its quotes still escaped.
    assert_eq!(
        redacted(r#"{\"token\":\"abc\"}"#),
        r#"{\"token\":\"[redacted]\"}"#
    );
    for (line, shown) in [
        (
            r#"log: {\"token\":\"abc\",\"user\":\"bob\"}"#,
            r#"log: {\"token\":\"[redacted]\",\"user\":\"bob\"}"#.to_owned(),
        ),
        (
            r#"{\"a\":\"x\",\"api_key\": \"a b\", \"n\": 1} and "password": "p1""#,
            format!(
                r#"{{\"a\":\"x\",\"api_key\": \"{MARKER}\", \"n\": 1}} and "password": "{ARG_MASK}""#
            ),
        ),
    ] {
        assert_eq!(text(line), shown, "{line}");
    }
}

#[test]
fn bearer_glued_to_what_comes_before_is_masked() {
    for (line, shown) in [
        ("msg=Bearer abc", format!("msg=Bearer {ARG_MASK}")),
        ("auth=Bearer abc", format!("auth={ARG_MASK}")),
        ("(Bearer abc)", format!("(Bearer {ARG_MASK})")),
        // In quotes, the message pass masks it again.
        (
            r#"header="Bearer abc" x"#,
            format!(r#"header="Bearer {MARKER}" x"#),
        ),
    ] {
        assert_eq!(text(line), shown, "{line}");
    }
    // A word that only ends like it.
    assert_eq!(text("forbearer abc"), "forbearer abc");
}

#[test]
fn an_unknown_scheme_after_a_secret_header_is_masked_with_its_credential() {
    for (line, shown) in [
        ("X-API-Key: Bot abc", format!("X-API-Key: {ARG_MASK}")),
        ("X-API-Key:Bot abc", format!("X-API-Key: {ARG_MASK}")),
        (
            "sent Private-Token: Token abc now",
            format!("sent Private-Token: {ARG_MASK} now"),
        ),
        (
            "'X-API-Key': 'Bot abc'",
            format!("'X-API-Key': '{ARG_MASK}'"),
        ),
    ] {
        assert_eq!(text(line), shown, "{line}");
    }
}

#[test]
fn assignments_with_spaces_or_other_operators_are_masked() {
    for (line, shown) in [
        (r#"token := "x1""#, format!(r#"token := "{ARG_MASK}""#)),
        (r#"token => "x1""#, format!(r#"token => "{ARG_MASK}""#)),
        ("token = abc", format!("token = {ARG_MASK}")),
        (
            r#"api_key = "sk-abc" # config"#,
            format!(r#"api_key = "{ARG_MASK}" # config"#),
        ),
        ("token : abc", format!("token : {ARG_MASK}")),
        ("token：abc", format!("token： {ARG_MASK}")),
        ("token： abc", format!("token： {ARG_MASK}")),
        (
            r#"password = "two words" x"#,
            format!(r#"password = "{ARG_MASK}" x"#),
        ),
    ] {
        assert_eq!(text(line), shown, "{line}");
    }
    // Not a secret's name.
    for line in ["tokens = 3", "max_tokens := 100", "a = b"] {
        assert_eq!(text(line), line);
    }
}

#[test]
fn a_json_value_in_free_text_is_masked_without_what_follows_it() {
    assert_eq!(
        text(r#"{"token": "abc","user":"bob"}"#),
        format!(r#"{{"token": "{MARKER}","user":"bob"}}"#)
    );
    assert_eq!(
        text("{ token: 'abc',password:'x1' }"),
        format!("{{ token: '{ARG_MASK}',password:'{ARG_MASK}' }}")
    );
}

#[test]
fn compact_javascript_values_without_quotes_or_in_backquotes_are_masked() {
    for (line, shown) in [
        (
            "{user:'bob',secret:7134431,n:1}",
            format!("{{user:'bob',secret:{ARG_MASK},n:1}}"),
        ),
        (
            "{user:'bob',password:null,token:undefined}",
            "{user:'bob',password:null,token:undefined}".to_owned(),
        ),
        (
            "{private_key:`a b`,n:1}",
            format!("{{private_key:`{ARG_MASK}`,n:1}}"),
        ),
    ] {
        assert_eq!(text(line), shown, "{line}");
    }
}

#[test]
fn a_scheme_after_a_secret_name_and_an_equals_is_masked_with_its_credential() {
    for (line, shown) in [
        (
            "x authorization=Basic dXNlcjpw done",
            format!("x authorization={ARG_MASK} done"),
        ),
        (
            "API_KEY=Bot abc123 next",
            format!("API_KEY={ARG_MASK} next"),
        ),
    ] {
        assert_eq!(text(line), shown, "{line}");
    }
    // A value in small letters is the whole value: the next word stays.
    assert_eq!(
        text("GITHUB_TOKEN=abcdef DEBUG=1"),
        format!("GITHUB_TOKEN={ARG_MASK} DEBUG=1")
    );
}

// ---- defects of the first rewrite (session 17's review) ----

#[test]
fn a_value_ending_in_an_escaped_backslash_does_not_hide_the_next_secret() {
    for line in [
        r#"{token:"a\\",password:"s3cretA"}"#,
        r#"{'token':'a\\','password':'s3cretA'}"#,
        r#"log {"path": "C:\\dir\\","token":"s3cretA"}"#,
        r#"(auth:`s3cretA\\`, n: 1)"#,
    ] {
        let shown = text(line);
        assert!(!shown.contains("s3cretA"), "{line} became {shown}");
    }
}

#[test]
fn an_empty_value_before_another_entry_is_kept_and_the_next_value_masked() {
    assert_eq!(
        text(r#""token": "", "password": "s3cretC""#),
        format!(r#""token": "{MARKER}", "password": "{MARKER}""#)
    );
    assert_eq!(
        text(r#"+ {"pwd": "","X-API-Key":"s3cretC two","path": "p"}"#),
        format!(r#"+ {{"pwd": "{MARKER}","X-API-Key":"{MARKER}","path": "p"}}"#)
    );
}

#[test]
fn what_follows_a_closing_quote_is_kept_only_when_it_holds_nothing_to_mask() {
    for line in [
        // A stray quote before JSON: its pairs are not the message pass's.
        r#""{"token": "s3cretD1","path": "p","pwd": "s3cretD2"}"#,
        // Not JSON after the quote: the value is masked as a whole word.
        r#""pwd": "s3cretD1"&X-API-Key:'s3cretD2'"#,
        r#""Cookie": "s3cretD1,u:1"&"PASSWORD"=	s3cretD2"#,
        // The quotes held a name, not a value.
        r#"'api_key': "access_token"：'s3cretD2'"#,
    ] {
        let shown = text(line);
        assert!(
            !shown.contains("s3cretD1") && !shown.contains("s3cretD2"),
            "{line} became {shown}"
        );
    }
}

#[test]
fn an_escaped_quote_that_nothing_closes_does_not_hide_a_bearer_token() {
    assert_eq!(
        redacted(r#"a\"b Bearer s3cretE"#),
        format!(r#"a\"b Bearer {MARKER}"#)
    );
    // The same inside a string of a message: the escaped quote opens no key, so the rest of the
    // string is still text that may hold a credential.
    assert_eq!(
        redacted(r#"{"x":"a\"b Bearer s3cretE"}"#),
        format!(r#"{{"x":"a\"b Bearer {MARKER}"}}"#)
    );
    assert_eq!(
        redacted(r#"{"x":"a\"b Bearer s3cretE","y":"c\"d bearer s3cretE2"}"#),
        format!(r#"{{"x":"a\"b Bearer {MARKER}","y":"c\"d bearer {MARKER}"}}"#)
    );
    let shown = text(r#"x => 'a"b'; 'user'："v\"; 'token'：Bearer s3cretE}"#);
    assert!(!shown.contains("s3cretE"), "{shown}");
}

#[test]
fn an_option_is_never_taken_for_the_value_before_it() {
    assert_eq!(
        text("auth=Bearer --token s3cretF"),
        format!("auth={ARG_MASK} --token {ARG_MASK}")
    );
    assert_eq!(
        text("authorization=Basic --password s3cretF"),
        format!("authorization={ARG_MASK} --password {ARG_MASK}")
    );
}

#[test]
fn masking_a_long_word_takes_linear_time() {
    // One 4 MB word of entries whose values never close: seconds when each entry read the rest
    // of the word again.
    let word = format!("x'{}\"x", "(token:a".repeat(1 << 19));
    let started = std::time::Instant::now();
    let _ = mask_text(&word);
    let colons = format!("'{}", "token:".repeat(1 << 19));
    let _ = mask_text(&colons);
    let spaced = format!("{}'", "PASSWORD='a \\\" x ".repeat(1 << 16));
    let _ = mask_text(&spaced);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn values_that_hold_no_secret_are_not_masked() {
    for line in [
        "token = null",
        "auth = none",
        "token := undefined",
        "password = None",
        "has_token = true",
        "TOKEN=${GITHUB_TOKEN}",
        "token = ${API_TOKEN}",
        "token = getToken()",
        "{token:getToken()}",
        "const token: string = x",
        "function f(token: string, password: number)",
        "def f(api_key: str, password: Optional)",
        r#""token": null"#,
    ] {
        assert_eq!(text(line), line);
    }
    // A value still is.
    assert_eq!(text("token = abc"), format!("token = {ARG_MASK}"));
    assert_eq!(text("token: abc"), format!("token: {ARG_MASK}"));
}

#[test]
fn a_value_that_only_names_a_variable_is_shown_as_no_secret() {
    let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    // Where MCP Tray keeps a header's value in the entry's env, and a user's own `${VAR}`.
    let line = args(&[
        "bridge",
        "https://example.com/mcp",
        "--header",
        "Authorization: ${MCP_TRAY_HEADER_AUTHORIZATION}",
        "--header",
        "Authorization: Bearer ${TOKEN}",
        "--api-key",
        "${API_KEY}",
    ]);
    assert_eq!(mask_args(&line), line);
    // Anything more than a name is masked as before.
    let mixed = args(&[
        "--header",
        "Authorization: Bearer s3cret${TOKEN}",
        "--api-key",
        "${A}x",
    ]);
    assert_eq!(
        mask_args(&mixed),
        args(&[
            "--header",
            &format!("Authorization: {ARG_MASK}"),
            "--api-key",
            ARG_MASK
        ])
    );
}

#[test]
fn a_value_that_is_a_credential_by_its_format_is_masked_under_any_key() {
    let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    assert_eq!(
        redacted(&format!(r#"{{"arguments":{{"q":"{token}","n":1}}}}"#)),
        format!(r#"{{"arguments":{{"q":"{MARKER}","n":1}}}}"#)
    );
    // In a list, and a JWT.
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
    assert_eq!(
        redacted(&format!(r#"["{token}","{jwt}","plain words"]"#)),
        format!(r#"["{MARKER}","{MARKER}","plain words"]"#)
    );
    // What only looks a little like one stays.
    for plain in [
        r#"{"q":"sk-short"}"#,
        r#"{"q":"ghp_ with spaces in it and more words"}"#,
        r#"{"q":"github_pat"}"#,
        r#"{"name":"skipped-the-tests-because-they-were-slow"}"#,
    ] {
        assert_eq!(redacted(plain), plain);
    }
}

#[test]
fn a_urls_password_is_masked_in_any_value() {
    assert_eq!(
        redacted(r#"{"u":"https://bob:pw12345@example.com/x?y=a@b"}"#),
        format!(r#"{{"u":"https://bob:{MARKER}@example.com/x?y=a@b"}}"#)
    );
    for plain in [
        r#"{"u":"https://bob@example.com/x"}"#,
        r#"{"u":"https://example.com/x?mail=a:b@c"}"#,
        r#"{"u":"mailto:bob@example.com"}"#,
    ] {
        assert_eq!(redacted(plain), plain);
    }
}

#[test]
fn a_servers_known_secrets_are_its_masked_arguments_and_its_credential_env_values() {
    let args: Vec<String> = [
        "-y",
        "server",
        "--api-key",
        "sk-ARG-SECRET987",
        "--token=tok-inline-4242",
        "postgresql://me:pw-in-url-77@db/x",
        "--header",
        "Authorization: Bearer abc.def.ghi",
        "--verbose",
    ]
    .map(str::to_owned)
    .to_vec();
    let env = [
        ("GITHUB_TOKEN", "ghp_envtokenvalue0001"),
        ("OTHER", "sk-ant-abcdefghijklmnop1234"),
        ("HOME", "/home/ana"),
        ("API_KEY", "12345678"),
        ("PASSWORD", "short"),
        ("SECRET", "with\"quote"),
    ];
    let secrets = known_secrets(&args, env);
    assert_eq!(
        secrets,
        [
            "sk-ARG-SECRET987",
            "tok-inline-4242",
            "pw-in-url-77",
            "abc.def.ghi",
            "ghp_envtokenvalue0001",
            "sk-ant-abcdefghijklmnop1234",
        ],
        "all digits, too short, or not findable as written in JSON: left out"
    );
}

#[test]
fn known_secrets_are_masked_wherever_they_stand_and_json_stays_json() {
    let secrets = vec!["sk-ARG-SECRET987".to_owned(), "tok-ENV-55555".to_owned()];
    let msg =
        br#"{"result":{"text":"key sk-ARG-SECRET987 and tok-ENV-55555, again sk-ARG-SECRET987"}}"#;
    let masked = mask_known(msg, &secrets, false);
    let text = String::from_utf8(masked.into_owned()).expect("UTF-8");
    assert_eq!(
        text,
        format!(r#"{{"result":{{"text":"key {MARKER} and {MARKER}, again {MARKER}"}}}}"#)
    );
    serde_json::from_str::<Value>(&text).expect("still JSON");
    // Nothing to mask: the same bytes, not a copy.
    assert!(matches!(
        mask_known(b"{}", &secrets, false),
        std::borrow::Cow::Borrowed(_)
    ));
    // A message cut in the middle of a secret: its start is masked too.
    let cut = mask_known(br#"{"text":"key sk-ARG-SEC"#, &secrets, true);
    assert_eq!(
        cut.as_ref(),
        format!(r#"{{"text":"key {MARKER}"#).as_bytes()
    );
    let short = mask_known(br#"{"text":"key sk-"#, &secrets, true);
    assert_eq!(
        short.as_ref(),
        br#"{"text":"key sk-"#,
        "3 bytes say nothing"
    );
}

/// QA: `env -i PWD=/tmp/qa7 … mcp-tray wrap …` masked "/tmp/qa7" everywhere, the working
/// directory taken for a password. Variables that hold a place (a folder, a file, a socket) are
/// not credentials, whatever their names hold; the credentials beside them still are.
#[test]
fn the_working_directory_and_other_places_are_no_known_secrets() {
    let places = [
        ("PWD", "/tmp/qa7"),
        ("OLDPWD", "/home/ana/projects"),
        ("PWD", r"C:\Users\ana\projects"),
        ("SSH_AUTH_SOCK", "/run/user/1000/keyring/ssh"),
        ("XAUTHORITY", "/run/user/1000/gdm/Xauthority"),
        ("XAUTHLOCALHOSTNAME", "laptop-ana"),
        ("GPG_TTY", "/dev/pts/3"),
        ("AUTHOR", "Ana Lovelace"),
        ("GIT_AUTHOR_NAME", "Ana Lovelace"),
        ("GIT_ASKPASS", "/usr/lib/ssh/ssh-askpass"),
        ("SSH_ASKPASS", "/usr/lib/ssh/x11-ssh-askpass"),
        ("CREDENTIALS_DIRECTORY", "/run/credentials/mcp.service"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/home/ana/.aws/credentials"),
        (
            "GOOGLE_APPLICATION_CREDENTIALS",
            "/home/ana/keys/service.json",
        ),
        ("PASSWORD_STORE_DIR", "/home/ana/.password-store"),
        ("POSTGRES_PASSWORD_FILE", "/run/secrets/postgres"),
        ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1000/bus"),
        ("TOKENIZERS_PARALLELISM", "disabled"),
    ];
    assert_eq!(known_secrets(&[], places), Vec::<String>::new());
    let credentials = [
        ("GITHUB_TOKEN", "ghp_envtokenvalue0001"),
        // A key by its name's last word, as `list` masks it (one rule for both).
        ("ENCRYPTION_KEY", "correct-horse-battery"),
        ("NPM_AUTH", "ana:npm-pass-1234"),
        ("PGPASSWORD", "hunter2-long"),
        (
            "AWS_SECRET_ACCESS_KEY",
            "/wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        // Not a working directory: a password under that name (ODBC's `PWD=…`).
        ("PWD", "hunter2-odbc"),
    ];
    assert_eq!(
        known_secrets(&[], credentials),
        [
            "ghp_envtokenvalue0001",
            "correct-horse-battery",
            "ana:npm-pass-1234",
            "hunter2-long",
            "/wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "hunter2-odbc"
        ]
    );

    // Written as a variable (a command line, a log line): shown, as the env's are.
    let args: Vec<String> = [
        "-e",
        "PWD=/tmp/qa7",
        "--env=POSTGRES_PASSWORD_FILE=/run/secrets/postgres",
        "-e",
        "POSTGRES_PASSWORD=hunter2-long",
        "PWD=hunter2-odbc",
    ]
    .map(str::to_owned)
    .to_vec();
    assert_eq!(
        mask_args(&args),
        [
            "-e",
            "PWD=/tmp/qa7",
            "--env=POSTGRES_PASSWORD_FILE=/run/secrets/postgres",
            "-e",
            &format!("POSTGRES_PASSWORD={ARG_MASK}"),
            &format!("PWD={ARG_MASK}"),
        ]
    );
    assert_eq!(
        mask_text("started in PWD=/tmp/qa7 OLDPWD=/tmp"),
        "started in PWD=/tmp/qa7 OLDPWD=/tmp"
    );
    // A message's `pwd` key is a password where an API uses it so: still masked, path or not.
    assert_eq!(
        redacted(r#"{"user":"ana","pwd":"/tmp/qa7"}"#),
        format!(r#"{{"user":"ana","pwd":"{MARKER}"}}"#)
    );
    assert_eq!(
        mask_text("login pwd=hunter2"),
        format!("login pwd={ARG_MASK}")
    );
}
