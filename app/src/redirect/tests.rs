use super::*;

#[test]
fn paths_on_this_site_are_kept_with_their_query() {
    assert_eq!(
        same_site_target("/dashboard").as_deref(),
        Some("/dashboard")
    );
    assert_eq!(
        same_site_target("/dashboard?tab=1&b=2").as_deref(),
        Some("/dashboard?tab=1&b=2")
    );
    assert_eq!(same_site_target("/a/../b/./c").as_deref(), Some("/b/c"));
}

#[test]
fn targets_that_a_browser_takes_to_another_origin_are_refused() {
    for candidate in [
        "https://evil.example/",
        "//evil.example",
        "///evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "\t//evil.example",
        " //evil.example",
        "\u{0}//evil.example",
        "http:evil.example",
        "https:/evil.example",
        "javascript:alert(1)",
        "data:text/html,x",
        "http://populatte.invalid:8080/",
        "https://populatte.invalid/",
    ] {
        assert_eq!(same_site_target(candidate), None, "{candidate:?}");
    }
}

#[test]
fn a_path_that_becomes_scheme_relative_once_resolved_is_refused() {
    // The first resolution makes the path `//evil.example`; as a `Location` that is a host.
    assert_eq!(same_site_target("/a/..//evil.example"), None);
    assert_eq!(same_site_target("/.//evil.example"), None);
}

#[test]
fn controls_and_non_ascii_are_percent_encoded_as_utf8() {
    assert_eq!(same_site_target("/。/x").as_deref(), Some("/%E3%80%82/x"));
    assert_eq!(
        same_site_target("/a b?q=\u{1}\u{7f}é").as_deref(),
        Some("/a%20b?q=%01%7F%C3%A9")
    );
    // WHATWG drops tabs and newlines anywhere, like browsers do.
    assert_eq!(
        same_site_target("/da\tsh\nboard\r").as_deref(),
        Some("/dashboard")
    );
}

#[test]
fn the_fragment_is_not_emitted() {
    assert_eq!(same_site_target("/p?a=1#frag").as_deref(), Some("/p?a=1"));
}

#[test]
fn a_refused_target_falls_back() {
    assert_eq!(same_site_target_or("//evil.example", "/"), "/");
    assert_eq!(same_site_target_or("/ok", "/"), "/ok");
}
