//! `clerk-emulator`: runs the emulator standalone and prints the variables an app needs.

use std::process::ExitCode;

use clerk_emulator::cli::{self, Command};
use clerk_emulator::{Emulator, guard};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    // Before anything else: nothing of the emulator may start where it must not run.
    if let Err(refusal) = guard::check(|name| std::env::var(name).ok()) {
        eprintln!("clerk-emulator: {refusal}");
        return ExitCode::from(2);
    }
    let options = match cli::parse(std::env::args().skip(1), |name| std::env::var(name).ok()) {
        Ok(Command::Help) => {
            print_text(cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(Command::Run(options)) => options,
        Err(error) => {
            eprintln!("clerk-emulator: {error}");
            return ExitCode::from(2);
        }
    };
    match run(*options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("clerk-emulator: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(options: cli::Options) -> Result<(), String> {
    let emulator = Emulator::start(options.config)
        .await
        .map_err(|e| e.to_string())?;
    for origin in &options.allowed_origins {
        emulator.allow_origin(origin).map_err(|e| e.to_string())?;
    }
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
    let base_path = emulator.api_url().path().trim_end_matches('/').to_owned();
    let app = if base_path.is_empty() {
        emulator.router()
    } else {
        axum::Router::new().nest(&base_path, emulator.router())
    };
    print_text(&start_banner(&emulator, &options.allowed_origins));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("server error: {e}"))
}

fn start_banner(emulator: &Emulator, allowed_origins: &[String]) -> String {
    let pem = emulator.public_key_pem().trim_end().replace('\n', "\\n");
    let mut text = format!(
        "\nClerk emulator listening at {issuer} (offline; development and tests only)\n\
         Sign-in page: {sign_in}\n\
         Control API:  {issuer}/_emulator\n\n\
         # For your app's environment (.env):\n\
         CLERK_PUBLISHABLE_KEY={pk}\n\
         CLERK_SECRET_KEY={sk}\n\
         CLERK_API_URL={api}\n\
         CLERK_JWT_KEY=\"{pem}\"\n\
         CLERK_JS_URL={script}\n\
         # Load clerk-js in proxy mode: data-clerk-proxy-url=\"{issuer}\"\n",
        issuer = emulator.issuer(),
        sign_in = emulator.sign_in_url(),
        pk = emulator.publishable_key(),
        sk = emulator.secret_key(),
        api = emulator.issuer(),
        script = emulator.script_url(),
    );
    if let Some(secret) = emulator.webhook_signing_secret() {
        text.push_str(&format!("CLERK_WEBHOOK_SIGNING_SECRET={secret}\n"));
    }
    if !allowed_origins.is_empty() {
        text.push_str(&format!(
            "CLERK_AUTHORIZED_PARTIES={}\n",
            allowed_origins.join(",")
        ));
    }
    text
}

#[allow(clippy::print_stdout)] // Printing these values is this binary's job.
fn print_text(text: &str) {
    println!("{text}");
}
