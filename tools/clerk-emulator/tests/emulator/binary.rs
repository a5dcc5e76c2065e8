//! The `clerk-emulator` binary refuses where it must, before it does anything else.

use std::process::{Command, Output};

const BINARY: &str = env!("CARGO_BIN_EXE_clerk-emulator");

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BINARY);
    command.args(args);
    for name in [
        "LEPTOS_ENV",
        "APP_ENV",
        "POPULATTE_ENV",
        "CLERK_SECRET_KEY",
        "CLERK_PUBLISHABLE_KEY",
        "CLERK_JWT_KEY",
    ] {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn binary_refuses_production_mode() {
    let output = run(&[], &[("LEPTOS_ENV", "PROD")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("refuses to run in production"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn binary_refuses_when_real_clerk_keys_are_set() {
    let output = run(
        &[],
        &[("CLERK_PUBLISHABLE_KEY", "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k")],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("CLERK_PUBLISHABLE_KEY"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn binary_refuses_a_non_loopback_address() {
    let output = run(&["--listen", "0.0.0.0:0"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("not a loopback address"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn binary_explains_its_options() {
    let output = run(&["--help"], &[]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("--allow-non-loopback") && text.contains("--webhook-url"));
}
