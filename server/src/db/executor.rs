//! Queries that work the same on a direct connection and behind a transaction-mode pooler
//! (PgBouncer, Supavisor, Neon's pooled endpoint).
//!
//! What sqlx 0.8 sends for a query with parameters is two exchanges, each ended by a Sync:
//! Parse + Describe + Sync, then Bind + Execute + Close + Sync. A transaction-mode pooler
//! hands the server connection back to its pool at every ReadyForQuery outside a transaction,
//! so the Bind may reach another server connection than the Parse: there the statement does
//! not exist, or (unnamed) it is another client's. And a named statement (`query!` without
//! result columns, `query_scalar!`, `query(..).bind(..)`; the statement cache keeps them for
//! the connection's lifetime, and with the cache off they are never closed) outlives the
//! transaction on a server connection that other clients share next.
//!
//! So behind such a pooler every statement with parameters is unnamed and runs inside a
//! transaction (`BEGIN`, the two exchanges, `COMMIT`), which the pooler keeps on one server
//! connection; statements without parameters are one simple-protocol message and go alone.
//! Direct, everything passes straight to sqlx (cached named statements, no extra round trips).

use futures::{
    StreamExt,
    future::BoxFuture,
    stream::{self, BoxStream},
};
use sqlx::{
    Describe, Either, Execute, Executor, PgConnection, PgPool, Postgres, Transaction,
    error::BoxDynError,
    postgres::{PgArguments, PgQueryResult, PgRow, PgStatement, PgTypeInfo},
};

/// How the server reaches PostgreSQL for queries (`DATABASE_POOLER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooler {
    /// A direct connection, or a pooler in session mode: a client keeps its server connection.
    None,
    /// A transaction-mode pooler: a client has a server connection only within a transaction.
    Transaction,
}

/// The ways to the database: the pool for queries (an `Executor`: repositories pass `&Db`
/// where they would pass `&PgPool`) and the direct pool for what needs a session of its own.
#[derive(Debug, Clone)]
pub struct Db {
    pool: PgPool,
    direct: PgPool,
    pooler: Pooler,
}

impl Db {
    /// `pool` for queries (behind `pooler`), `direct` for LISTEN and migrations.
    pub fn new(pool: PgPool, direct: PgPool, pooler: Pooler) -> Self {
        Self {
            pool,
            direct,
            pooler,
        }
    }

    pub fn pooler(&self) -> Pooler {
        self.pooler
    }

    /// The query pool. Behind a transaction-mode pooler, query through `&Db` instead.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A pool with sessions of its own: LISTEN, and the migrations' advisory lock, which is
    /// held across their transactions.
    pub fn direct(&self) -> &PgPool {
        &self.direct
    }

    /// Closes both pools.
    pub async fn close(&self) {
        self.pool.close().await;
        self.direct.close().await;
    }

    /// A transaction whose statements are safe behind the pooler too.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(Tx {
            tx: self.pool.begin().await?,
            pooler: self.pooler,
        })
    }
}

impl From<PgPool> for Db {
    /// A pool of direct connections, for queries and sessions alike.
    fn from(pool: PgPool) -> Self {
        Self::new(pool.clone(), pool, Pooler::None)
    }
}

/// A transaction from [`Db::begin`]; `&mut Tx` is an `Executor`.
#[derive(Debug)]
pub struct Tx {
    tx: Transaction<'static, Postgres>,
    pooler: Pooler,
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

/// A query with its arguments taken out in advance (to see whether it has any) and, behind
/// a transaction-mode pooler, never a named statement.
struct Prepared<'q, E> {
    query: E,
    arguments: Option<Result<Option<PgArguments>, BoxDynError>>,
    persistent: bool,
    _sql: std::marker::PhantomData<&'q str>,
}

impl<'q, E: Execute<'q, Postgres>> Prepared<'q, E> {
    fn new(mut query: E, pooler: Pooler) -> Self {
        let arguments = Some(query.take_arguments());
        // Asked after the arguments are taken, as sqlx itself asks.
        let persistent = pooler == Pooler::None && query.persistent();
        Self {
            query,
            arguments,
            persistent,
            _sql: std::marker::PhantomData,
        }
    }

    /// A simple-protocol query: one message, nothing to keep on a server connection.
    fn is_simple(&self) -> bool {
        matches!(self.arguments, Some(Ok(None)))
    }
}

