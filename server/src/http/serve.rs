//! The accept loop: hyper's connection builder with the limits `axum::serve` lacks.
//!
//! - A request head must arrive within `HTTP_HEADER_READ_TIMEOUT_SECS`. hyper times every
//!   HTTP/1 head it waits for (which also ends idle keep-alive connections), but not the first
//!   bytes it reads to tell HTTP/1 from HTTP/2, so a connection that has not delivered its
//!   first request by then is closed here.
//! - At most `HTTP_MAX_CONNECTIONS` connections are served at once; the next one is accepted
//!   when one closes (until then it waits in the kernel's backlog).
//! - HTTP/1 keep-alive can be turned off; idle HTTP/2 connections are pinged and closed when
//!   the peer stops answering. HTTP/2 is spoken to clients that start with its preface (h2c
//!   from a proxy, or prior knowledge).
//! - On shutdown the listener closes at once (new connections are refused), idle connections
//!   close, requests in flight get `SHUTDOWN_GRACE_SECS` to finish, then the rest are cut.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{Router, extract::ConnectInfo};
use hyper::{body::Incoming, service::service_fn};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
};
use tokio::{net::TcpListener, sync::Semaphore, task::JoinSet};
use tower::ServiceExt;

use crate::config::ServingConfig;

/// Serves `router` on `listener` until `shutdown` resolves, then drains (see the module).
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &ServingConfig,
    shutdown: impl Future<Output = ()>,
) {
    let builder = Arc::new(connection_builder(limits));
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let first_request_timeout = limits.header_read_timeout;
    tokio::pin!(shutdown);
    loop {
        // Finished connections leave the set as we go, so it holds only live ones.
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                // The semaphore is never closed.
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // nothing to do but wait a little and go on (as axum::serve does).
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
        };
        let watcher = graceful.watcher();
        let builder = builder.clone();
        let router = router.clone();
        connections.spawn(async move {
            let _permit = permit;
            let seen_request = Arc::new(AtomicBool::new(false));
            let service = {
                let seen_request = seen_request.clone();
                service_fn(move |mut request: hyper::Request<Incoming>| {
                    seen_request.store(true, Ordering::Relaxed);
                    request.extensions_mut().insert(ConnectInfo(peer));
                    router.clone().oneshot(request)
                })
            };
            let connection = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .into_owned();
            tokio::select! {
                result = watcher.watch(connection) => {
                    if let Err(err) = result {
                        tracing::debug!(%peer, error = %err, "connection ended with an error");
                    }
                }
                () = first_request_deadline(&seen_request, first_request_timeout) => {
                    tracing::debug!(%peer, "no request head in time; connection closed");
                }
            }
        });
    }
    // New connections are refused from here on.
    drop(listener);
    let in_flight = graceful.count();
    if in_flight > 0 {
        tracing::info!(connections = in_flight, "draining connections");
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(
                grace_secs = limits.shutdown_grace.as_secs(),
                "requests still in flight after the shutdown grace period; cutting them"
            );
        }
    }
    connections.shutdown().await;
}

fn connection_builder(limits: &ServingConfig) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(limits.keep_alive);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.http2_keep_alive_interval)
        .keep_alive_timeout(limits.http2_keep_alive_interval);
    builder
}

/// Resolves when `timeout` has passed without a first request on the connection; never once
/// one has arrived (hyper's own timer covers every later HTTP/1 head).
async fn first_request_deadline(seen_request: &AtomicBool, timeout: Duration) {
    tokio::time::sleep(timeout).await;
    if seen_request.load(Ordering::Relaxed) {
        std::future::pending::<()>().await;
    }
}
