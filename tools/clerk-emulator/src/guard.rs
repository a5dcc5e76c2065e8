//! The production guard: the emulator signs tokens anyone can mint, so it must never run
//! where real users are.

/// Why the emulator refused to run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    #[error(
        "the Clerk emulator refuses to run in production ({variable}={value}): it lets anyone \
         sign in as anyone. Configure real Clerk keys (CLERK_PUBLISHABLE_KEY, CLERK_SECRET_KEY) \
         for production, or unset {variable} for local development."
    )]
    Production {
        variable: &'static str,
        value: String,
    },
    #[error(
        "the Clerk emulator refuses to run because {variable} is set: real Clerk keys are \
         configured, so use real Clerk. To use the emulator instead, unset CLERK_SECRET_KEY, \
         CLERK_PUBLISHABLE_KEY and CLERK_JWT_KEY."
    )]
    RealClerkKeys { variable: &'static str },
}

/// Variables whose non-empty value means real Clerk is configured.
pub const CLERK_KEY_VARIABLES: [&str; 3] =
    ["CLERK_SECRET_KEY", "CLERK_PUBLISHABLE_KEY", "CLERK_JWT_KEY"];

/// The variables whose value `production` (or `prod`, case-insensitive) means production
/// mode: the emulator's own `CLERK_EMULATOR_ENV`, which any host can set; Leptos's
/// `LEPTOS_ENV` (`PROD`); the common `APP_ENV`; and `POPULATTE_ENV`, the switch of the app
/// this crate grew up in, kept so that its deployments stay refused.
pub const PRODUCTION_SWITCHES: [&str; 4] = [
    "CLERK_EMULATOR_ENV",
    "LEPTOS_ENV",
    "APP_ENV",
    "POPULATTE_ENV",
];

/// Refuses when the emulator must not run: production mode (any of [`PRODUCTION_SWITCHES`]
/// says `production` or `prod`, case-insensitive) or real Clerk keys in the environment (any
/// of `CLERK_SECRET_KEY`, `CLERK_PUBLISHABLE_KEY`, `CLERK_JWT_KEY` set and non-empty). Takes a lookup function so it
/// is testable without touching the process environment: pass
/// `|name| std::env::var(name).ok()`.
pub fn check(env: impl Fn(&str) -> Option<String>) -> Result<(), GuardError> {
    check_mode(&env)?;
    for variable in CLERK_KEY_VARIABLES {
        if env(variable).is_some_and(|v| !v.trim().is_empty()) {
            return Err(GuardError::RealClerkKeys { variable });
        }
    }
    Ok(())
}

/// The production-mode half of [`check`]. [`crate::Emulator::start`] applies it to the
/// process environment itself, as a last line of defence should a host forget the guard.
pub fn check_mode(env: impl Fn(&str) -> Option<String>) -> Result<(), GuardError> {
    for variable in PRODUCTION_SWITCHES {
        if let Some(value) = env(variable) {
            let mode = value.trim().to_ascii_lowercase();
            if mode == "prod" || mode == "production" {
                return Err(GuardError::Production { variable, value });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn refuses_leptos_production_mode() {
        for value in ["PROD", "production", "Prod"] {
            assert_eq!(
                check(env(&[("LEPTOS_ENV", value)])),
                Err(GuardError::Production {
                    variable: "LEPTOS_ENV",
                    value: value.into()
                })
            );
        }
    }

    #[test]
    fn refuses_production_app_env() {
        for variable in ["APP_ENV", "POPULATTE_ENV"] {
            let refused = check(env(&[(variable, "production")]));
            assert!(
                matches!(refused, Err(GuardError::Production { variable: v, .. }) if v == variable)
            );
        }
    }

    #[test]
    fn refuses_the_emulators_own_production_switch() {
        assert_eq!(
            check(env(&[("CLERK_EMULATOR_ENV", "Production")])),
            Err(GuardError::Production {
                variable: "CLERK_EMULATOR_ENV",
                value: "Production".into()
            })
        );
        assert_eq!(check(env(&[("CLERK_EMULATOR_ENV", "test")])), Ok(()));
    }

    #[test]
    fn refuses_each_real_clerk_key() {
        for variable in CLERK_KEY_VARIABLES {
            let refused = check(env(&[(variable, "sk_live_or_pem")]));
            assert_eq!(refused, Err(GuardError::RealClerkKeys { variable }));
            let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(
                message.contains(variable) && message.contains("unset"),
                "{message}"
            );
        }
    }

    #[test]
    fn allows_development() {
        assert_eq!(check(env(&[])), Ok(()));
        assert_eq!(
            check(env(&[
                ("LEPTOS_ENV", "DEV"),
                ("APP_ENV", "development"),
                ("CLERK_SECRET_KEY", ""),
                ("CLERK_JWT_KEY", "  "),
            ])),
            Ok(())
        );
    }

    #[test]
    fn production_message_says_what_to_do() {
        let message = check(env(&[("LEPTOS_ENV", "PROD")]))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("LEPTOS_ENV=PROD"), "{message}");
        assert!(message.contains("CLERK_SECRET_KEY"), "{message}");
    }
}
