//! Time limits around clerk-js calls: it retries network failures itself for minutes, and a
//! request must not hang that long waiting for a token.

use std::{future::Future, pin::pin};

use futures::future::{Either, select};
use gloo_timers::future::TimeoutFuture;

#[derive(Debug, Clone, Copy)]
pub(super) struct Elapsed;

pub(super) async fn within<F: Future>(millis: u32, work: F) -> Result<F::Output, Elapsed> {
    match select(pin!(work), TimeoutFuture::new(millis)).await {
        Either::Left((output, _)) => Ok(output),
        Either::Right(_) => Err(Elapsed),
    }
}