impl<'q, E: Execute<'q, Postgres>> Execute<'q, Postgres> for Prepared<'q, E> {
    fn sql(&self) -> &'q str {
        self.query.sql()
    }

    fn statement(&self) -> Option<&PgStatement<'q>> {
        self.query.statement()
    }

    fn take_arguments(&mut self) -> Result<Option<PgArguments>, BoxDynError> {
        self.arguments.take().unwrap_or(Ok(None))
    }

    fn persistent(&self) -> bool {
        self.persistent
    }
}

type Output = Either<PgQueryResult, PgRow>;

/// Runs one statement in its own transaction and buffers what it returns: the transaction
/// (and with it the pooler's server connection) ends before the caller reads the rows.
async fn in_transaction<'q, E: Execute<'q, Postgres> + 'q>(
    pool: &PgPool,
    query: Prepared<'q, E>,
) -> Result<Vec<Output>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let result: Result<Vec<Output>, sqlx::Error> = {
        let conn: &mut PgConnection = &mut tx;
        conn.fetch_many(query)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect()
    };
    match result {
        Ok(output) => {
            tx.commit().await?;
            Ok(output)
        }
        Err(err) => {
            // Roll back now rather than when the connection is next used: until then the
            // pooler's server connection would stay taken by an aborted transaction.
            tx.rollback().await.ok();
            Err(err)
        }
    }
}

/// Prepared statements cannot be kept behind a transaction-mode pooler.
fn refuse_prepare() -> sqlx::Error {
    sqlx::Error::Configuration(
        "statements cannot be prepared ahead behind a transaction-mode pooler \
         (DATABASE_POOLER=transaction)"
            .into(),
    )
}

impl<'c> Executor<'c> for &'c Db {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Output, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        let query = Prepared::new(query, self.pooler);
        if self.pooler == Pooler::None || query.is_simple() {
            return self.pool.fetch_many(query);
        }
        stream::once(in_transaction(&self.pool, query))
            .flat_map(|result| match result {
                Ok(output) => stream::iter(output.into_iter().map(Ok).collect::<Vec<_>>()),
                Err(err) => stream::iter(vec![Err(err)]),
            })
            .boxed()
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        let query = Prepared::new(query, self.pooler);
        if self.pooler == Pooler::None || query.is_simple() {
            return self.pool.fetch_optional(query);
        }
        Box::pin(async move {
            let output = in_transaction(&self.pool, query).await?;
            Ok(output.into_iter().find_map(|item| item.right()))
        })
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [PgTypeInfo],
    ) -> BoxFuture<'e, Result<PgStatement<'q>, sqlx::Error>>
    where
        'c: 'e,
    {
        match self.pooler {
            Pooler::None => self.pool.prepare_with(sql, parameters),
            Pooler::Transaction => Box::pin(async { Err(refuse_prepare()) }),
        }
    }

    fn describe<'e, 'q: 'e>(
        self,
        sql: &'q str,
    ) -> BoxFuture<'e, Result<Describe<Postgres>, sqlx::Error>>
    where
        'c: 'e,
    {
        match self.pooler {
            Pooler::None => self.pool.describe(sql),
            Pooler::Transaction => Box::pin(async { Err(refuse_prepare()) }),
        }
    }
}

impl<'c> Executor<'c> for &'c mut Tx {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Output, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        // Inside a transaction the pooler keeps the server connection: only the statement's
        // name matters.
        let query = Prepared::new(query, self.pooler);
        let conn: &mut PgConnection = &mut self.tx;
        conn.fetch_many(query)
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        let query = Prepared::new(query, self.pooler);
        let conn: &mut PgConnection = &mut self.tx;
        conn.fetch_optional(query)
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [PgTypeInfo],
    ) -> BoxFuture<'e, Result<PgStatement<'q>, sqlx::Error>>
    where
        'c: 'e,
    {
        match self.pooler {
            Pooler::None => {
                let conn: &mut PgConnection = &mut self.tx;
                conn.prepare_with(sql, parameters)
            }
            Pooler::Transaction => Box::pin(async { Err(refuse_prepare()) }),
        }
    }

    fn describe<'e, 'q: 'e>(
        self,
        sql: &'q str,
    ) -> BoxFuture<'e, Result<Describe<Postgres>, sqlx::Error>>
    where
        'c: 'e,
    {
        match self.pooler {
            Pooler::None => {
                let conn: &mut PgConnection = &mut self.tx;
                conn.describe(sql)
            }
            Pooler::Transaction => Box::pin(async { Err(refuse_prepare()) }),
        }
    }
}
