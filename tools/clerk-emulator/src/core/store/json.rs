//! Users and sessions in Clerk's JSON shapes.

use serde_json::{Value, json};

use super::model::{Session, StoreEvent, User};

impl User {
    /// The user as the Backend API and webhooks show it (snake_case, times in milliseconds).
    pub(crate) fn clerk_json(&self, base: &str) -> Value {
        let image_url = self.image_url(base);
        json!({
            "id": self.id,
            "object": "user",
            "external_id": null,
            "username": null,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "image_url": image_url,
            "profile_image_url": image_url,
            "has_image": self.image_url.is_some(),
            "primary_email_address_id": self.email_address_id,
            "primary_phone_number_id": null,
            "primary_web3_wallet_id": null,
            "password_enabled": self.password_enabled(),
            "two_factor_enabled": false,
            "totp_enabled": false,
            "backup_code_enabled": false,
            "email_addresses": [{
                "id": self.email_address_id,
                "object": "email_address",
                "email_address": self.email_address,
                "reserved": false,
                "verification": {
                    "status": "verified",
                    "strategy": "email_code",
                    "attempts": null,
                    "expire_at": null,
                },
                "linked_to": [],
                "created_at": self.created_at,
                "updated_at": self.updated_at,
            }],
            "phone_numbers": [],
            "web3_wallets": [],
            "passkeys": [],
            "external_accounts": [],
            "saml_accounts": [],
            "enterprise_accounts": [],
            "public_metadata": {},
            "private_metadata": {},
            "unsafe_metadata": {},
            "banned": false,
            "locked": false,
            "lockout_expires_in_seconds": null,
            "verification_attempts_remaining": 100,
            "last_sign_in_at": null,
            "last_active_at": null,
            "legal_accepted_at": null,
            "create_organization_enabled": true,
            "delete_self_enabled": true,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }

    /// The user as the Frontend API shows it to the browser: no private metadata.
    pub(crate) fn frontend_json(&self, base: &str) -> Value {
        let mut value = self.clerk_json(base);
        if let Some(object) = value.as_object_mut() {
            object.remove("private_metadata");
        }
        value
    }
}

impl Session {
    pub(crate) fn json(&self) -> Value {
        json!({
            "object": "session",
            "id": self.id,
            "user_id": self.user_id,
            "client_id": self.client_id,
            "status": self.status.as_str(),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

impl StoreEvent {
    /// The user as Clerk shows it after the change: the whole user, or, once deleted, Clerk's
    /// deleted-object stub. Webhooks carry it as `data`; the Backend API answers with it.
    pub(crate) fn user_json(&self, base: &str) -> Value {
        match self {
            Self::Created(user) | Self::Updated(user) => user.clerk_json(base),
            Self::Deleted(id) => json!({ "object": "user", "id": id, "deleted": true }),
        }
    }

    /// The webhook event type, `user.created`, `user.updated` or `user.deleted`.
    pub(crate) fn event_type(&self) -> &'static str {
        match self {
            Self::Created(_) => "user.created",
            Self::Updated(_) => "user.updated",
            Self::Deleted(_) => "user.deleted",
        }
    }

    pub(crate) fn user_id(&self) -> &str {
        match self {
            Self::Created(user) | Self::Updated(user) => &user.id,
            Self::Deleted(id) => id,
        }
    }
}
