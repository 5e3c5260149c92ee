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
    let s = parse("npx -y mcp-remote@latest https://mcp.atlassian.com/v1/sse --header 'X-Key: 1'");
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
    let plain = r#"{"lan": {"command": "npx", "args": ["mcp-remote", "http://192.168.1.5/mcp"]}}"#;
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
    let allowed =
        |text: &str| parse_snippet_with(text, Some("lan"), Path::new(EXE), true).expect("allowed");
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

fn parse_err(text: &str) -> String {
    parse_snippet(text, None, Path::new(EXE))
        .unwrap_err()
        .to_string()
}

fn remote(name: &str, url: &str) -> Value {
    json!({"command": EXE, "args": ["bridge", url, "--name", name]})
}

const FILESYSTEM: &str = r#"{ "mcpServers": { "filesystem": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"] } } }"#;

#[test]
fn a_snippet_in_a_markdown_code_fence_is_read_as_its_content() {
    let fenced = "```json\n{ \"mcpServers\": { \"hdr\": { \"type\": \"http\", \"url\": \"https://api.example.com/mcp\", \"headers\": {\"Authorization\": \"Bearer XYZ\"} } } }\n```";
    let s = parse(fenced);
    assert_eq!(
        s.entries,
        vec![(
            "hdr".to_owned(),
            json!({
                "command": EXE,
                "args": [
                    "bridge",
                    "https://api.example.com/mcp",
                    "--name",
                    "hdr",
                    "--transport",
                    "http",
                    "--header",
                    "Authorization: ${MCP_TRAY_HEADER_AUTHORIZATION}"
                ],
                "env": {"MCP_TRAY_HEADER_AUTHORIZATION": "Bearer XYZ"}
            })
        )]
    );
    let filesystem = vec![(
        "filesystem".to_owned(),
        json!({"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]}),
    )];
    for text in [
        format!("```json\n{FILESYSTEM}\n```"),
        format!("```\n{FILESYSTEM}\n```\n"),
        format!("~~~jsonc\n// the server\n{FILESYSTEM}\n~~~"),
        // A README section copied whole: text before and after, the fence indented in a list.
        format!(
            "## Install\n\nAdd this to your `claude_desktop_config.json`:\n\n   ```json\n   {FILESYSTEM}\n   ```\n\nThen restart Claude.\n"
        ),
        // A block with no closing fence runs to the end.
        format!("```json\n{FILESYSTEM}\n"),
        // Several blocks: the first that holds a snippet.
        format!(
            "```bash\nnpm install -g @modelcontextprotocol/server-filesystem\n```\n\n```json\n{FILESYSTEM}\n```"
        ),
        // On one line.
        format!("```json {FILESYSTEM} ```"),
        // Not fenced, after a byte order mark.
        format!("\u{feff}\n{FILESYSTEM}"),
    ] {
        assert_eq!(parse(&text).entries, filesystem, "{text}");
    }
}

#[test]
fn json_that_does_not_parse_says_the_json_error_rather_than_a_url_picked_out_of_it() {
    // A fenced snippet: the line and column are those of the text as pasted.
    let err = parse_err(
        "Paste this:\n```json\n{ \"mcpServers\": {\n  \"hdr\": { \"url\": https://api.example.com/mcp }\n} }\n```",
    );
    assert_eq!(
        err,
        "the snippet is not valid JSON at line 4, column 19: Unexpected word"
    );
    // JSON after a sentence, its closing brace lost.
    let err = parse_err(
        "Add this to your config:\n{\"mcpServers\": {\"x\": {\"url\": \"https://a.example.com/mcp\"}}",
    );
    assert_eq!(
        err,
        "the snippet is not valid JSON at line 2, column 59: Unterminated object"
    );
}

#[test]
fn a_url_in_prose_loses_the_punctuation_around_it() {
    for (text, url) in [
        (
            "Connect to https://b.example.com/mcp.",
            "https://b.example.com/mcp",
        ),
        ("https://f.example.com/mcp;", "https://f.example.com/mcp"),
        ("https://f.example.com/mcp,", "https://f.example.com/mcp"),
        (
            "Is it https://f.example.com/mcp?",
            "https://f.example.com/mcp",
        ),
        (
            "Try https://f.example.com/mcp!",
            "https://f.example.com/mcp",
        ),
        (
            "at https://f.example.com/mcp: the",
            "https://f.example.com/mcp",
        ),
        ("(https://c.example.com/mcp)", "https://c.example.com/mcp"),
        (
            "(see https://c.example.com/mcp).",
            "https://c.example.com/mcp",
        ),
        ("<https://d.example.com/mcp>", "https://d.example.com/mcp"),
        (
            "\"https://e.example.com/mcp\",",
            "https://e.example.com/mcp",
        ),
        ("'https://e.example.com/mcp'", "https://e.example.com/mcp"),
        ("“https://e.example.com/mcp”", "https://e.example.com/mcp"),
        ("`https://e.example.com/mcp`", "https://e.example.com/mcp"),
        (
            "Use [the server](https://g.example.com/mcp).",
            "https://g.example.com/mcp",
        ),
        (
            "[https://g.example.com/mcp](https://g.example.com/mcp)",
            "https://g.example.com/mcp",
        ),
        // A path that ends in a `)` opened inside it keeps it.
        (
            "https://w.example.com/wiki/Foo_(bar)",
            "https://w.example.com/wiki/Foo_(bar)",
        ),
        (
            "(see https://w.example.com/wiki/Foo_(bar))",
            "https://w.example.com/wiki/Foo_(bar)",
        ),
        ("http://[::1]:3001/mcp.", "http://[::1]:3001/mcp"),
    ] {
        let s = parse_snippet(text, Some("s"), Path::new(EXE)).expect(text);
        assert_eq!(
            s.entries,
            vec![("s".to_owned(), remote("s", url))],
            "{text}"
        );
    }
    assert_eq!(
        parse("Connect to https://b.example.com/mcp.").entries[0].0,
        "example"
    );
    // Prose with an apostrophe, and a URL beside a code block that holds none.
    for text in [
        "The server's URL is https://b.example.com/mcp.",
        "Its URL is https://b.example.com/mcp, and then:\n\n```bash\nnpm install\n```",
    ] {
        assert_eq!(
            parse(text).entries,
            vec![(
                "example".to_owned(),
                remote("example", "https://b.example.com/mcp")
            )],
            "{text}"
        );
    }
}

#[test]
fn an_error_quoting_the_paste_cuts_it_and_masks_its_secrets() {
    assert_eq!(parse_err("hello"), "no URL found in \"hello\"");
    let big = "x".repeat(1 << 20);
    assert_eq!(
        parse_err(&big),
        format!("no URL found in \"{}…\"", "x".repeat(80))
    );
    // Lines and runs of spaces are shown as one space.
    assert_eq!(
        parse_err("hello\n\n   world"),
        "no URL found in \"hello world\""
    );
    let token = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789";
    let err = parse_err(&format!("my key: Authorization: Bearer {token}"));
    assert!(
        err.starts_with("no URL found in \"my key: Authorization: ") && !err.contains(token),
        "{err}"
    );
}

#[test]
fn a_claude_mcp_add_line_is_read_as_claude_reads_it() {
    let with_name =
        |text: &str, name: Option<&str>| parse_snippet(text, name, Path::new(EXE)).expect(text);
    let s = with_name(
        "claude mcp add --transport http everything2 https://example.com/mcp",
        None,
    );
    assert_eq!(
        s.entries,
        vec![(
            "everything2".to_owned(),
            json!({"command": EXE, "args": ["bridge", "https://example.com/mcp", "--name", "everything2", "--transport", "http"]})
        )]
    );
    // Options after the URL, short ones, headers (secret ones into env), a scope that does not
    // matter here; a name typed by the user wins.
    let s = with_name(
        "claude mcp add -s user -t sse linear https://mcp.linear.app/sse -H \"Authorization: Bearer abc\" --header 'X-Team: t'",
        None,
    );
    assert_eq!(
        s.entries,
        vec![(
            "linear".to_owned(),
            json!({
                "command": EXE,
                "args": ["bridge", "https://mcp.linear.app/sse", "--name", "linear", "--transport", "sse",
                         "--header", "Authorization: ${MCP_TRAY_HEADER_AUTHORIZATION}", "--header", "X-Team: t"],
                "env": {"MCP_TRAY_HEADER_AUTHORIZATION": "Bearer abc"}
            })
        )]
    );
    let s = with_name(
        "claude mcp add --transport=http everything2 https://example.com/mcp",
        Some("mine"),
    );
    assert_eq!(s.entries[0].0, "mine");
    assert_eq!(s.entries[0].1["args"][3], "mine");
    // A local server, in a fenced shell block over two lines, with its env.
    let s = with_name(
        "```bash\n$ claude mcp add --transport stdio --env AIRTABLE_API_KEY=YOUR_KEY airtable \\\n  -- npx -y airtable-mcp-server\n```",
        None,
    );
    assert_eq!(
        s.entries,
        vec![(
            "airtable".to_owned(),
            json!({"command": "npx", "args": ["-y", "airtable-mcp-server"], "env": {"AIRTABLE_API_KEY": "YOUR_KEY"}})
        )]
    );
    // Without `--`, several env values after one `-e`.
    let s = with_name(
        "claude mcp add -e A=1 B=2 playwright npx @playwright/mcp@latest",
        None,
    );
    assert_eq!(
        s.entries,
        vec![(
            "playwright".to_owned(),
            json!({"command": "npx", "args": ["@playwright/mcp@latest"], "env": {"A": "1", "B": "2"}})
        )]
    );
    // One that runs mcp-remote becomes a bridge entry, named as the line says.
    let s = with_name(
        "claude mcp add atlassian -- npx -y mcp-remote https://mcp.atlassian.com/v1/sse",
        None,
    );
    assert_eq!(
        s.entries,
        vec![(
            "atlassian".to_owned(),
            remote("atlassian", "https://mcp.atlassian.com/v1/sse")
        )]
    );
    // add-json: the name and the entry it gives.
    let s = with_name(
        r#"claude mcp add-json weather '{"type":"http","url":"https://w.example.com/mcp"}' --scope user"#,
        None,
    );
    assert_eq!(s.entries[0].0, "weather");
    assert_eq!(
        s.entries[0].1["args"],
        json!([
            "bridge",
            "https://w.example.com/mcp",
            "--name",
            "weather",
            "--transport",
            "http"
        ])
    );
    // An option of Claude Code's that means nothing here is said to be left out.
    let s = with_name(
        "claude mcp add --transport http --client-id abc --client-secret sentry https://mcp.sentry.dev/mcp",
        None,
    );
    assert_eq!(
        s.entries,
        vec![(
            "sentry".to_owned(),
            json!({"command": EXE, "args": ["bridge", "https://mcp.sentry.dev/mcp", "--name", "sentry", "--transport", "http"]})
        )]
    );
    assert!(
        s.notes.iter().any(
            |n| n == "--client-secret is an option of Claude Code's `claude mcp add`, left out"
        ) && s
            .notes
            .iter()
            .any(|n| n == "--client-id is an option of Claude Code's `claude mcp add`, left out"),
        "{:?}",
        s.notes
    );
    let err = parse_err("claude mcp add --transport http");
    assert_eq!(
        err,
        "`claude mcp add` needs a name and a command or URL: claude mcp add [options] NAME URL, or claude mcp add [options] NAME -- COMMAND [ARGS…]"
    );
}

#[test]
fn a_local_command_is_refused_with_where_to_add_it() {
    let expected = |cmd: &str| {
        format!(
            "this looks like the command of a local server, not a URL or a JSON snippet: add it by its \
             command, with \"Add a local server by its command\" in the app, or `mcp-tray add NAME -- {cmd}` \
             on the command line"
        )
    };
    for cmd in [
        "npx -y @modelcontextprotocol/server-filesystem /tmp",
        "uvx mcp-server-fetch",
        "python3 -m my_server",
        "/usr/local/bin/my-server --stdio",
        "docker run -i --rm mcp/fetch",
    ] {
        assert_eq!(parse_err(cmd), expected(cmd), "{cmd}");
    }
}

#[test]
fn a_refused_url_is_quoted_without_its_credentials() {
    for url in [
        "ftp://me:hunter2@files.example.com/mcp",
        "wss://mcp.example.com/ws?token=tok-3141",
    ] {
        let err = check_remote_url(url, false)
            .expect_err("refused")
            .to_string();
        assert!(
            !err.contains("hunter2") && !err.contains("tok-3141"),
            "{err}"
        );
        assert!(err.contains("example.com"), "{err}");
    }
}

fn parse_http(text: &str) -> Result<Snippet, ConfigError> {
    parse_snippet_with(text, None, Path::new(EXE), true)
}

#[test]
fn a_url_cut_at_a_space_is_refused_naming_what_was_found() {
    assert_eq!(
        parse_err("see https://exa mple.com/mcp for details"),
        "the URL https://exa seems cut at a space (https://exa mple.com/mcp): a URL holds no spaces; \
         fix the snippet, or add the server with `mcp-tray add NAME --url URL`"
    );
    for (text, found) in [
        ("https://exa mple.com/mcp", "https://exa mple.com/mcp"),
        ("http://intra net:8080/mcp", "http://intra net:8080/mcp"),
        ("https://intranet for details", "https://intranet for"),
        // A host of several labels cut before its path.
        (
            "Use https://mcp.exa mple.com/mcp",
            "https://mcp.exa mple.com/mcp",
        ),
        // As a word of an `npx mcp-remote` or `claude mcp add` line.
        (
            "npx -y mcp-remote https://exa mple.com/mcp",
            "https://exa mple.com/mcp",
        ),
        (
            "claude mcp add --transport http x https://exa mple.com/mcp",
            "https://exa mple.com/mcp",
        ),
    ] {
        let err = parse_http(text).expect_err(text).to_string();
        assert!(
            err.contains("seems cut at a space") && err.contains(&format!("({found})")),
            "{text}: {err}"
        );
    }
    // Nothing suggests a cut: a port or a path after a host of one label, localhost, an address,
    // a line break, or a host with a dot and prose after it.
    for (text, url) in [
        ("http://intranet:8080/mcp", "http://intranet:8080/mcp"),
        (
            "Connect to http://intranet:8080/mcp for details",
            "http://intranet:8080/mcp",
        ),
        ("https://intranet/mcp then restart", "https://intranet/mcp"),
        ("https://intranet", "https://intranet"),
        ("https://intranet (the team's server)", "https://intranet"),
        ("http://localhost then restart", "http://localhost"),
        ("http://10.0.0.5 then restart", "http://10.0.0.5"),
        ("https://intranet\nthen restart", "https://intranet"),
        (
            "https://mcp.example.com for details",
            "https://mcp.example.com",
        ),
    ] {
        let s = parse_http(text).expect(text);
        assert_eq!(s.entries[0].1["args"][1], url, "{text}");
    }
}

#[test]
fn a_pasted_url_that_goes_on_after_a_space_is_read_up_to_it_with_a_note_saying_so() {
    let s = parse("http://127.0.0.1:38111/my mcp");
    assert_eq!(s.entries[0].1["args"][1], "http://127.0.0.1:38111/my");
    assert_eq!(
        s.notes,
        [
            "Only http://127.0.0.1:38111/my was read: \"mcp\" after the space is not part of it, \
             as a URL holds no spaces (write a space in a URL as %20)."
        ]
    );
    // A URL alone, or in prose, gets no note.
    assert!(parse("https://mcp.example.com/mcp").notes.is_empty());
    assert!(
        parse("Connect to https://mcp.example.com/mcp for details")
            .notes
            .is_empty()
    );
}

#[test]
fn a_url_is_trimmed_and_one_with_a_space_inside_is_refused_saying_so() {
    // Spaces copied around a URL are no part of it.
    let s = parse(r#"{"r": {"url": "  https://example.com/mcp \n"}}"#);
    assert_eq!(s.entries[0].1["args"][1], "https://example.com/mcp");
    let entry = bridge_entry(
        "r",
        " https://example.com/mcp\t",
        &[],
        None,
        false,
        Path::new(EXE),
    )
    .expect("trimmed");
    assert_eq!(
        entry["args"],
        json!(["bridge", "https://example.com/mcp", "--name", "r"])
    );
    for url in ["https://exa mple.com/mcp", "https://example.com/my mcp"] {
        let err = check_remote_url(url, false).expect_err(url).to_string();
        assert_eq!(
            err,
            format!(
                "the URL \"{url}\" contains a space, and a URL holds none: remove it (a space that \
                 belongs in the URL is written %20)"
            )
        );
        let err = parse_err(&format!(r#"{{"r": {{"url": "{url}"}}}}"#));
        assert!(err.contains("contains a space"), "{err}");
    }
}

#[test]
fn port_0_is_refused() {
    for url in ["https://example.com:0/mcp", "http://127.0.0.1:0/mcp"] {
        let err = check_remote_url(url, false).expect_err(url).to_string();
        assert_eq!(
            err,
            format!(
                "{url} names port 0, which no server listens on. Give the port the server \
                 listens on, or none for the scheme's own (443 for https://)"
            )
        );
        assert!(parse_err(url).contains("port 0"), "{url}");
    }
}

#[test]
fn a_url_of_another_scheme_or_without_one_says_what_was_found() {
    let expected = "ftp://example.com/mcp starts with ftp://, but MCP servers are reached over \
                    http:// or https://: look for that URL in the server's documentation";
    assert_eq!(
        check_remote_url("ftp://example.com/mcp", false)
            .unwrap_err()
            .to_string(),
        expected
    );
    assert_eq!(parse_err("ftp://example.com/mcp"), expected);
    assert_eq!(parse_err("Its URL is ftp://example.com/mcp."), expected);
    // WebSocket keeps its own explanation.
    assert!(parse_err("see wss://example.com/mcp").contains("no WebSocket transport"));
    // A host and a path with no scheme.
    assert_eq!(
        parse_err("mcp.example.com/mcp"),
        "no URL found in \"mcp.example.com/mcp\": did you mean https://mcp.example.com/mcp?"
    );
    assert_eq!(
        parse_err("Connect to mcp.example.com/mcp."),
        "no URL found in \"Connect to mcp.example.com/mcp.\": did you mean https://mcp.example.com/mcp?"
    );
    assert_eq!(
        parse_err("localhost:3000/mcp"),
        "no URL found in \"localhost:3000/mcp\": did you mean http://localhost:3000/mcp?"
    );
    for (url, meant) in [
        ("mcp.example.com/mcp", "https://mcp.example.com/mcp"),
        ("example.com", "https://example.com"),
        ("localhost:3000/mcp", "http://localhost:3000/mcp"),
        ("127.0.0.1:8000/sse", "http://127.0.0.1:8000/sse"),
    ] {
        assert_eq!(
            check_remote_url(url, false).unwrap_err().to_string(),
            format!("{url} is not an http:// or https:// URL: did you mean {meant}?")
        );
    }
    // A host and port alone, and a scheme alone.
    assert_eq!(
        parse_err("localhost:1234"),
        "no URL found in \"localhost:1234\": did you mean http://localhost:1234?"
    );
    assert_eq!(
        parse_err("https://"),
        "\"https://\" has no address after https://: paste the server's whole URL (e.g. \
         https://example.com/mcp)"
    );
    assert_eq!(parse_err("note: 12"), "no URL found in \"note: 12\"");
    // Nothing like a host: as before.
    assert_eq!(parse_err("hello/world"), "no URL found in \"hello/world\"");
    assert_eq!(
        check_remote_url("mcp", false).unwrap_err().to_string(),
        "mcp is not an http:// or https:// URL"
    );
}

#[test]
fn a_name_given_twice_is_taken_from_its_last_copy_and_said() {
    for text in [
        r#"{"mcpServers": {"a": {"command": "one"}, "b": {"command": "b"}, "a": {"command": "two"}}}"#,
        r#"{"servers": {"a": {"command": "one"}, "b": {"command": "b"}, "a": {"command": "two"}}}"#,
        r#"{"mcp": {"servers": {"a": {"command": "one"}, "b": {"command": "b"}, "a": {"command": "two"}}}}"#,
        r#"{"a": {"command": "one"}, "b": {"command": "b"}, "a": {"command": "two"}}"#,
        r#""a": {"command": "one"}, "b": {"command": "b"}, "a": {"command": "two"}"#,
        "```json\n{\"mcpServers\": {\"a\": {\"command\": \"one\"}, \"b\": {\"command\": \"b\"},\n // again\n \"a\": {\"command\": \"two\"},}}\n```",
    ] {
        let s = parse(text);
        assert_eq!(
            s.entries,
            vec![
                ("a".to_owned(), json!({"command": "two"})),
                ("b".to_owned(), json!({"command": "b"}))
            ],
            "{text}"
        );
        assert_eq!(
            s.notes,
            vec![
                "\"a\" is in the snippet 2 times: its last copy is the one taken, as Claude Desktop \
                 does with its own config"
                    .to_owned()
            ],
            "{text}"
        );
    }
    // The servers' map given twice: only the last one is read.
    let s = parse(
        r#"{"mcpServers": {"a": {"command": "a"}}, "mcpServers": {"b": {"command": "b"}, "c": {"command": "c"}}}"#,
    );
    assert_eq!(
        s.entries
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        ["b", "c"]
    );
    assert_eq!(
        s.notes,
        vec![
            "\"mcpServers\" is in the snippet 2 times: its last copy is the one taken, as Claude \
             Desktop does with its own config, so \"a\" is left out"
                .to_owned()
        ]
    );
    // No note when every name is given once.
    assert!(parse(FILESYSTEM).notes.is_empty());
}

#[test]
fn a_converted_entry_keeps_every_key_the_conversion_does_not_translate_in_its_place() {
    let original = json!({"note": "mine", "url": "https://h/mcp", "headers": {"A": "b"},
        "env": {"KEEP": "1"}, "timeout": 30});
    let bridge =
        json!({"command": "/x/mcp-tray", "args": ["bridge"], "env": {"MCP_TRAY_HEADER_A": "b"}});
    let (entry, kept) =
        keep_other_keys(&original, bridge, &["url", "type", "transport", "headers"]);
    let keys: Vec<&str> = entry
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["note", "command", "args", "env", "timeout"]);
    assert_eq!(kept, ["note", "timeout"]);
    // Both env objects' members are kept.
    assert_eq!(entry["env"], json!({"MCP_TRAY_HEADER_A": "b", "KEEP": "1"}));
}

#[test]
fn windows_paths_pasted_with_single_backslashes_keep_every_backslash_and_say_so() {
    // As a README on Windows shows it: `\U`, `\m`, `\d` are no escapes JSON knows. Read with
    // extended escapes they lost their backslashes (`C:Usersmeserver.js`) without a word.
    let s = parse(
        r#"{"mcpServers": {"fs": {"command": "node", "args": ["C:\Users\me\server.js"], "env": {"ROOT": "C:\data"}},}}"#,
    );
    let entry = &s.entries[0].1;
    assert_eq!(entry["args"][0], r"C:\Users\me\server.js");
    assert_eq!(entry["env"]["ROOT"], r"C:\data");
    assert!(
        s.notes.iter().any(|n| n.contains("backslashes")),
        "{:?}",
        s.notes
    );
    // Written correctly, nothing is changed or said.
    let s = parse(r#"{"fs": {"command": "node", "args": ["C:\\Users\\me\\server.js", "a\tb"]}}"#);
    assert_eq!(s.entries[0].1["args"][0], r"C:\Users\me\server.js");
    assert_eq!(s.entries[0].1["args"][1], "a\tb");
    assert!(s.notes.is_empty(), "{:?}", s.notes);
    // `claude mcp add-json` takes the same care.
    // (In a string that also holds an unknown escape, `\f` is a path's too.)
    let s = parse(r#"claude mcp add-json fs '{"command": "C:\Tools\fs.exe"}'"#);
    assert_eq!(s.entries[0].1["command"], r"C:\Tools\fs.exe");
    assert!(s.notes.iter().any(|n| n.contains("backslashes")));
    // An escape that doubling cannot mend is refused where it is, as typed.
    let err = parse_snippet(
        r#"{"fs": {"command": "C:\tools\x.exe",, "args": []}}"#,
        None,
        Path::new(EXE),
    )
    .unwrap_err();
    assert!(err.to_string().contains("column"), "{err}");
}

#[test]
fn a_command_line_is_split_only_where_its_quotes_wrap_whole_words() {
    let words = |line: &str| command_line_words(line);
    assert_eq!(
        words(r#""C:\Program Files\node.exe" 'my server.js' -v"#),
        Some(vec![
            r"C:\Program Files\node.exe".to_owned(),
            "my server.js".to_owned(),
            "-v".to_owned()
        ])
    );
    assert_eq!(
        words("npx -y x"),
        Some(vec!["npx".into(), "-y".into(), "x".into()])
    );
    for unsplit in [
        "python -c print('hi')",
        "run --name O'Brien",
        "sh -c 'echo",
        r#"a "b"c"#,
    ] {
        assert_eq!(words(unsplit), None, "{unsplit}");
    }
}

#[test]
fn one_bad_entry_of_several_is_refused_with_why_and_the_others_are_taken() {
    let s = parse(
        r#"{"mcpServers": {
            "fetch": {"command": "uvx", "args": ["mcp-server-fetch"]},
            "broken": "npx server",
            "ws": {"url": "wss://example.com/mcp"},
            "time": {"command": "uvx", "args": ["mcp-server-time"]}
        }}"#,
    );
    let names: Vec<&str> = s.entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["fetch", "time"]);
    let refused: Vec<&str> = s.refused.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(refused, ["broken", "ws"]);
    assert!(
        s.refused[0].1.contains("must be a JSON object"),
        "{:?}",
        s.refused
    );
    assert!(
        s.refused[1].1.starts_with("\"ws\": ") && s.refused[1].1.contains("WebSocket"),
        "{:?}",
        s.refused
    );
}

#[test]
fn a_snippet_none_of_whose_entries_can_be_taken_is_refused_with_the_first_reason() {
    let err = parse_snippet(
        r#"{"mcpServers": {"a": "npx a", "b": {"url": "wss://example.com/mcp"}}}"#,
        None,
        Path::new(EXE),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("\"a\"") && err.contains("JSON object"),
        "{err}"
    );
}

#[test]
fn a_refused_entry_leaves_no_note_of_a_conversion_and_says_its_name_once() {
    let s = parse(
        r#"{"mcpServers": {
            "ok": {"command": "/bin/true"},
            "chat": {"url": "wss://example.com/mcp"},
            "empty": {"args": ["x"]}
        }}"#,
    );
    assert!(
        s.notes.iter().all(|n| !n.contains("\"chat\"")),
        "{:?}",
        s.notes
    );
    for (name, why) in &s.refused {
        let quoted = format!("\"{name}\"");
        assert!(why.starts_with(&quoted), "{why}");
        assert_eq!(why.matches(&quoted).count(), 1, "{why}");
    }
    assert_eq!(s.refused.len(), 2, "{:?}", s.refused);
}
