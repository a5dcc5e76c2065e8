//! The `clerk-emulator` binary's options: flags first, then `CLERK_EMULATOR_*` variables,
//! then defaults. Parsing is a pure function of the arguments and an environment lookup, so
//! tests need neither a process nor the real environment.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::{EmulatorConfig, WebhookTarget, config};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:3100";

pub const USAGE: &str = "\
clerk-emulator: an offline stand-in for Clerk (development and tests only)

USAGE: clerk-emulator [OPTIONS]

Each option can also be set through the environment variable in brackets; a flag wins.

  --listen ADDR             address to listen on [CLERK_EMULATOR_LISTEN] (default 127.0.0.1:3100)
  --base-url URL            public URL of the emulator, may end in a path the routes are mounted
                            under [CLERK_EMULATOR_BASE_URL] (default http://<listen address>)
  --image-base-url URL      where the default profile images are linked from, e.g. an app's
                            Frontend API proxy [CLERK_EMULATOR_IMAGE_BASE_URL] (default: the base URL)
  --key-file PATH           RSA signing key (PEM); generated and written (0600) if missing
                            [CLERK_EMULATOR_KEY_FILE] (default: a new key in memory each start)
  --state-file PATH         JSON file keeping users, deleted ids, sessions and templates
                            [CLERK_EMULATOR_STATE_FILE] (default: memory only)
  --token-lifetime SECS     session token lifetime [CLERK_EMULATOR_TOKEN_LIFETIME_SECS] (default 60)
  --secret-key KEY          the sk_test_… Backend API key [CLERK_EMULATOR_SECRET_KEY] (default random)
  --webhook-url URL         where user.* webhooks go [CLERK_EMULATOR_WEBHOOK_URL]
  --webhook-secret SECRET   whsec_… signing secret [CLERK_EMULATOR_WEBHOOK_SECRET] (default random)
  --omit-custom-claims      leave email and names out of session tokens
                            [CLERK_EMULATOR_OMIT_CUSTOM_CLAIMS=1]
  --no-seed                 do not create the seeded users [CLERK_EMULATOR_NO_SEED=1]
  --allowed-origin ORIGIN   also accept this app origin for redirects, CORS and azp; repeatable
                            [CLERK_EMULATOR_ALLOWED_ORIGINS, comma-separated]
  --allow-non-loopback      allow listening on a non-loopback address
                            [CLERK_EMULATOR_ALLOW_NON_LOOPBACK=1]
  -h, --help                show this help

It refuses to start in production (CLERK_EMULATOR_ENV, LEPTOS_ENV, APP_ENV or POPULATTE_ENV set
to production) or when CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY or CLERK_JWT_KEY is set.
";

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    Help,
    Run(Box<Options>),
}

#[derive(Debug)]
pub struct Options {
    pub listen: SocketAddr,
    pub allowed_origins: Vec<String>,
    pub config: EmulatorConfig,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}\nRun clerk-emulator --help for the options.")]
pub struct CliError(pub String);

const VALUED: [(&str, &str); 10] = [
    ("--listen", "CLERK_EMULATOR_LISTEN"),
    ("--base-url", "CLERK_EMULATOR_BASE_URL"),
    ("--image-base-url", "CLERK_EMULATOR_IMAGE_BASE_URL"),
    ("--key-file", "CLERK_EMULATOR_KEY_FILE"),
    ("--state-file", "CLERK_EMULATOR_STATE_FILE"),
    ("--token-lifetime", "CLERK_EMULATOR_TOKEN_LIFETIME_SECS"),
    ("--secret-key", "CLERK_EMULATOR_SECRET_KEY"),
    ("--webhook-url", "CLERK_EMULATOR_WEBHOOK_URL"),
    ("--webhook-secret", "CLERK_EMULATOR_WEBHOOK_SECRET"),
    ("--allowed-origin", "CLERK_EMULATOR_ALLOWED_ORIGINS"),
];
const SWITCHES: [(&str, &str); 3] = [
    ("--omit-custom-claims", "CLERK_EMULATOR_OMIT_CUSTOM_CLAIMS"),
    ("--no-seed", "CLERK_EMULATOR_NO_SEED"),
    ("--allow-non-loopback", "CLERK_EMULATOR_ALLOW_NON_LOOPBACK"),
];

/// Spellings this binary and the emulator mounted in the app once read differently, with the
/// name both read now. Setting an old one is an error rather than silently ignored.
pub const RETIRED_VARIABLES: [(&str, &str); 2] = [
    (
        "CLERK_EMULATOR_TOKEN_LIFETIME",
        "CLERK_EMULATOR_TOKEN_LIFETIME_SECS",
    ),
    (
        "CLERK_EMULATOR_OMIT_CLAIMS",
        "CLERK_EMULATOR_OMIT_CUSTOM_CLAIMS",
    ),
];

