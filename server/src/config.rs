//! Typed configuration, read once from the environment at start-up.
//!
//! Every variable is validated here, so a bad value stops the process before it serves
//! anything, with a message that names the variable. `.env.example` documents each one.

mod clerk;
mod frontend_api;
mod serving;
mod site;
mod urls;

use std::{str::FromStr, time::Duration};

use leptos::config::LeptosOptions;
use sqlx::postgres::PgConnectOptions;

pub(crate) use clerk::{
    ClerkConfig, ClerkKeys, ClerkMode, ProxySettings, PublishableKey, TokenKeys,
};
pub(crate) use frontend_api::ProxyUrl;
pub(crate) use serving::ServingConfig;

use crate::db::Pooler;

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

/// Where the database is and how to reach it (`DATABASE_*`).
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `DATABASE_URL`: every query; may be a transaction-mode pooler.
    pub(crate) connect_options: PgConnectOptions,
    /// `DATABASE_DIRECT_URL` (default `DATABASE_URL`): what needs a session of its own,
    /// LISTEN and the migrations' advisory lock. `None` when it is `DATABASE_URL` itself.
    pub(crate) direct_options: Option<PgConnectOptions>,
    /// `DATABASE_POOLER`: what stands behind `DATABASE_URL`.
    pub(crate) pooler: Pooler,
    /// `DATABASE_MIGRATE_ON_START`: apply migrations at start-up, or only check the schema.
    pub(crate) migrate_on_start: bool,
    pub(crate) max_connections: u32,
    /// How long a request waits for a pooled connection before the database counts as down.
    pub(crate) acquire_timeout: Duration,
}

impl DatabaseConfig {
    /// The database settings alone, for `populatte migrate`, which needs nothing else.
    pub fn from_env() -> Result<Self, ConfigError> {
        database(&Environment)
    }

    /// The database settings from `source`, as [`Config::load`] reads them.
    pub fn load(source: &impl Source) -> Result<Self, ConfigError> {
        database(source)
    }
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
    /// The HTTP server's own limits and the proxies in front of it.
    pub(crate) serving: ServingConfig,
    pub(crate) caches: CacheConfig,
    pub log_format: LogFormat,
    pub(crate) clerk: ClerkConfig,
    /// Real Clerk or the offline emulator, decided (and checked) once here.
    pub(crate) clerk_mode: ClerkMode,
    /// The emulator's settings; used only in emulator mode.
    #[cfg(feature = "emulator")]
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
        let leptos = site::leptos_options(source)?;
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
            serving: ServingConfig::load(source)?,
            caches: CacheConfig::load(source)?,
            log_format: log_format(source)?,
            clerk,
            clerk_mode,
            #[cfg(feature = "emulator")]
            emulator: emulator_settings(source)?,
        })
    }
}

fn database(source: &impl Source) -> Result<DatabaseConfig, ConfigError> {
    const VAR: &str = "DATABASE_URL";
    const DIRECT: &str = "DATABASE_DIRECT_URL";
    let url = source.get(VAR).ok_or_else(|| {
        ConfigError::new(
            VAR,
            "not set; give a PostgreSQL URL such as postgres://user:password@localhost:5432/populatte \
             (scripts/run starts a local database and sets it for you)",
        )
    })?;
    let connect_options = postgres_url(VAR, &url)?;
    let direct_url = source.get(DIRECT).filter(|direct| *direct != url);
    let direct_options = direct_url
        .as_deref()
        .map(|direct| postgres_url(DIRECT, direct))
        .transpose()?;
    // A separate direct URL is there because DATABASE_URL is a pooler (Prisma's `directUrl`
    // convention): the safe reading unless told otherwise.
    let pooler = match source.get("DATABASE_POOLER").as_deref() {
        None if direct_options.is_some() => Pooler::Transaction,
        None | Some("none") => Pooler::None,
        Some("transaction") => Pooler::Transaction,
        Some(_) => {
            return Err(ConfigError::new(
                "DATABASE_POOLER",
                "must be `transaction` (a transaction-mode pooler such as PgBouncer's \
                 pool_mode = transaction) or `none` (a direct connection or a session-mode pooler)",
            ));
        }
    };
    if pooler == Pooler::Transaction && direct_options.is_none() {
        // LISTEN and the migrations' session lock would silently go through the pooler.
        return Err(ConfigError::new(
            DIRECT,
            "required (and different from DATABASE_URL) with DATABASE_POOLER=transaction: \
             LISTEN and migrations need a direct connection to PostgreSQL",
        ));
    }
    let migrate_on_start = match source.get("DATABASE_MIGRATE_ON_START").as_deref() {
        None | Some("true" | "1") => true,
        Some("false" | "0") => false,
        Some(_) => {
            return Err(ConfigError::new(
                "DATABASE_MIGRATE_ON_START",
                "must be true or false",
            ));
        }
    };
    Ok(DatabaseConfig {
        connect_options,
        direct_options,
        pooler,
        migrate_on_start,
        max_connections: number(source, "DATABASE_MAX_CONNECTIONS", 10, 1..=1000)?,
        acquire_timeout: Duration::from_millis(number(
            source,
            "DATABASE_ACQUIRE_TIMEOUT_MS",
            3000,
            50..=60_000,
        )?),
    })
}

