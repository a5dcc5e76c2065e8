//! Typed configuration, read once from the environment at start-up.
//!
//! Every variable is validated here, so a bad value stops the process before it serves
//! anything, with a message that names the variable. `.env.example` documents each one.

mod clerk;

use std::{path::PathBuf, str::FromStr, time::Duration};

use leptos::config::LeptosOptions;
use sqlx::postgres::PgConnectOptions;

pub(crate) use clerk::{ClerkConfig, ClerkKeys, ClerkMode, PublishableKey, TokenKeys};

/// A configuration value that was missing or malformed.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {variable}: {problem}")]
pub struct ConfigError {
    pub(crate) variable: &'static str,
    pub(crate) problem: String,
}

impl ConfigError {
    pub(crate) fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self {
            variable,
            problem: problem.into(),
        }
    }
}

/// A string that must never reach a log line.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub(crate) struct DatabaseConfig {
    pub(crate) connect_options: PgConnectOptions,
    pub(crate) max_connections: u32,
    /// How long a request waits for a pooled connection before the database counts as down.
    pub(crate) acquire_timeout: Duration,
}

#[derive(Debug, Clone)]
pub(crate) struct HttpConfig {
    pub(crate) request_timeout: Duration,
    pub(crate) body_limit_bytes: usize,
}

/// The bounds of the in-process caches (see the README for what each costs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheConfig {
    /// The verified-token cache, in bytes of tokens and claims (`AUTH_TOKEN_CACHE_MIB`).
    pub(crate) token_cache_bytes: u64,
    /// Users kept in the user cache (`AUTH_USER_CACHE_ENTRIES`).
    pub(crate) user_cache_entries: usize,
    /// Clerk Backend API answers kept (`CLERK_API_CACHE_ENTRIES`).
    pub(crate) clerk_api_cache_entries: usize,
}

impl CacheConfig {
    /// The verified-token cache's default bound: 64 MiB (`AUTH_TOKEN_CACHE_MIB`).
    pub const DEFAULT_TOKEN_CACHE_BYTES: u64 = 64 * 1024 * 1024;
    /// The user cache's default bound (`AUTH_USER_CACHE_ENTRIES`).
    pub const DEFAULT_USER_CACHE_ENTRIES: usize = 100_000;
    /// The Clerk Backend API answers kept by default (`CLERK_API_CACHE_ENTRIES`).
    pub(crate) const DEFAULT_CLERK_API_CACHE_ENTRIES: usize = 10_000;