pub fn parse(
    args: impl IntoIterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Command, CliError> {
    for (retired, current) in RETIRED_VARIABLES {
        if env(retired).is_some() {
            return Err(CliError(format!(
                "{retired} is no longer read: use {current}"
            )));
        }
    }
    let mut values: Vec<(&'static str, String)> = Vec::new();
    let mut switches: Vec<&'static str> = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(Command::Help);
        }
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (arg.clone(), None),
        };
        if let Some((flag, _)) = VALUED.iter().find(|(f, _)| *f == name) {
            let value = match inline {
                Some(value) => value,
                None => args
                    .next()
                    .ok_or_else(|| CliError(format!("{flag} needs a value")))?,
            };
            values.push((flag, value));
        } else if let Some((flag, _)) = SWITCHES.iter().find(|(f, _)| *f == name) {
            if inline.is_some() {
                return Err(CliError(format!("{flag} takes no value")));
            }
            switches.push(flag);
        } else {
            return Err(CliError(format!("unknown option {arg}")));
        }
    }
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let value = |flag: &str| -> Option<String> {
        values
            .iter()
            .rev()
            .find(|(f, _)| *f == flag)
            .map(|(_, v)| v.clone())
            .or_else(|| {
                VALUED
                    .iter()
                    .find(|(f, _)| *f == flag)
                    .and_then(|(_, var)| env(var))
            })
    };
    let switch = |flag: &str| -> bool {
        switches.contains(&flag)
            || SWITCHES
                .iter()
                .find(|(f, _)| *f == flag)
                .and_then(|(_, var)| env(var))
                .is_some_and(|v| matches!(v.trim(), "1" | "true" | "yes" | "on"))
    };

    let listen_text = value("--listen").unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    let listen: SocketAddr = listen_text.parse().map_err(|_| {
        CliError(format!(
            "--listen {listen_text:?} is not an address like 127.0.0.1:3100"
        ))
    })?;
    if !listen.ip().is_loopback() && !switch("--allow-non-loopback") {
        return Err(CliError(format!(
            "refusing to listen on {listen}: it is not a loopback address, and anyone who reaches \
             the emulator can sign in as anyone. Use 127.0.0.1, or pass --allow-non-loopback if \
             you really mean it (e.g. inside a container)."
        )));
    }
    let base_url = match value("--base-url") {
        Some(raw) => Url::parse(&raw)
            .map_err(|e| CliError(format!("--base-url {raw:?} is not a URL: {e}")))?,
        None => {
            let host = if listen.ip().is_unspecified() {
                format!("127.0.0.1:{}", listen.port())
            } else {
                listen.to_string()
            };
            Url::parse(&format!("http://{host}"))
                .map_err(|e| CliError(format!("cannot derive a base URL from {listen}: {e}")))?
        }
    };

    let mut config = EmulatorConfig::new(base_url);
    config.image_base_url = value("--image-base-url")
        .map(|raw| {
            Url::parse(&raw)
                .ok()
                .filter(|url| matches!(url.scheme(), "http" | "https"))
                .ok_or_else(|| CliError(format!("--image-base-url {raw:?} is not an http(s) URL")))
        })
        .transpose()?;
    config.key_file = value("--key-file").map(PathBuf::from);
    config.state_file = value("--state-file").map(PathBuf::from);
    if let Some(raw) = value("--token-lifetime") {
        let secs: u64 = raw.trim().parse().map_err(|_| {
            CliError(format!(
                "--token-lifetime {raw:?} is not a number of seconds"
            ))
        })?;
        config.token_lifetime = Duration::from_secs(secs);
    }
    if let Some(key) = value("--secret-key") {
        config.secret_key = key;
    }
    config.webhook = match value("--webhook-url") {
        Some(raw) => {
            let url = Url::parse(&raw)
                .map_err(|e| CliError(format!("--webhook-url {raw:?} is not a URL: {e}")))?;
            if url.scheme() != "http" {
                return Err(CliError(format!(
                    "--webhook-url {raw:?}: only http:// is supported (the emulator is offline \
                     and has no TLS client)"
                )));
            }
            Some(WebhookTarget {
                url,
                signing_secret: value("--webhook-secret")
                    .unwrap_or_else(config::random_webhook_secret),
            })
        }
        None => None,
    };
    config.omit_custom_claims = switch("--omit-custom-claims");
    config.seed_users = !switch("--no-seed");

    let mut allowed_origins: Vec<String> = values
        .iter()
        .filter(|(f, _)| *f == "--allowed-origin")
        .map(|(_, v)| v.clone())
        .collect();
    if allowed_origins.is_empty()
        && let Some(list) = env("CLERK_EMULATOR_ALLOWED_ORIGINS")
    {
        allowed_origins = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
    }
    Ok(Command::Run(Box::new(Options {
        listen,
        allowed_origins,
        config,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str], env: &[(&str, &str)]) -> Result<Options, CliError> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        match parse(args.iter().map(|a| (*a).to_owned()), lookup)? {
            Command::Run(options) => Ok(*options),
            Command::Help => Err(CliError("help".into())),
        }
    }

    #[test]
    fn profile_images_can_be_linked_through_an_app_proxy() {
        assert_eq!(run(&[], &[]).expect("defaults").config.image_base_url, None);
        let flag = run(&["--image-base-url", "https://localhost:8443/__clerk"], &[]).expect("flag");
        assert_eq!(
            flag.config.image_base_url.map(String::from).as_deref(),
            Some("https://localhost:8443/__clerk")
        );
        let env = run(
            &[],
            &[("CLERK_EMULATOR_IMAGE_BASE_URL", "http://127.0.0.1:3000/x")],
        );
        assert!(env.expect("env").config.image_base_url.is_some());
        for bad in ["/__clerk", "ftp://h/x", "not a url"] {
            let error = run(&["--image-base-url", bad], &[]).expect_err(bad);
            assert!(error.0.contains("--image-base-url"), "{bad}: {error}");
        }
    }

    #[test]
    fn defaults_listen_on_loopback_3100() {
        let options = run(&[], &[]).expect("defaults");
        assert_eq!(options.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(options.config.base_url.as_str(), "http://127.0.0.1:3100/");
        assert!(options.config.webhook.is_none());
        assert!(options.config.seed_users);
    }

    #[test]
    fn refuses_non_loopback_unless_allowed() {
        let refused = run(&["--listen", "0.0.0.0:3100"], &[]).expect_err("refused");
        assert!(refused.0.contains("not a loopback address"), "{refused}");
        assert!(run(&["--listen=0.0.0.0:3100", "--allow-non-loopback"], &[]).is_ok());
        assert!(
            run(
                &["--listen", "0.0.0.0:3100"],
                &[("CLERK_EMULATOR_ALLOW_NON_LOOPBACK", "1")]
            )
            .is_ok()
        );
    }

    #[test]
    fn flags_win_over_environment() {
        let options = run(
            &[
                "--token-lifetime",
                "30",
                "--webhook-url",
                "http://127.0.0.1:3000/api/webhooks/clerk",
                "--allowed-origin",
                "http://localhost:3000",
                "--omit-custom-claims",
            ],
            &[
                ("CLERK_EMULATOR_TOKEN_LIFETIME_SECS", "90"),
                ("CLERK_EMULATOR_WEBHOOK_SECRET", "whsec_dGVzdA=="),
                ("CLERK_EMULATOR_NO_SEED", "true"),
            ],
        )
        .expect("parsed");
        assert_eq!(options.config.token_lifetime, Duration::from_secs(30));
        let webhook = options.config.webhook.expect("webhook");
        assert_eq!(webhook.signing_secret, "whsec_dGVzdA==");
        assert_eq!(options.allowed_origins, ["http://localhost:3000"]);
        assert!(options.config.omit_custom_claims);
        assert!(!options.config.seed_users);
    }

    #[test]
    fn variables_have_the_mounted_emulators_names() {
        let options = run(
            &[],
            &[
                ("CLERK_EMULATOR_TOKEN_LIFETIME_SECS", "90"),
                ("CLERK_EMULATOR_OMIT_CUSTOM_CLAIMS", "1"),
                ("CLERK_EMULATOR_SECRET_KEY", "sk_test_scripts"),
            ],
        )
        .expect("parsed");
        assert_eq!(options.config.token_lifetime, Duration::from_secs(90));
        assert!(options.config.omit_custom_claims);
        assert_eq!(options.config.secret_key, "sk_test_scripts");
    }

    #[test]
    fn a_retired_variable_is_refused_with_its_new_name() {
        for (retired, current) in RETIRED_VARIABLES {
            let refused = run(&[], &[(retired, "1")]).expect_err("refused");
            assert!(
                refused.0.contains(retired) && refused.0.contains(current),
                "{refused}"
            );
        }
    }

    #[test]
    fn bad_options_are_named() {
        assert!(
            run(&["--frobnicate"], &[])
                .expect_err("unknown")
                .0
                .contains("--frobnicate")
        );
        assert!(
            run(&["--token-lifetime", "soon"], &[])
                .expect_err("bad")
                .0
                .contains("--token-lifetime")
        );
        assert!(
            run(&["--listen"], &[])
                .expect_err("missing")
                .0
                .contains("needs a value")
        );
    }
}
