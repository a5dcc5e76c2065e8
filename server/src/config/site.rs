//! Where the site's files are and where the server listens: cargo-leptos's `LEPTOS_*`
//! variables, the hosting platforms' `PORT`, and the release bundle's layout.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use leptos::config::LeptosOptions;

use super::{ConfigError, Source, number};

pub(super) fn leptos_options(source: &impl Source) -> Result<LeptosOptions, ConfigError> {
    // leptos_config reads these itself; check them first so that an error names the variable.
    if let Some(addr) = source.get("LEPTOS_SITE_ADDR") {
        addr.parse::<SocketAddr>().map_err(|_| {
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
    #[cfg(feature = "bundle")]
    bundle::apply(source, &mut options)?;
    options.site_addr = listen_address(source, options.site_addr)?;
    Ok(options)
}

/// `PORT`, as every hosting platform sets it, replaces the port. With no `LEPTOS_SITE_ADDR`
/// beside it, the server listens on every interface (the platform's router reaches it from
/// outside the container); with one, on that address's interface.
fn listen_address(source: &impl Source, configured: SocketAddr) -> Result<SocketAddr, ConfigError> {
    if source.get("PORT").is_none() {
        return Ok(configured);
    }
    let port: u16 = number(source, "PORT", 0, 1..=65_535)?;
    let host = if source.get("LEPTOS_SITE_ADDR").is_some() {
        configured.ip()
    } else {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    };
    Ok(SocketAddr::new(host, port))
}

/// The release bundle (`scripts/release`): `populatte`, `hash.txt` and `site/` in one folder,
/// started from any working directory with environment variables only.
#[cfg(feature = "bundle")]
mod bundle {
    use std::path::PathBuf;

    use leptos::config::{Env, LeptosOptions};

    use super::super::{ConfigError, Source};

    /// The site beside the executable, hashed names on (the bundle is built with them, and
    /// leptos reads `hash.txt` beside the executable), production unless `LEPTOS_ENV` says
    /// otherwise. Each may be overridden by its variable; a missing piece stops start-up.
    pub(super) fn apply(
        source: &impl Source,
        options: &mut LeptosOptions,
    ) -> Result<(), ConfigError> {
        let dir = executable_folder()?;
        if source.get("LEPTOS_SITE_ROOT").is_none() {
            let site = dir.join("site");
            if !site.is_dir() {
                return Err(ConfigError::new(
                    "LEPTOS_SITE_ROOT",
                    format!(
                        "is not set and the bundle's site folder {} is missing: keep `site/` \
                         beside the populatte binary (scripts/release makes both), or set \
                         LEPTOS_SITE_ROOT",
                        site.display()
                    ),
                ));
            }
            options.site_root = site.to_string_lossy().as_ref().into();
        }
        if source.get("LEPTOS_HASH_FILES").is_none() {
            options.hash_files = true;
        }
        let hashes = dir.join(&*options.hash_file);
        if options.hash_files && !hashes.is_file() {
            return Err(ConfigError::new(
                "LEPTOS_HASH_FILES",
                format!(
                    "hashed asset names are on, but {} is missing: keep it beside the populatte \
                     binary (scripts/release puts it there)",
                    hashes.display()
                ),
            ));
        }
        if source.get("LEPTOS_ENV").is_none() {
            options.env = Env::PROD;
        }
        Ok(())
    }

    fn executable_folder() -> Result<PathBuf, ConfigError> {
        let unknown = |detail: String| {
            ConfigError::new(
                "LEPTOS_SITE_ROOT",
                format!(
                    "cannot find the populatte binary's folder ({detail}); set LEPTOS_SITE_ROOT"
                ),
            )
        };
        let exe = std::env::current_exe().map_err(|e| unknown(e.to_string()))?;
        exe.parent()
            .map(PathBuf::from)
            .ok_or_else(|| unknown("it has no parent folder".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCAL: &str = "127.0.0.1:3000";

    fn addr(vars: &[(&str, &str)]) -> Result<SocketAddr, ConfigError> {
        listen_address(&vars.to_vec(), LOCAL.parse().unwrap())
    }

    #[test]
    fn without_port_the_configured_address_stays() {
        assert_eq!(addr(&[]).unwrap(), LOCAL.parse().unwrap());
    }

    #[test]
    fn port_alone_listens_on_every_interface() {
        assert_eq!(
            addr(&[("PORT", "8080")]).unwrap(),
            "0.0.0.0:8080".parse().unwrap()
        );
    }

    #[test]
    fn port_beside_a_site_address_keeps_its_interface() {
        let vars = [("LEPTOS_SITE_ADDR", LOCAL), ("PORT", "8080")];
        assert_eq!(addr(&vars).unwrap(), "127.0.0.1:8080".parse().unwrap());
    }

    #[test]
    fn a_port_that_is_no_port_is_named() {
        for bad in ["0", "65536", "http", "-1"] {
            assert_eq!(
                addr(&[("PORT", bad)]).unwrap_err().variable,
                "PORT",
                "{bad}"
            );
        }
    }
}
