//! Building and running the server: `Application::build` binds the port (tests pass
//! `127.0.0.1:0` and read the real port back), then `run_until_stopped` serves until a signal.

use std::{future::Future, net::SocketAddr};

use std::{sync::Arc, time::Duration};

use app::{App, projects::ProjectsService, shell};
use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderName, Request, StatusCode},
    middleware,
    routing::{any, get, post},
};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::{net::TcpListener, sync::oneshot};
use tower::ServiceBuilder;
use tower_http::{
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use crate::{
    auth::{
        AuthLayerState, Authenticator, cache::UserCache, handshake::Handshake, layer::authenticate,
        verify::Verifier,
    },
    clerk::{
        backend::ClerkBackend,
        proxy::{FrontendApiProxy, ProxySetupError},
        setup::{ClerkSetup, ClerkSetupError, EMULATOR_PREFIX},
    },
    config::{Config, ConfigError, HttpConfig, ServingConfig},
    db::{self, Db, MigrationError, Readiness, SchemaStep, projects::PgProjects, users::PgUsers},
    delivery,
    error::{api_not_found, json_errors},
    http::{BrowserOrigin, resolve_origin, serve::serve},
    routes::{health, me, projects},
    security::{PagePolicy, security_headers},
    state::AppState,
    webhooks::{self, notify::spawn_listener, signature::SignatureVerifier},
};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Migration(#[from] MigrationError),
    #[error(transparent)]
    Clerk(#[from] ClerkSetupError),
    #[error(transparent)]
    Proxy(#[from] ProxySetupError),
    #[error("server error: {0}")]
    Serve(#[from] std::io::Error),
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    serving: ServingConfig,
    db: Db,
    auth: AuthLayerState,
    /// The LISTEN/NOTIFY task; stopped with the server.
    notify_task: tokio::task::JoinHandle<()>,
    /// The webhook-deliveries purge; stopped with the server.
    purge_task: tokio::task::JoinHandle<()>,
    /// Set when the database was unreachable at start-up: resolves with a fatal migration error.
    pending_migrations: Option<oneshot::Receiver<MigrationError>>,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let db = db::connect_lazy(&config.database);
        Self::build_with_db(config, db).await
    }

    /// [`Application::build_with_db`] with one pool of direct connections.
    pub async fn build_with_pool(config: Config, pool: sqlx::PgPool) -> Result<Self, StartupError> {
        Self::build_with_db(config, Db::from(pool)).await
    }

    /// Migrates (or, with `DATABASE_MIGRATE_ON_START=false`, checks that the schema is
    /// current), then binds `LEPTOS_SITE_ADDR`. An unreachable database does not stop
    /// start-up (the step is retried in the background and `/readyz` answers 503 until it
    /// succeeds); a migration the database refuses, or a schema behind this build, does.
    pub async fn build_with_db(config: Config, db: Db) -> Result<Self, StartupError> {
        let readiness = Readiness::default();
        let step = if config.database.migrate_on_start {
            SchemaStep::Migrate
        } else {
            SchemaStep::Check
        };
        let pending_migrations = match db::prepare_schema(&db, step, &readiness).await {
            Ok(()) => None,
            Err(MigrationError::Unreachable(err)) => {
                tracing::warn!(
                    error = %err,
                    "the database is unreachable; serving anyway, /readyz answers 503 until \
                     the schema is ready"
                );
                let (tx, rx) = oneshot::channel();
                let (db, readiness) = (db.clone(), readiness.clone());
                tokio::spawn(async move {
                    if let Some(fatal) = db::prepare_schema_in_background(db, step, readiness).await
                    {
                        // The receiver only disappears when the server is already stopping.
                        tx.send(fatal).ok();
                    }
                });
                Some(rx)
            }
            Err(fatal) => return Err(fatal.into()),
        };

        let addr = config.leptos.site_addr;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { addr, source })?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| ClerkSetupError::Emulator(format!("HTTP client: {e}")))?;
        let clerk = ClerkSetup::new(&config, local_addr, &http).await?;
        let proxy = clerk
            .proxy
            .as_ref()
            .map(FrontendApiProxy::new)
            .transpose()?;
        let caches = &config.caches;
        let authenticator = Arc::new(
            Authenticator::new(
                Verifier::new(clerk.keys, clerk.verifier),
                Arc::new(PgUsers::new(db.clone())),
                Arc::new(UserCache::new(
                    caches.user_cache_entries,
                    Duration::from_secs(600),
                )),
                clerk.backend.map(|mut settings| {
                    settings.cache_entries = caches.clerk_api_cache_entries;
                    ClerkBackend::new(settings, http.clone())
                }),
            )
            .with_token_cache(caches.token_cache_bytes),
        );
        let notify_task = spawn_listener(db.clone(), authenticator.clone());
        let purge_task = webhooks::purge::spawn_purge(db.clone());
        let webhooks = clerk
            .webhook_secret
            .map(|secret| {
                SignatureVerifier::new(secret.expose())
                    .map(Arc::new)
                    .map_err(|p| ConfigError::new("CLERK_WEBHOOK_SIGNING_SECRET", p))
            })
            .transpose()
            .map_err(ClerkSetupError::from)?;
        let state = AppState {
            leptos: config.leptos.clone(),
            db: db.clone(),
            readiness,
            auth: AuthLayerState {
                authenticator,
                allowed_origins: Arc::new(config.clerk.authorized_parties.clone()),
                cookie_suffix: Some(Arc::from(clerk.cookie_suffix.as_str())),
                handshake: Some(Arc::new(Handshake::new(
                    clerk.frontend_api.clone(),
                    clerk.cookie_suffix.as_str(),
                    clerk.development_instance,
                ))),
            },
            webhooks,
            clerk_script: clerk.script,
            projects: Arc::new(PgProjects::new(db.clone())),
        };
        let emulator = clerk.emulator;
        let auth = state.auth.clone();
        Ok(Self {
            listener,
            router: router(state, &config.http, &config.serving, emulator, proxy),
            serving: config.serving.clone(),
            db,
            auth,
            notify_task,
            purge_task,
            pending_migrations,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The auth layer's state: tests reach its cache through it.
    pub fn auth(&self) -> AuthLayerState {
        self.auth.clone()
    }

    /// Serves until SIGINT or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        self.run_until(shutdown_signal()).await
    }

    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartupError> {
        let Self {
            listener,
            router,
            serving,
            db,
            pending_migrations,
            notify_task,
            purge_task,
            ..
        } = self;
        let (fatal_tx, fatal_rx) = oneshot::channel::<MigrationError>();
        if let Some(rx) = pending_migrations {
            tokio::spawn(async move {
                if let Ok(fatal) = rx.await {
                    fatal_tx.send(fatal).ok();
                }
            });
        }
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let fatal = tokio::spawn(async move {
            tokio::select! {
                () = shutdown => { stop_tx.send(()).ok(); None }
                Ok(fatal) = fatal_rx => { stop_tx.send(()).ok(); Some(fatal) }
            }
        });
        let addr = listener.local_addr()?;
        tracing::info!(%addr, "listening on http://{addr}");
        serve(listener, router, &serving, async move {
            drop(stop_rx.await);
        })
        .await;
        notify_task.abort();
        purge_task.abort();
        db.close().await;
        tracing::info!("stopped");
        match fatal.await {
            Ok(Some(err)) => Err(err.into()),
            _ => Ok(()),
        }
    }
}

pub(crate) fn router(
    state: AppState,
    http: &HttpConfig,
    serving: &ServingConfig,
    emulator: Option<Router>,
    proxy: Option<FrontendApiProxy>,
) -> Router {
    let routes = generate_route_list(App);
    let leptos = state.leptos.clone();
    let pkg_path = format!("/{}", leptos.site_pkg_dir.trim_matches('/'));
    let pkg = delivery::pkg_service(&leptos);
    let clerk_script = state.clerk_script.clone();
    let page_shell = move |options| shell(options, clerk_script.clone());
    // Outermost first: a request id, the origin and client it came from, a span carrying
    // both (so every log line of the request has them), the cache policy and compression of
    // what answers. Every route has these, the Frontend API proxy too.
    let edge = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(middleware::from_fn_with_state(
            Arc::new(serving.trusted_proxies.clone()),
            resolve_origin,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(middleware::from_fn(security_headers))
        // Compression outside the error-shape layer, which reads the plain bodies.
        .layer(delivery::cache_policy_layer())
        .layer(delivery::compression_layer());
    // Then the app's own size and time limits. The Frontend API proxy has its own (its
    // settings decide for its path), so it is merged in after these are applied.
    let limits = ServiceBuilder::new()
        // Outside the limits, so that their answers get the JSON error shape too.
        .layer(middleware::from_fn(json_errors))
        .layer(RequestBodyLimitLayer::new(http.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            http.request_timeout,
        ));
    // Server functions and pages reach the projects store through Leptos context. The same
    // closure goes to the fallback: a not-found page renders the app too.
    let projects_service = ProjectsService(state.projects.clone());
    let page_policy = Arc::new(PagePolicy::new(
        &state.clerk_script,
        emulator.is_some(),
        PagePolicy::live_reload_port(&state.leptos),
    ));
    let provide_services = move || {
        provide_context(projects_service.clone());
        page_policy.apply();
    };
    // Behind the auth layer: the API, server functions and pages. Probes, the built assets,
    // the emulator (which is its own Clerk) and the Frontend API proxy stay outside it.
    let shell_for_pages = page_shell.clone();
    let authenticated = Router::new()
        .route("/api/me", get(me::me))
        .route("/api/projects", get(projects::list).post(projects::create))
        .route(
            "/api/projects/{id}",
            get(projects::get)
                .patch(projects::edit)
                .delete(projects::delete),
        )
        .route("/api/{*rest}", any(api_not_found))
        .leptos_routes_with_context(&state, routes, provide_services.clone(), move || {
            shell_for_pages(leptos.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_services, page_shell))
        // Inside the auth layer, which it reads: signed-out page loads of signed-in pages are
        // redirected before rendering starts.
        .layer(middleware::from_fn(app::guard::redirect_signed_out))
        .layer(middleware::from_fn_with_state(
            state.auth.clone(),
            authenticate,
        ));
    let mut public = Router::new()
        .nest_service(&pkg_path, pkg)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        // Clerk's user events are a few KB; anything near this limit is not one.
        .route(
            "/api/webhooks/clerk",
            post(webhooks::clerk_webhook).layer(DefaultBodyLimit::max(256 * 1024)),
        );
    if let Some(emulator) = emulator {
        public = public.nest_service(EMULATOR_PREFIX, emulator);
    }
    let mut app = public.merge(authenticated).with_state(state).layer(limits);
    if let Some(proxy) = proxy {
        app = app.merge(proxy.router());
    }
    app.layer(edge)
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("-");
    let client = request
        .extensions()
        .get::<BrowserOrigin>()
        .and_then(BrowserOrigin::client);
    tracing::info_span!(
        "request",
        request_id,
        client = client.map(tracing::field::display),
        method = %request.method(),
        path = %request.uri().path(),
    )
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received; finishing requests in flight"),
        () = terminate => tracing::info!("SIGTERM received; finishing requests in flight"),
    }
}
