//! `/v1/environment`: the instance's settings as clerk-js reads them. The emulator is a
//! production-type, single-session instance whose people sign in with an email address and a
//! password (or a sign-in token), with no captcha, no social providers and no organisations:
//! everything works offline.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::no_store;
use crate::Emulator;

pub(crate) async fn get(State(emulator): State<Emulator>) -> Response {
    no_store(Json(environment(&emulator)).into_response())
}

fn attribute(
    enabled: bool,
    required: bool,
    first_factors: &[&str],
    verifications: &[&str],
) -> Value {
    json!({
        "enabled": enabled,
        "required": required,
        "used_for_first_factor": !first_factors.is_empty(),
        "first_factors": first_factors,
        "used_for_second_factor": false,
        "second_factors": [],
        "verifications": verifications,
        "verify_at_sign_up": false,
    })
}

pub(crate) fn environment(emulator: &Emulator) -> Value {
    let base = emulator.base();
    let sign_in = format!("{base}/sign-in");
    let sign_up = format!("{base}/sign-in#sign-up");
    let home = emulator.origin().to_owned();
    json!({
        "object": "environment",
        "id": "env_2clerkEmulator000000000000",
        "auth_config": {
            "object": "auth_config",
            "id": "aac_2clerkEmulator000000000000",
            "single_session_mode": true,
            "claimed_at": null,
            "reverification": false,
            "preferred_channels": {},
        },
        "display_config": {
            "object": "display_config",
            "id": "display_config_2clerkEmulator0000",
            "instance_environment_type": "production",
            "application_name": "Clerk emulator",
            "branded": false,
            "captcha_public_key": null,
            "captcha_public_key_invisible": null,
            "captcha_provider": "turnstile",
            "captcha_widget_type": null,
            "captcha_oauth_bypass": null,
            "preferred_sign_in_strategy": "password",
            "show_devmode_warning": false,
            "sign_in_url": sign_in,
            "sign_up_url": sign_up,
            "user_profile_url": format!("{base}/"),
            "home_url": home,
            "after_sign_in_url": home,
            "after_sign_up_url": home,
            "after_sign_out_one_url": home,
            "after_sign_out_all_url": home,
            "after_switch_session_url": home,
            "logo_image_url": "",
            "favicon_image_url": "",
            "support_email": "",
            "terms_url": "",
            "privacy_policy_url": "",
            "waitlist_url": "",
            "after_join_waitlist_url": "",
            "create_organization_url": "",
            "after_create_organization_url": "",
            "organization_profile_url": "",
            "after_leave_organization_url": "",
        },
        "user_settings": {
            "attributes": {
                "email_address": attribute(true, true, &["password"], &[]),
                "password": attribute(true, true, &[], &[]),
                "first_name": attribute(true, false, &[], &[]),
                "last_name": attribute(true, false, &[], &[]),
                "phone_number": attribute(false, false, &[], &[]),
                "username": attribute(false, false, &[], &[]),
                "web3_wallet": attribute(false, false, &[], &[]),
                "passkey": attribute(false, false, &[], &[]),
            },
            "sign_in": { "second_factor": { "required": false, "enabled": false } },
            "sign_up": {
                "mode": "public",
                "captcha_enabled": false,
                "allowlist_only": false,
                "progressive": true,
                "legal_consent_enabled": false,
            },
            "password_settings": {
                "min_length": 8,
                "max_length": 72,
                "disable_hibp": true,
                "show_zxcvbn": false,
                "min_zxcvbn_strength": 0,
                "require_special_char": false,
                "require_numbers": false,
                "require_uppercase": false,
                "require_lowercase": false,
                "allowed_special_characters": "",
            },
            "social": {},
            "enterprise_sso": { "enabled": false },
            "passkey_settings": { "allow_autofill": false, "show_sign_in_button": false },
            "attack_protection": { "enumeration_protection": { "enabled": false } },
        },
        "organization_settings": { "enabled": false },
        "commerce_settings": {
            "object": "commerce_settings",
            "billing": {
                "stripe_publishable_key": "",
                "user": { "enabled": false, "has_paid_plans": false },
                "organization": { "enabled": false, "has_paid_plans": false },
            },
        },
        "api_keys_settings": { "enabled": false },
        "maintenance_mode": false,
        "client_debug_mode": false,
    })
}
