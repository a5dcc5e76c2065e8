//! Clerk's own Node SDK (`@clerk/backend`, pinned in `tests/node/package-lock.json`) drives a
//! real emulator: `node --test` runs `tests/node/backend-sdk.test.mjs` against it.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{SECRET_KEY, spawn};

/// Generous: the SDK's own retries on a failure would take about a minute.
const NODE_TIMEOUT: Duration = Duration::from_secs(120);

fn node_package() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clerks_node_sdk_drives_the_backend_api_unchanged() {
    let package = node_package();
    assert!(
        package
            .join("node_modules/@clerk/backend/package.json")
            .is_file(),
        "@clerk/backend is not installed in {}: run scripts/setup (it runs npm ci there)",
        package.display()
    );
    let test = spawn().await;
    let mut command = Command::new("node");
    command
        .arg("--test")
        .arg("backend-sdk.test.mjs")
        .current_dir(&package)
        .env("CLERK_API_URL", &test.base)
        .env("CLERK_SECRET_KEY", SECRET_KEY)
        .env("CLERK_JWT_KEY", test.emulator.public_key_pem())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = tokio::task::spawn_blocking(move || run_with_timeout(command))
        .await
        .expect("node runner");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "node --test failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    // The runner's summary: every test passed and there were some.
    assert!(stdout.contains("# fail 0"), "{stdout}");
    assert!(!stdout.contains("# pass 0"), "{stdout}");
}

/// Runs the command, killing it after [`NODE_TIMEOUT`].
fn run_with_timeout(mut command: Command) -> std::process::Output {
    let mut child = command
        .spawn()
        .expect("node must be on PATH (Node 20 or later; scripts/setup checks it)");
    let deadline = Instant::now() + NODE_TIMEOUT;
    loop {
        if child.try_wait().expect("wait for node").is_some() {
            return child.wait_with_output().expect("node output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("node output");
            panic!(
                "node --test did not finish within {NODE_TIMEOUT:?}:\n{}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
