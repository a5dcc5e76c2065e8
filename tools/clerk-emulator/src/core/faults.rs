//! The fault switches and the call counters: the Backend API's failure switch ([`Failure`]),
//! to test how a server copes with Clerk's rate limit and outages, and the Frontend API's
//! token fault ([`TokenFault`]), to test how an app copes when clerk-js cannot refresh a
//! session token: Clerk rate-limiting (429), failing (5xx) or slow.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::Emulator;
use super::locks::lock;
use crate::error::ClerkApiError;

/// Makes Backend API calls fail, to test how a server copes with Clerk's rate limit and
/// outages.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Failure {
    /// 429, 500, 502, 503 or 504.
    pub status: u16,
    /// The `Retry-After` of 429 answers, in seconds.
    #[serde(default = "one")]
    pub retry_after_secs: u64,
    /// Fail this many calls, then answer normally again; absent: until switched off.
    #[serde(default)]
    pub count: Option<u32>,
}

fn one() -> u64 {
    1
}

impl Failure {
    pub(crate) fn validate(&self) -> Result<(), ClerkApiError> {
        if !matches!(self.status, 429 | 500 | 502 | 503 | 504) {
            return Err(ClerkApiError::unprocessable(
                "status must be 429, 500, 502, 503 or 504",
            ));
        }
        if self.count == Some(0) {
            return Err(ClerkApiError::unprocessable(
                "count must be at least 1 (leave it out to fail until switched off)",
            ));
        }
        Ok(())
    }

    fn answer(&self) -> ClerkApiError {
        match self.status {
            429 => {
                let mut error = ClerkApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    "Too Many Requests",
                    "Too many requests, retry later (the emulator's failure switch is on)",
                );
                error.retry_after = Some(self.retry_after_secs);
                error
            }
            status => ClerkApiError::new(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "internal_clerk_error",
                "There was an internal error on our servers",
                "The emulator's failure switch is on",
            ),
        }
    }
}

/// The longest a token answer may be held back: beyond clerk-js's own patience, well within
/// any test's.
pub(crate) const MAX_DELAY_MS: u64 = 60_000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenFault {
    /// Answer with this status (429, 500, 502, 503 or 504) instead of a token; absent: only
    /// delay.
    #[serde(default)]
    pub status: Option<u16>,
    /// Hold each answer back this long first.
    #[serde(default)]
    pub delay_ms: u64,
    /// The `Retry-After` of 429 and 503 answers, in seconds.
    #[serde(default)]
    pub retry_after_secs: Option<u64>,
    /// Affect this many token requests, then recover; absent: until switched off.
    #[serde(default)]
    pub count: Option<u32>,
}

impl TokenFault {
    pub(crate) fn validate(&self) -> Result<(), ClerkApiError> {
        if let Some(status) = self.status
            && !matches!(status, 429 | 500 | 502 | 503 | 504)
        {
            return Err(ClerkApiError::unprocessable(
                "status must be 429, 500, 502, 503 or 504",
            ));
        }
        if self.status.is_none() && self.delay_ms == 0 {
            return Err(ClerkApiError::unprocessable(
                "give a status, a delay_ms, or both",
            ));
        }
        if self.delay_ms > MAX_DELAY_MS {
            return Err(ClerkApiError::unprocessable(format!(
                "delay_ms must be at most {MAX_DELAY_MS}"
            )));
        }
        if self.count == Some(0) {
            return Err(ClerkApiError::unprocessable(
                "count must be at least 1 (leave it out to fail until switched off)",
            ));
        }
        Ok(())
    }

    fn answer(&self, status: u16) -> ClerkApiError {
        let mut error = match status {
            429 => ClerkApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "Too Many Requests",
                "Too many requests, retry later (the emulator's token fault switch is on)",
            ),
            status => ClerkApiError::new(
                StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
                "internal_clerk_error",
                "There was an internal error on our servers",
                "The emulator's token fault switch is on",
            ),
        };
        error.retry_after = self
            .retry_after_secs
            .filter(|_| matches!(status, 429 | 503));
        error
    }
}

impl Emulator {
    pub(crate) fn count_call(&self, endpoint: &'static str) {
        *lock(&self.inner.calls).entry(endpoint).or_insert(0) += 1;
    }

    /// The Backend API calls counted so far, by endpoint.
    pub(crate) fn calls(&self) -> BTreeMap<&'static str, u64> {
        lock(&self.inner.calls).clone()
    }

    pub(crate) fn reset_calls(&self) {
        lock(&self.inner.calls).clear();
    }

    pub(crate) fn failure(&self) -> Option<Failure> {
        lock(&self.inner.failure).clone()
    }

    pub(crate) fn set_failure(&self, failure: Option<Failure>) {
        *lock(&self.inner.failure) = failure;
    }

    /// The failure switch's answer for this Backend API call, if it is on (counting the call
    /// against it).
    pub(crate) fn take_backend_failure(&self) -> Option<ClerkApiError> {
        let mut failure = lock(&self.inner.failure);
        let active = failure.as_mut()?;
        let answer = active.answer();
        if let Some(count) = active.count.as_mut() {
            *count = count.saturating_sub(1);
            if *count == 0 {
                *failure = None;
            }
        }
        Some(answer)
    }

    pub(crate) fn token_fault(&self) -> Option<TokenFault> {
        lock(&self.inner.token_fault).clone()
    }

    pub(crate) fn set_token_fault(&self, fault: Option<TokenFault>) {
        *lock(&self.inner.token_fault) = fault;
    }

    /// Whether token requests are failing on purpose (a delay alone is not a failure).
    pub(crate) fn token_fault_active(&self) -> bool {
        lock(&self.inner.token_fault)
            .as_ref()
            .is_some_and(|f| f.status.is_some())
    }

    /// Waits and/or fails as the switch says, counting the request against it.
    pub(crate) async fn apply_token_fault(&self) -> Result<(), ClerkApiError> {
        let fault = {
            let mut slot = lock(&self.inner.token_fault);
            let Some(fault) = slot.clone() else {
                return Ok(());
            };
            match fault.count {
                Some(1) => *slot = None,
                Some(n) => {
                    if let Some(current) = slot.as_mut() {
                        current.count = Some(n - 1);
                    }
                }
                None => {}
            }
            fault
        };
        if fault.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
        }
        match fault.status {
            Some(status) => Err(fault.answer(status)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(status: Option<u16>, delay_ms: u64, count: Option<u32>) -> TokenFault {
        TokenFault {
            status,
            delay_ms,
            retry_after_secs: None,
            count,
        }
    }

    #[test]
    fn a_fault_needs_a_status_or_a_delay_and_a_sane_count() {
        assert!(fault(Some(503), 0, None).validate().is_ok());
        assert!(fault(None, 2_000, Some(3)).validate().is_ok());
        assert!(fault(None, 0, None).validate().is_err());
        assert!(fault(Some(404), 0, None).validate().is_err());
        assert!(fault(Some(503), 0, Some(0)).validate().is_err());
        assert!(fault(None, MAX_DELAY_MS + 1, None).validate().is_err());
    }

    #[test]
    fn retry_after_is_sent_only_where_http_defines_it() {
        let mut slow = fault(Some(429), 0, None);
        slow.retry_after_secs = Some(7);
        assert_eq!(slow.answer(429).retry_after, Some(7));
        assert_eq!(slow.answer(500).retry_after, None);
    }
}
