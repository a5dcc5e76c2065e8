//! Svix webhook signatures, checked with the `standardwebhooks` crate: Svix signs by the
//! Standard Webhooks scheme (HMAC-SHA256 over `id.timestamp.body`, `v1,` signatures, a
//! five-minute tolerance, constant-time comparison) and only names its headers `svix-*`.
//! Like `@clerk/backend`'s `verifyWebhook`, the `svix-*` headers are read first and the
//! `webhook-*` ones stand in for a missing one. Unlike the `svix` crate, this needs no HTTP
//! client and so no TLS stack (see docs/build.md for the measured difference).

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use standardwebhooks::{
    HEADER_WEBHOOK_ID, HEADER_WEBHOOK_SIGNATURE, HEADER_WEBHOOK_TIMESTAMP, Webhook, WebhookError,
};

/// The verifier for `CLERK_WEBHOOK_SIGNING_SECRET`, built once at start-up.
pub(crate) struct SignatureVerifier(Webhook);

impl std::fmt::Debug for SignatureVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignatureVerifier([redacted])")
    }
}

/// Clerk's (Svix's) header names and their Standard Webhooks equivalents.
const HEADERS: [(&str, &str); 3] = [
    ("svix-id", HEADER_WEBHOOK_ID),
    ("svix-timestamp", HEADER_WEBHOOK_TIMESTAMP),
    ("svix-signature", HEADER_WEBHOOK_SIGNATURE),
];

impl SignatureVerifier {
    /// `secret` is `whsec_` followed by the base64 key, as Clerk's dashboard shows it.
    pub(crate) fn new(secret: &str) -> Result<Self, String> {
        let Some(key) = secret.strip_prefix("whsec_") else {
            return Err("must start with whsec_".into());
        };
        if key.is_empty() {
            return Err("has no key after whsec_".into());
        }
        Webhook::new(key)
            .map(Self)
            .map_err(|_| "the part after whsec_ is not base64".into())
    }

    /// Checks the signature and the timestamp (five minutes either way) of one delivery.
    pub(crate) fn verify(&self, body: &[u8], headers: &HeaderMap) -> Result<(), WebhookError> {
        self.0.verify(body, &standard_headers(headers))
    }

    /// The `v1,…` signature of a delivery; the tests and the fuzz targets sign with it.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn sign(
        &self,
        id: &str,
        timestamp: i64,
        body: &[u8],
    ) -> Result<String, WebhookError> {
        self.0.sign(id, timestamp, body)
    }
}

/// The three signature headers under their Standard Webhooks names: `svix-*` when present,
/// else the `webhook-*` header of the same meaning. Nothing else is copied.
fn standard_headers(headers: &HeaderMap) -> HeaderMap {
    let mut standard = HeaderMap::with_capacity(HEADERS.len());
    for (svix, name) in HEADERS {
        if let Some(value) = headers.get(svix).or_else(|| headers.get(name)) {
            standard.insert(HeaderName::from_static(name), value.clone());
        }
    }
    standard
}

/// The delivery id, under either name: the idempotency key of a delivery.
pub(crate) fn delivery_id(headers: &HeaderMap) -> Option<&HeaderValue> {
    headers
        .get("svix-id")
        .or_else(|| headers.get(HEADER_WEBHOOK_ID))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Svix's published test vector (its documentation and every SDK's tests).
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    fn headers(prefix: &str, id: &str, timestamp: i64, signature: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let name = |suffix: &str| HeaderName::try_from(format!("{prefix}-{suffix}")).unwrap();
        headers.insert(name("id"), id.parse().unwrap());
        headers.insert(name("timestamp"), timestamp.to_string().parse().unwrap());
        headers.insert(name("signature"), signature.parse().unwrap());
        headers
    }

    #[test]
    fn the_svix_published_test_vector_signs_as_published() {
        let verifier = SignatureVerifier::new(SECRET).unwrap();
        assert_eq!(verifier.sign(ID, TIMESTAMP, BODY).unwrap(), SIGNATURE);
    }

    #[test]
    fn the_published_vector_is_refused_for_its_age_alone() {
        let verifier = SignatureVerifier::new(SECRET).unwrap();
        let vector = headers("svix", ID, TIMESTAMP, SIGNATURE);
        assert!(matches!(
            verifier.verify(BODY, &vector),
            Err(WebhookError::TimestampTooOldError)
        ));
    }

    #[test]
    fn a_fresh_delivery_verifies_under_svix_and_standard_header_names() {
        let verifier = SignatureVerifier::new(SECRET).unwrap();
        let now = now();
        let signature = verifier.sign(ID, now, BODY).unwrap();
        for prefix in ["svix", "webhook"] {
            verifier
                .verify(BODY, &headers(prefix, ID, now, &signature))
                .unwrap_or_else(|e| panic!("{prefix}-* headers: {e}"));
        }
    }

    #[test]
    fn a_changed_body_id_or_key_is_refused() {
        let verifier = SignatureVerifier::new(SECRET).unwrap();
        let now = now();
        let signature = verifier.sign(ID, now, BODY).unwrap();
        let good = headers("svix", ID, now, &signature);
        assert!(matches!(
            verifier.verify(br#"{"test": 2432232315}"#, &good),
            Err(WebhookError::InvalidSignature)
        ));
        let other_id = headers("svix", "msg_other", now, &signature);
        assert!(verifier.verify(BODY, &other_id).is_err());
        let other_key = SignatureVerifier::new("whsec_c2VjcmV0LWtleS1vdGhlcg==").unwrap();
        assert!(other_key.verify(BODY, &good).is_err());
    }

    #[test]
    fn timestamps_outside_five_minutes_either_way_are_refused() {
        let verifier = SignatureVerifier::new(SECRET).unwrap();
        for timestamp in [now() - 301, now() + 301] {
            let signature = verifier.sign(ID, timestamp, BODY).unwrap();
            let h = headers("svix", ID, timestamp, &signature);
            assert!(verifier.verify(BODY, &h).is_err(), "{timestamp}");
        }
    }

    #[test]
    fn the_svix_header_wins_over_a_webhook_header_of_the_same_meaning() {
        let verifier = SignatureVerifier::new(SECRET).unwrap();
        let now = now();
        let signature = verifier.sign(ID, now, BODY).unwrap();
        let mut h = headers("svix", ID, now, &signature);
        h.insert("webhook-signature", "v1,AAAA".parse().unwrap());
        h.insert("webhook-id", "msg_forged".parse().unwrap());
        verifier.verify(BODY, &h).unwrap();
        assert_eq!(delivery_id(&h).unwrap(), ID);
    }

    #[test]
    fn missing_headers_or_a_missing_signature_version_are_refused() {
        let verifier = SignatureVerifier::new(SECRET).unwrap();
        let now = now();
        let signature = verifier.sign(ID, now, BODY).unwrap();
        for name in ["svix-id", "svix-timestamp", "svix-signature"] {
            let mut h = headers("svix", ID, now, &signature);
            h.remove(name);
            assert!(verifier.verify(BODY, &h).is_err(), "without {name}");
        }
        let unversioned = signature.trim_start_matches("v1,");
        let h = headers("svix", ID, now, unversioned);
        assert!(verifier.verify(BODY, &h).is_err());
    }

    #[test]
    fn secrets_without_the_prefix_or_base64_are_refused() {
        for bad in ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_!!!"] {
            assert!(SignatureVerifier::new(bad).is_err(), "{bad}");
        }
    }
}
