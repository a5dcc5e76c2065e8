use std::process::ExitCode;

use server::{config::Config, startup::Application, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            eprintln!("See .env.example and the README for every variable.");
            return ExitCode::from(2);
        }
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
