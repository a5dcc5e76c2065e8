//! The people a fresh emulator starts with.

use super::model::{NewUser, StateData, StoreEvent};

/// A seeded user. The password is public on purpose: it is shown on the sign-in page and in
/// the README, so that a person can sign in with email and password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seed {
    pub id: &'static str,
    pub email: &'static str,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub password: &'static str,
}

/// Seeded users; each password is the name and the year of birth.
pub const SEEDS: [Seed; 3] = [
    Seed {
        id: "user_2seedAdaLovelace00000000000",
        email: "ada@example.com",
        first_name: "Ada",
        last_name: "Lovelace",
        password: "ada-lovelace-1815",
    },
    Seed {
        id: "user_2seedGraceHopper00000000000",
        email: "grace@example.com",
        first_name: "Grace",
        last_name: "Hopper",
        password: "grace-hopper-1906",
    },
    Seed {
        id: "user_2seedAlanTuring000000000000",
        email: "alan@example.com",
        first_name: "Alan",
        last_name: "Turing",
        password: "alan-turing-1912",
    },
];

impl StateData {
    /// The fixed users of a fresh emulator, so demos and tests can name them.
    pub(crate) fn seed(&mut self, now: i64) -> Vec<StoreEvent> {
        SEEDS
            .iter()
            .filter_map(|seed| {
                self.create_user(
                    NewUser {
                        id: Some(seed.id.to_owned()),
                        email_address: seed.email.to_owned(),
                        first_name: Some(seed.first_name.to_owned()),
                        last_name: Some(seed.last_name.to_owned()),
                        image_url: None,
                        password: Some(seed.password.to_owned()),
                        skip_password_checks: false,
                    },
                    now,
                )
                .ok()
            })
            .collect()
    }
}
