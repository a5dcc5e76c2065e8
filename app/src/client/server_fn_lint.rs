//! Fails the tests when a server function in `app/src` is declared without
//! `client = …AuthedClient`: such a function would skip the token and the retry policy, and
//! nothing else would notice.

use std::{fs, path::Path};

#[test]
fn every_server_function_uses_the_authed_client() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    let mut checked = 0;
    for file in rust_files(&src) {
        if file.ends_with("client/server_fn_lint.rs") {
            continue; // this file quotes bad examples on purpose
        }
        let source = fs::read_to_string(&file).unwrap();
        for attribute in server_attributes(&source) {
            checked += 1;
            if !names_authed_client(&attribute) {
                offenders.push(format!("{}: {attribute}", file.display()));
            }
        }
    }
    assert!(
        checked > 0,
        "found no server function at all: is the scan looking in the right place?"
    );
    assert!(
        offenders.is_empty(),
        "declare these with #[server(client = crate::client::AuthedClient)]:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_scan_catches_a_server_function_without_the_client() {
    let source = r#"
        #[server]
        pub async fn a() -> Result<(), ApiError> { Ok(()) }
        #[leptos::server(endpoint = "b")]
        pub async fn b() -> Result<(), ApiError> { Ok(()) }
        #[server(
            endpoint = "c",
            client = crate::client::AuthedClient,
        )]
        pub async fn c() -> Result<(), ApiError> { Ok(()) }
        // #[server] in a comment is not a declaration
        #[serde(default)]
        struct NotAServerFn;
    "#;
    let found = server_attributes(source);
    let verdicts: Vec<bool> = found.iter().map(|a| names_authed_client(a)).collect();
    assert_eq!(verdicts, [false, false, true], "{found:?}");
}

#[test]
fn another_client_does_not_pass_for_the_authed_one() {
    assert!(!names_authed_client(
        "#[server(client = server_fn::client::browser::BrowserClient)]"
    ));
    assert!(!names_authed_client(
        "#[server(endpoint = \"AuthedClient\")]"
    ));
    assert!(names_authed_client("#[server(client=AuthedClient)]"));
}

fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The text of each `#[server…]` / `#[leptos::server…]` attribute, outside comments.
fn server_attributes(source: &str) -> Vec<String> {
    let code: String = source
        .lines()
        .map(|line| line.split_once("//").map_or(line, |(code, _)| code))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    let mut rest = code.as_str();
    while let Some(start) = rest.find("#[") {
        let attribute = &rest[start..];
        let end = matching_bracket(attribute).unwrap_or(attribute.len());
        let text = &attribute[..end];
        let path: String = text[2..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        if path == "server" || path.ends_with("::server") {
            found.push(text.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        rest = &attribute[2..];
    }
    found
}

fn matching_bracket(attribute: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in attribute.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

fn names_authed_client(attribute: &str) -> bool {
    let compact: String = attribute.chars().filter(|c| !c.is_whitespace()).collect();
    compact.split("client=").skip(1).any(|value| {
        let path: String = value
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        path.rsplit("::").next() == Some("AuthedClient")
    })
}
