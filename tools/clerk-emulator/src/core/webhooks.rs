//! `user.*` events: Clerk's envelope, Svix signatures, delivery with retries (in order per
//! user), and a bounded delivery log.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};
use standardwebhooks::Webhook;
use tokio::sync::mpsc;
use url::Url;

use crate::core::locks::lock;
use crate::core::store::StoreEvent;
use crate::{EmulatorError, WebhookTarget, ids, now_millis};

/// Waits before each retry. Svix waits minutes to hours; a developer wants to see a retry now.
pub(crate) const RETRY_SCHEDULE: [Duration; 5] = [
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
    Duration::from_secs(8),
    Duration::from_secs(16),
];
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const LOG_CAPACITY: usize = 500;
/// A user's delivery task lingers this long for more events before it ends.
const WORKER_IDLE: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
    /// No webhook URL is configured; the event is only logged.
    NotSent,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Attempt {
    /// Milliseconds since the epoch.
    pub at: i64,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Delivery {
    pub svix_id: String,
    pub event_type: &'static str,
    pub user_id: String,
    pub status: DeliveryStatus,
    pub created_at: i64,
    pub attempts: Vec<Attempt>,
    pub payload: Value,
}

struct Job {
    svix_id: String,
    body: String,
}

struct Target {
    url: Url,
    signer: Webhook,
}

pub(crate) struct Webhooks {
    target: Option<Target>,
    client: reqwest::Client,
    instance_id: String,
    /// One queue per user with events in flight; senders are only used under this lock.
    queues: Mutex<HashMap<String, mpsc::UnboundedSender<Job>>>,
    log: Mutex<VecDeque<Delivery>>,
}

impl Webhooks {
    pub(crate) fn new(
        target: Option<&WebhookTarget>,
        instance_id: String,
    ) -> Result<Arc<Self>, EmulatorError> {
        let target = target
            .map(|t| {
                Webhook::new(&t.signing_secret)
                    .map(|signer| Target {
                        url: t.url.clone(),
                        signer,
                    })
                    .map_err(|e| {
                        EmulatorError::Config(format!(
                            "webhook signing secret must be whsec_ followed by base64: {e}"
                        ))
                    })
            })
            .transpose()?;
        let client = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .build()
            .map_err(|e| EmulatorError::Config(format!("webhook HTTP client: {e}")))?;
        Ok(Arc::new(Self {
            target,
            client,
            instance_id,
            queues: Mutex::new(HashMap::new()),
            log: Mutex::new(VecDeque::new()),
        }))
    }

    pub(crate) fn target_url(&self) -> Option<&Url> {
        self.target.as_ref().map(|t| &t.url)
    }

    pub(crate) fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.log).iter().cloned().collect()
    }

    /// Queues an event. Synchronous and non-blocking so that callers can queue while they
    /// still hold the lock under which the change was made: queue order is change order.
    pub(crate) fn enqueue(self: &Arc<Self>, event: &StoreEvent, base: &str) {
        let now = now_millis();
        let (event_type, user_id, data) = (
            event.event_type(),
            event.user_id().to_owned(),
            event.user_json(base),
        );
        let payload = json!({
            "data": data,
            "object": "event",
            "type": event_type,
            "timestamp": now,
            "instance_id": self.instance_id,
            "event_attributes": { "http_request": { "client_ip": "127.0.0.1", "user_agent": "clerk-emulator" } },
        });
        let svix_id = ids::new_id("msg");
        let status = if self.target.is_some() {
            DeliveryStatus::Pending
        } else {
            DeliveryStatus::NotSent
        };
        {
            let mut log = lock(&self.log);
            if log.len() == LOG_CAPACITY {
                log.pop_front();
            }
            log.push_back(Delivery {
                svix_id: svix_id.clone(),
                event_type,
                user_id: user_id.clone(),
                status,
                created_at: now,
                attempts: Vec::new(),
                payload: payload.clone(),
            });
        }
        if self.target.is_none() {
            return;
        }
        let job = Job {
            svix_id,
            body: payload.to_string(),
        };
        let mut queues = lock(&self.queues);
        let job = match queues.get(&user_id) {
            Some(sender) => match sender.send(job) {
                Ok(()) => return,
                // The task ended without removing its entry (it never does); start anew.
                Err(mpsc::error::SendError(job)) => job,
            },
            None => job,
        };
        let (sender, receiver) = mpsc::unbounded_channel();
        if sender.send(job).is_err() {
            return;
        }
        queues.insert(user_id.clone(), sender);
        drop(queues);
        let this = Arc::clone(self);
        tokio::spawn(async move { this.work(user_id, receiver).await });
    }

    async fn work(self: Arc<Self>, user_id: String, mut receiver: mpsc::UnboundedReceiver<Job>) {
        loop {
            match tokio::time::timeout(WORKER_IDLE, receiver.recv()).await {
                Ok(Some(job)) => self.deliver(job).await,
                Ok(None) => return,
                Err(_) => {
                    let mut queues = lock(&self.queues);
                    if receiver.is_empty() {
                        queues.remove(&user_id);
                        return;
                    }
                }
            }
        }
    }

    async fn deliver(&self, job: Job) {
        let Some(target) = &self.target else { return };
        for attempt in 0..=RETRY_SCHEDULE.len() {
            if let Some(wait) = attempt.checked_sub(1).and_then(|i| RETRY_SCHEDULE.get(i)) {
                tokio::time::sleep(*wait).await;
            }
            let started = Instant::now();
            let at = now_millis();
            let outcome = self.send(target, &job).await;
            let record = Attempt {
                at,
                status: outcome.as_ref().ok().copied(),
                error: outcome.as_ref().err().cloned(),
                duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            };
            let delivered = matches!(outcome, Ok(status) if (200..300).contains(&status));
            let last = attempt == RETRY_SCHEDULE.len();
            self.record(&job.svix_id, record, delivered, last);
            if delivered {
                return;
            }
            match &outcome {
                Ok(status) => {
                    tracing::warn!(svix_id = %job.svix_id, attempt = attempt + 1, status, "webhook delivery failed")
                }
                Err(error) => {
                    tracing::warn!(svix_id = %job.svix_id, attempt = attempt + 1, %error, "webhook delivery failed")
                }
            }
        }
    }

    async fn send(&self, target: &Target, job: &Job) -> Result<u16, String> {
        // A fresh timestamp per attempt, as Svix does: a retry hours later must still pass
        // the receiver's five-minute tolerance. The svix-id stays the same.
        let timestamp = now_millis() / 1000;
        let signature = target
            .signer
            .sign(&job.svix_id, timestamp, job.body.as_bytes())
            .map_err(|e| format!("signing: {e}"))?;
        let response = self
            .client
            .post(target.url.clone())
            .header("content-type", "application/json")
            .header("user-agent", "Svix-Webhooks/1.0 (clerk-emulator)")
            .header("svix-id", &job.svix_id)
            .header("svix-timestamp", timestamp.to_string())
            .header("svix-signature", signature)
            .body(job.body.clone())
            .send()
            .await
            .map_err(|e| describe(&e))?;
        Ok(response.status().as_u16())
    }

    fn record(&self, svix_id: &str, attempt: Attempt, delivered: bool, last: bool) {
        let mut log = lock(&self.log);
        if let Some(entry) = log.iter_mut().rev().find(|d| d.svix_id == svix_id) {
            entry.attempts.push(attempt);
            entry.status = if delivered {
                DeliveryStatus::Delivered
            } else if last {
                DeliveryStatus::Failed
            } else {
                DeliveryStatus::Pending
            };
        }
    }
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        format!("timed out after {} s", ATTEMPT_TIMEOUT.as_secs())
    } else if error.is_connect() {
        "connection refused or unreachable".to_owned()
    } else {
        error.to_string()
    }
}
