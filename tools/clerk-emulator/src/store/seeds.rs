//! The fixed people of a fresh emulator, so that demos and tests can name them. Their
//! passwords are shown on the sign-in page: the emulator is for development only.

use super::{NewUser, StateData, UserEvent};

#[derive(Debug, Clone, Copy)]
pub struct Seed {
    pub id: &'static str,
    pub email: &'static str,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub password: &'static str,
}

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
    /// Creates the seeded people (those whose id is still free).
    pub fn seed(&mut self, now: i64) -> Vec<UserEvent> {
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
                    },
                    now,
                )
                .ok()
            })
            .collect()
    }
}