    fn load(source: &impl Source) -> Result<Self, ConfigError> {
        let mib: u64 = number(
            source,
            "AUTH_TOKEN_CACHE_MIB",
            Self::DEFAULT_TOKEN_CACHE_BYTES >> 20,
            1..=65_536,
        )?;
        Ok(Self {
            token_cache_bytes: mib << 20,
            user_cache_entries: number(
                source,
                "AUTH_USER_CACHE_ENTRIES",
                Self::DEFAULT_USER_CACHE_ENTRIES,
                1..=10_000_000,
            )?,
            clerk_api_cache_entries: number(
                source,
                "CLERK_API_CACHE_ENTRIES",
                Self::DEFAULT_CLERK_API_CACHE_ENTRIES,
                1..=1_000_000,
            )?,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub leptos: LeptosOptions,
    pub(crate) database: DatabaseConfig,
    pub(crate) http: HttpConfig,
    pub(crate) caches: CacheConfig,
    pub log_format: LogFormat,
    pub(crate) clerk: ClerkConfig,
    /// Real Clerk or the offline emulator, decided (and checked) once here.
    pub(crate) clerk_mode: ClerkMode,
    /// The emulator's settings; used only in emulator mode.
    pub(crate) emulator: EmulatorSettings,
}

/// Where configuration values come from: the process environment in production, a map in tests.
pub trait Source {
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment. Empty values count as unset, as in most `.env` tooling.
pub(crate) struct Environment;

impl Source for Environment {
    fn get(&self, name: &str) -> Option<String> {
        set(std::env::var(name).ok())
    }
}

/// A blank value counts as unset, whatever the source.
fn set(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// Variables given as pairs, for tests: the last value of a name wins (so a test can override
/// a default it was handed), and a blank value counts as unset, as in [`Environment`].
fn lookup(pairs: &[(&str, &str)], name: &str) -> Option<String> {
    set(pairs
        .iter()
        .rev()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| (*v).to_owned()))
}

impl<const N: usize> Source for [(&str, &str); N] {
    fn get(&self, name: &str) -> Option<String> {
        lookup(self, name)
    }
}

impl Source for Vec<(&str, &str)> {
    fn get(&self, name: &str) -> Option<String> {
        lookup(self, name)
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::load(&Environment)
    }

    pub fn load(source: &impl Source) -> Result<Self, ConfigError> {
        let leptos = leptos_options(source)?;
        let clerk = ClerkConfig::load(source)?;
        let clerk_mode = clerk.mode(
            matches!(leptos.env, leptos::config::Env::PROD),
            !cfg!(debug_assertions),
        )?;
        Ok(Self {
            leptos,
            database: database(source)?,
            http: HttpConfig {
                request_timeout: Duration::from_secs(number(
                    source,
                    "REQUEST_TIMEOUT_SECS",
                    30,
                    1..=600,
                )?),
                body_limit_bytes: number(
                    source,
                    "REQUEST_BODY_LIMIT_BYTES",
                    1024 * 1024,
                    1024..=64 * 1024 * 1024,
                )?,
            },
            caches: CacheConfig::load(source)?,
            log_format: log_format(source)?,
            clerk,
            clerk_mode,
            emulator: emulator_settings(source)?,
        })
    }
}

fn database(source: &impl Source) -> Result<DatabaseConfig, ConfigError> {
    const VAR: &str = "DATABASE_URL";
    let url = source.get(VAR).ok_or_else(|| {
        ConfigError::new(
            VAR,
            "not set; give a PostgreSQL URL such as postgres://user:password@localhost:5432/populatte \
             (scripts/run starts a local database and sets it for you)",
        )
    })?;
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(ConfigError::new(
            VAR,
            "must start with postgres:// or postgresql://",
        ));
    }
    // sqlx's own message may quote the URL, password included: never pass it on.
    let connect_options = PgConnectOptions::from_str(&url)
        .map_err(|_| ConfigError::new(VAR, "is not a valid PostgreSQL connection URL"))?;
    Ok(DatabaseConfig {
        connect_options,
        max_connections: number(source, "DATABASE_MAX_CONNECTIONS", 10, 1..=1000)?,
        acquire_timeout: Duration::from_millis(number(
            source,
            "DATABASE_ACQUIRE_TIMEOUT_MS",
            3000,
            50..=60_000,
        )?),
    })
}

fn leptos_options(source: &impl Source) -> Result<LeptosOptions, ConfigError> {
    // leptos_config reads these itself; check them first so that an error names the variable.
    if let Some(addr) = source.get("LEPTOS_SITE_ADDR") {
        addr.parse::<std::net::SocketAddr>().map_err(|_| {
            ConfigError::new(
                "LEPTOS_SITE_ADDR",
                "must be an address and port such as 127.0.0.1:3000",
            )
        })?;
    }
    if let Some(env) = source.get("LEPTOS_ENV")
        && !matches!(
            env.to_ascii_lowercase().as_str(),
            "dev" | "development" | "prod" | "production"
        )
    {
        return Err(ConfigError::new(
            "LEPTOS_ENV",
            "must be DEV or PROD (development or production)",
        ));
    }
    let mut options = leptos::config::get_configuration(None)
        .map_err(|e| ConfigError::new("LEPTOS_*", e.to_string()))?
        .leptos_options;
    if options.output_name.is_empty() {
        // Running the binary without cargo-leptos (tests, a plain `cargo run`).
        options.output_name = "populatte".into();
    }
    Ok(options)
}

/// The emulator's own settings (`CLERK_EMULATOR_*`), used only when it runs.
#[derive(Debug, Clone)]
pub(crate) struct EmulatorSettings {
    pub(crate) key_file: Option<PathBuf>,
    pub(crate) state_file: Option<PathBuf>,
    pub(crate) token_lifetime: Duration,
    pub(crate) omit_custom_claims: bool,
    /// The Backend API key scripts use to drive the emulator; random when unset.
    pub(crate) secret_key: Option<Secret>,
}

/// Spellings the mounted and the standalone emulator once read differently, with the name
/// both read now. Setting an old one is an error rather than silently ignored.
const RETIRED_EMULATOR_VARIABLES: [(&str, &str); 2] = [
    (
        "CLERK_EMULATOR_TOKEN_LIFETIME",
        "CLERK_EMULATOR_TOKEN_LIFETIME_SECS",
    ),
    (
        "CLERK_EMULATOR_OMIT_CLAIMS",
        "CLERK_EMULATOR_OMIT_CUSTOM_CLAIMS",
    ),
];

fn emulator_settings(source: &impl Source) -> Result<EmulatorSettings, ConfigError> {
    for (retired, current) in RETIRED_EMULATOR_VARIABLES {
        if source.get(retired).is_some() {
            return Err(ConfigError::new(
                retired,
                format!("is no longer read: use {current}"),
            ));
        }
    }
    // Kept under target/ (git-ignored): the key survives restarts, so tokens and cookies do.
    let path = |variable: &str, default: &str| match source.get(variable).as_deref() {
        Some("none") => None,
        Some(path) => Some(PathBuf::from(path)),
        None => Some(PathBuf::from(default)),
    };
    let omit_custom_claims = match source.get("CLERK_EMULATOR_OMIT_CUSTOM_CLAIMS").as_deref() {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => {
            return Err(ConfigError::new(
                "CLERK_EMULATOR_OMIT_CUSTOM_CLAIMS",
                "must be true or false",
            ));
        }
    };
    let secret_key = match source.get("CLERK_EMULATOR_SECRET_KEY") {
        // The emulator's own rule: a development key, so it is never mistaken for a real one.
        Some(key) if !key.starts_with("sk_test_") || key.len() < 12 => {
            return Err(ConfigError::new(
                "CLERK_EMULATOR_SECRET_KEY",
                "must be a development key: sk_test_ followed by at least 4 characters",
            ));
        }
        key => key.map(Secret::new),
    };
    Ok(EmulatorSettings {
        key_file: path(
            "CLERK_EMULATOR_KEY_FILE",
            "target/clerk-emulator/signing-key.pem",
        ),
        state_file: path(
            "CLERK_EMULATOR_STATE_FILE",
            "target/clerk-emulator/state.json",
        ),
        token_lifetime: Duration::from_secs(number(
            source,
            "CLERK_EMULATOR_TOKEN_LIFETIME_SECS",
            60,
            1..=86_400,
        )?),
        omit_custom_claims,
        secret_key,
    })
}

fn log_format(source: &impl Source) -> Result<LogFormat, ConfigError> {
    match source.get("LOG_FORMAT").as_deref() {
        None | Some("text") => Ok(LogFormat::Text),
        Some("json") => Ok(LogFormat::Json),
        Some(_) => Err(ConfigError::new("LOG_FORMAT", "must be `text` or `json`")),
    }
}

fn number<T>(
    source: &impl Source,
    variable: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(raw) = source.get(variable) else {
        return Ok(default);
    };
    let value: T = raw.trim().parse().map_err(|_| {
        ConfigError::new(
            variable,
            format!(
                "must be a whole number from {} to {}",
                range.start(),
                range.end()
            ),
        )
    })?;
    if !range.contains(&value) {
        return Err(ConfigError::new(
            variable,
            format!("must be from {} to {}", range.start(), range.end()),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DB: (&str, &str) = ("DATABASE_URL", "postgres://app:pw@localhost:5432/populatte");

    fn error_variable(result: Result<Config, ConfigError>) -> &'static str {
        result
            .expect_err("configuration should be refused")
            .variable
    }

    #[test]
    fn minimal_configuration_loads_with_defaults() {
        let config = Config::load(&[DB]).unwrap();
        assert_eq!(config.database.max_connections, 10);
        assert_eq!(config.http.request_timeout, Duration::from_secs(30));
        assert_eq!(config.http.body_limit_bytes, 1024 * 1024);
        assert_eq!(config.log_format, LogFormat::Text);
        assert!(!config.clerk.is_configured());
    }

    #[test]
    fn missing_database_url_is_named() {
        assert_eq!(error_variable(Config::load(&[])), "DATABASE_URL");
    }

    #[test]
    fn malformed_database_url_is_named_without_echoing_it() {
        for url in [
            "mysql://x@y/z",
            "postgres://user:sekrit@host:notaport/db",
            "nonsense",
        ] {
            let err = Config::load(&[("DATABASE_URL", url)]).unwrap_err();
            assert_eq!(err.variable, "DATABASE_URL", "{url}");
            assert!(!err.to_string().contains("sekrit"), "{err}");
        }
    }

    #[test]
    fn numbers_out_of_range_or_not_numbers_are_named() {
        assert_eq!(
            error_variable(Config::load(&[DB, ("DATABASE_MAX_CONNECTIONS", "0")])),
            "DATABASE_MAX_CONNECTIONS"
        );
        assert_eq!(
            error_variable(Config::load(&[DB, ("REQUEST_TIMEOUT_SECS", "ten")])),
            "REQUEST_TIMEOUT_SECS"
        );
        assert_eq!(
            error_variable(Config::load(&[DB, ("REQUEST_BODY_LIMIT_BYTES", "-1")])),
            "REQUEST_BODY_LIMIT_BYTES"
        );
    }

    #[test]
    fn cache_bounds_have_defaults_and_are_named_when_wrong() {
        let caches = Config::load(&[DB]).unwrap().caches;
        assert_eq!(caches.token_cache_bytes, 64 << 20);
        assert_eq!(caches.user_cache_entries, 100_000);
        assert_eq!(caches.clerk_api_cache_entries, 10_000);
        let caches = Config::load(&[DB, ("AUTH_TOKEN_CACHE_MIB", "8")])
            .unwrap()
            .caches;
        assert_eq!(caches.token_cache_bytes, 8 << 20);
        for variable in [
            "AUTH_TOKEN_CACHE_MIB",
            "AUTH_USER_CACHE_ENTRIES",
            "CLERK_API_CACHE_ENTRIES",
        ] {
            assert_eq!(
                error_variable(Config::load(&[DB, (variable, "0")])),
                variable
            );
        }
    }

    #[test]
    fn log_format_must_be_known() {
        let config = Config::load(&[DB, ("LOG_FORMAT", "json")]).unwrap();
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(
            error_variable(Config::load(&[DB, ("LOG_FORMAT", "xml")])),
            "LOG_FORMAT"
        );
    }

    #[test]
    fn leptos_variables_are_checked_by_name() {
        assert_eq!(
            error_variable(Config::load(&[DB, ("LEPTOS_SITE_ADDR", "localhost")])),
            "LEPTOS_SITE_ADDR"
        );
        assert_eq!(
            error_variable(Config::load(&[DB, ("LEPTOS_ENV", "staging")])),
            "LEPTOS_ENV"
        );
    }

    #[test]
    fn emulator_variables_have_the_standalone_emulators_names() {
        let settings = Config::load(&[
            DB,
            ("CLERK_EMULATOR_TOKEN_LIFETIME_SECS", "90"),
            ("CLERK_EMULATOR_OMIT_CUSTOM_CLAIMS", "true"),
        ])
        .unwrap()
        .emulator;
        assert_eq!(settings.token_lifetime, Duration::from_secs(90));
        assert!(settings.omit_custom_claims);
        assert_eq!(
            error_variable(Config::load(&[
                DB,
                ("CLERK_EMULATOR_OMIT_CUSTOM_CLAIMS", "maybe")
            ])),
            "CLERK_EMULATOR_OMIT_CUSTOM_CLAIMS"
        );
    }

    #[test]
    fn a_retired_emulator_variable_is_a_start_up_error_naming_its_new_name() {
        for (retired, current) in [
            (
                "CLERK_EMULATOR_TOKEN_LIFETIME",
                "CLERK_EMULATOR_TOKEN_LIFETIME_SECS",
            ),
            (
                "CLERK_EMULATOR_OMIT_CLAIMS",
                "CLERK_EMULATOR_OMIT_CUSTOM_CLAIMS",
            ),
        ] {
            let err = Config::load(&[DB, (retired, "1")]).unwrap_err();
            assert_eq!(err.variable, retired);
            assert!(err.to_string().contains(current), "{err}");
        }
    }

    #[test]
    fn the_emulator_secret_key_is_read_and_must_be_a_development_key() {
        let settings = Config::load(&[DB]).unwrap().emulator;
        assert!(settings.secret_key.is_none(), "random unless set");
        let settings = Config::load(&[DB, ("CLERK_EMULATOR_SECRET_KEY", "sk_test_scripts")])
            .unwrap()
            .emulator;
        assert_eq!(
            settings.secret_key.as_ref().map(Secret::expose),
            Some("sk_test_scripts")
        );
        for bad in ["sk_live_0123456789", "sk_test_ab", "whatever"] {
            let err = Config::load(&[DB, ("CLERK_EMULATOR_SECRET_KEY", bad)]).unwrap_err();
            assert_eq!(err.variable, "CLERK_EMULATOR_SECRET_KEY", "{bad}");
            assert!(!err.to_string().contains(bad), "not echoed: {err}");
        }
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let secret = Secret::new("sk_test_abc");
        assert_eq!(format!("{secret:?}"), "Secret([redacted])");
    }
}