fn postgres_url(variable: &'static str, url: &str) -> Result<PgConnectOptions, ConfigError> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(ConfigError::new(
            variable,
            "must start with postgres:// or postgresql://",
        ));
    }
    // sqlx's own message may quote the URL, password included: never pass it on.
    PgConnectOptions::from_str(url)
        .map_err(|_| ConfigError::new(variable, "is not a valid PostgreSQL connection URL"))
}

/// The emulator's own settings (`CLERK_EMULATOR_*`), used only when it runs.
#[cfg(feature = "emulator")]
#[derive(Debug, Clone)]
pub(crate) struct EmulatorSettings {
    pub(crate) key_file: Option<std::path::PathBuf>,
    pub(crate) state_file: Option<std::path::PathBuf>,
    pub(crate) token_lifetime: Duration,
    pub(crate) omit_custom_claims: bool,
    /// The Backend API key scripts use to drive the emulator; random when unset.
    pub(crate) secret_key: Option<Secret>,
}

#[cfg(feature = "emulator")]
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

#[cfg(feature = "emulator")]
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
        Some(path) => Some(std::path::PathBuf::from(path)),
        None => Some(std::path::PathBuf::from(default)),
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

    const POOLED: (&str, &str) = ("DATABASE_URL", "postgres://app:pw@pooler:6432/populatte");
    const DIRECT: (&str, &str) = (
        "DATABASE_DIRECT_URL",
        "postgres://app:pw@primary:5432/populatte",
    );

    #[test]
    fn without_a_direct_url_the_database_is_direct_and_migrated_at_start() {
        let database = Config::load(&[DB]).unwrap().database;
        assert_eq!(database.pooler, Pooler::None);
        assert!(database.direct_options.is_none());
        assert!(database.migrate_on_start);
    }

    #[test]
    fn a_separate_direct_url_means_a_transaction_pooler_unless_told_otherwise() {
        let database = Config::load(&[POOLED, DIRECT]).unwrap().database;
        assert_eq!(database.pooler, Pooler::Transaction);
        let direct = database.direct_options.expect("a direct connection");
        assert_eq!(direct.get_host(), "primary");
        assert_eq!(database.connect_options.get_host(), "pooler");
        let database = Config::load(&[POOLED, DIRECT, ("DATABASE_POOLER", "none")])
            .unwrap()
            .database;
        assert_eq!(database.pooler, Pooler::None);
        assert!(database.direct_options.is_some());
    }

    #[test]
    fn a_direct_url_equal_to_the_database_url_is_no_separate_connection() {
        let database = Config::load(&[DB, ("DATABASE_DIRECT_URL", DB.1)])
            .unwrap()
            .database;
        assert_eq!(database.pooler, Pooler::None);
        assert!(database.direct_options.is_none());
    }

    #[test]
    fn a_transaction_pooler_without_a_direct_url_is_refused() {
        // LISTEN would be accepted by the pooler and never hear anything.
        assert_eq!(
            error_variable(Config::load(&[POOLED, ("DATABASE_POOLER", "transaction")])),
            "DATABASE_DIRECT_URL"
        );
        assert_eq!(
            error_variable(Config::load(&[
                POOLED,
                ("DATABASE_DIRECT_URL", POOLED.1),
                ("DATABASE_POOLER", "transaction"),
            ])),
            "DATABASE_DIRECT_URL"
        );
    }

    #[test]
    fn database_settings_are_named_when_wrong() {
        assert_eq!(
            error_variable(Config::load(&[DB, ("DATABASE_POOLER", "statement")])),
            "DATABASE_POOLER"
        );
        assert_eq!(
            error_variable(Config::load(&[DB, ("DATABASE_MIGRATE_ON_START", "no")])),
            "DATABASE_MIGRATE_ON_START"
        );
        let err = Config::load(&[
            DB,
            (
                "DATABASE_DIRECT_URL",
                "postgres://user:sekrit@host:notaport/db",
            ),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "DATABASE_DIRECT_URL");
        assert!(!err.to_string().contains("sekrit"), "{err}");
    }

    #[test]
    fn migrations_at_start_can_be_left_to_the_migrate_command() {
        let database = Config::load(&[DB, ("DATABASE_MIGRATE_ON_START", "false")])
            .unwrap()
            .database;
        assert!(!database.migrate_on_start);
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
