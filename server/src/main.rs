use std::{io::Write, process::ExitCode};

use server::{
    config::{Config, ConfigError, DatabaseConfig},
    db,
    startup::Application,
    telemetry,
};

const USAGE: &str = "usage: populatte [migrate]
  (no command)  serve the app (configuration from the environment; see .env.example)
  migrate       apply the pending database migrations with DATABASE_DIRECT_URL (default
                DATABASE_URL), then exit";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => serve().await,
        ["migrate"] => migrate().await,
        ["help" | "-h" | "--help"] => {
            // The answer a person asked for goes to standard output (the log is not set up).
            writeln!(std::io::stdout(), "{USAGE}").ok();
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn config_error(err: &ConfigError) -> ExitCode {
    eprintln!("error: {err}");
    eprintln!("See .env.example and the README for every variable.");
    ExitCode::from(2)
}

async fn serve() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => return config_error(&err),
    };
    telemetry::init(config.log_format);
    let result = async { Application::build(config).await?.run_until_stopped().await }.await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "start-up or serving failed");
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Needs the database settings only: a migration job has no Clerk keys to give.
async fn migrate() -> ExitCode {
    let config = match DatabaseConfig::from_env() {
        Ok(config) => config,
        Err(err) => return config_error(&err),
    };
    match db::migrate_command(&config).await {
        Ok(report) => {
            writeln!(std::io::stdout(), "{report}").ok();
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
