//! Read replicas: which reads may use them (the read-routing policy), and
//! when a replica is fit to serve them.
//!
//! # The read-routing policy (written here and nowhere else)
//!
//! Every query runs on the primary, except the reads named by
//! [`ReplicaRead`]: public catalog reads whose answer may be slightly stale
//! without harm, because nothing is ever written on the strength of it.
//!
//! - [`ReplicaRead::ProductListing`] serves `ProductRepository::list`;
//! - [`ReplicaRead::ProductForDisplay`] serves `ProductRepository::find_for_display`
//!   (`GET /api/v1/products/{id}`).
//!
//! Always on the primary: anything inside a write transaction, reading back
//! what was just written, the reads behind an optimistic-lock check
//! (`ProductRepository::find` before an update or archive), carts, orders,
//! users, tokens and idempotency keys. A new kind of replica read is a new
//! variant here, with its reason.
//!
//! A replica serves only while it answers and is at most
//! [`ReplicaOptions::max_lag`] behind the primary. A read on it that fails as
//! unavailable or takes longer than [`REPLICA_READ_TIMEOUT`] sets it aside
//! and goes to the next usable replica; with none, to the primary. Replicas
//! take turns (round robin).
//!
//! # Measuring lag
//!
//! A watcher task samples the primary's WAL position (`pg_current_wal_lsn()`)
//! and each replica's replayed position (`pg_last_wal_replay_lsn()`) a few
//! times per `max_lag`. A replica that has replayed at least what the primary
//! had written at sample time `t` shows every write acknowledged before `t`,
//! so it is at most `now - t` stale. Comparing positions, not
//! `pg_last_xact_replay_timestamp()`, keeps an idle primary from making its
//! replicas look stale. While no primary answers, no write can be
//! acknowledged, so a replica keeps the verdict it had when the primary was
//! last seen: reads go on from replicas during a failover.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use diesel::sql_types::{BigInt, Nullable};
use tokio_postgres::Config;

use super::postgres::{self, PgPool};
use super::PoolOptions;

/// The reads that may be served by a replica: the whole policy (see the
/// module docs). Anything not named here runs on the primary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplicaRead {
    /// A public page of live products.
    ProductListing,
    /// A public single product, for display only, never before a write.
    ProductForDisplay,
}

/// How long one read on a replica may take before it is given to the
/// primary instead (a replica that stopped answering mid-query).
pub(crate) const REPLICA_READ_TIMEOUT: Duration = Duration::from_secs(2);

/// How stale a replica may be and still serve reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplicaOptions {
    /// The most a replica may lag behind the primary (default 1 s).
    pub max_lag: Duration,
}

impl Default for ReplicaOptions {
    fn default() -> Self {
        Self { max_lag: Duration::from_millis(1000) }
    }
}

impl ReplicaOptions {
    /// Four checks per allowed lag, between 50 ms and 500 ms apart.
    fn check_every(&self) -> Duration {
        (self.max_lag / 4).clamp(Duration::from_millis(50), Duration::from_millis(500))
    }

    /// A check that takes longer than this counts as no answer.
    fn probe_timeout(&self) -> Duration {
        self.check_every().max(Duration::from_millis(500))
    }
}

/// One replica as the routing sees it, for logs, metrics and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaStatus {
    /// `host:port` (never credentials).
    pub address: String,
    /// Whether it serves reads now.
    pub usable: bool,
    /// The bound on its staleness at the last check; `None` when unknown.
    pub lag: Option<Duration>,
}

/// The replicas of one primary and their current fitness.
pub(crate) struct ReplicaSet {
    replicas: Vec<Replica>,
    next: AtomicUsize,
    options: ReplicaOptions,
}

pub(crate) struct Replica {
    address: String,
    pub(crate) pool: PgPool,
    pub(crate) config: Arc<Config>,
    usable: AtomicBool,
    /// Milliseconds; `u64::MAX` when unknown.
    lag_ms: AtomicU64,
}

impl Replica {
    /// Takes the replica out of rotation until the watcher finds it fit again.
    pub(crate) fn set_aside(&self, reason: &str) {
        if self.usable.swap(false, Ordering::AcqRel) {
            tracing::warn!(replica = %self.address, reason, "read replica set aside; reads go to the primary");
        }
    }

    pub(crate) fn address(&self) -> &str {
        &self.address
    }
}

impl ReplicaSet {
    /// Pools for `configs` (none is contacted yet; every replica starts
    /// unusable until the watcher has checked it).
    pub(crate) fn new(
        configs: Vec<Config>,
        pool: PoolOptions,
        options: ReplicaOptions,
    ) -> Result<Self, super::DbError> {
        let replicas = configs
            .into_iter()
            .map(|config| {
                let config = Arc::new(config);
                Ok(Replica {
                    address: address_of(&config),
                    pool: postgres::build_pool(Arc::clone(&config), pool)?,
                    config,
                    usable: AtomicBool::new(false),
                    lag_ms: AtomicU64::new(u64::MAX),
                })
            })
            .collect::<Result<Vec<_>, super::DbError>>()?;
        Ok(Self { replicas, next: AtomicUsize::new(0), options })
    }

    /// The next usable replica in turn, if any: usable ones share the reads
    /// evenly, whichever are set aside.
    pub(crate) fn pick(&self) -> Option<&Replica> {
        let usable = || self.replicas.iter().filter(|r| r.usable.load(Ordering::Acquire));
        let count = usable().count();
        if count == 0 {
            return None;
        }
        let turn = self.next.fetch_add(1, Ordering::Relaxed);
        usable().nth(turn % count)
    }

    pub(crate) fn len(&self) -> usize {
        self.replicas.len()
    }

    pub(crate) fn status(&self) -> Vec<ReplicaStatus> {
        self.replicas
            .iter()
            .map(|r| {
                let lag_ms = r.lag_ms.load(Ordering::Acquire);
                ReplicaStatus {
                    address: r.address.clone(),
                    usable: r.usable.load(Ordering::Acquire),
                    lag: (lag_ms != u64::MAX).then(|| Duration::from_millis(lag_ms)),
                }
            })
            .collect()
    }

    /// Checks the replicas against `primary` for as long as `set` lives.
    pub(crate) fn spawn_watcher(set: &Arc<ReplicaSet>, primary: PgPool) {
        let every = set.options.check_every();
        let set = Arc::downgrade(set);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut primary_history = PrimaryHistory::default();
            let mut fresh_when_primary_last_seen: Vec<bool> = Vec::new();
            loop {
                tick.tick().await;
                let Some(set) = Weak::upgrade(&set) else { return };
                set.check(&primary, &mut primary_history, &mut fresh_when_primary_last_seen).await;
            }
        });
    }

    async fn check(&self, primary: &PgPool, history: &mut PrimaryHistory, fresh_before: &mut Vec<bool>) {
        fresh_before.resize(self.replicas.len(), false);
        let timeout = self.options.probe_timeout();
        let sampled_at = Instant::now();
        // All probes at once: one silent server must not delay the others.
        let primary_probe = tokio::spawn(wal_position(primary.clone(), timeout));
        let replica_probes: Vec<_> =
            self.replicas.iter().map(|r| tokio::spawn(wal_position(r.pool.clone(), timeout))).collect();
        let primary_position = primary_probe.await.ok().flatten();
        let mut replica_positions = Vec::with_capacity(replica_probes.len());
        for probe in replica_probes {
            replica_positions.push(probe.await.ok().flatten());
        }
        let primary_seen = primary_position.is_some();
        if let Some(position) = primary_position {
            history.record(sampled_at, position, self.options.max_lag);
        }
        let now = Instant::now();
        for ((replica, position), fresh_before) in self.replicas.iter().zip(replica_positions).zip(fresh_before) {
            let lag = position.and_then(|p| history.staleness(p, now));
            let usable = match (position, primary_seen) {
                (None, _) => false,
                (Some(_), true) => {
                    *fresh_before = lag.is_some_and(|lag| lag <= self.options.max_lag);
                    *fresh_before
                }
                // No primary: nothing new can be acknowledged, so the replica
                // is as fresh as when the primary was last seen.
                (Some(_), false) => *fresh_before,
            };
            let lag_ms = lag.map_or(u64::MAX, |l| u64::try_from(l.as_millis()).unwrap_or(u64::MAX));
            replica.lag_ms.store(lag_ms, Ordering::Release);
            let was = replica.usable.swap(usable, Ordering::AcqRel);
            if was != usable {
                if usable {
                    tracing::info!(replica = %replica.address, lag_ms, "read replica serves reads");
                } else {
                    let answered = position.is_some();
                    tracing::warn!(replica = %replica.address, answered, lag_ms, "read replica set aside");
                }
            }
        }
    }
}

/// The server's WAL position in bytes: replayed on a standby, written on a
/// primary (a replica URL may point at a promoted node); `None` when it does
/// not answer in time.
async fn wal_position(pool: PgPool, timeout: Duration) -> Option<u64> {
    const POSITION: &str = "pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() \
                            ELSE pg_current_wal_lsn() END, '0/0')::bigint";
    // Imported here only: its `load` would shadow the atomics' elsewhere.
    use diesel_async::RunQueryDsl;
    let probe = async move {
        let mut conn = pool.get().await.ok()?;
        diesel::select(diesel::dsl::sql::<Nullable<BigInt>>(POSITION))
            .get_result::<Option<i64>>(&mut *conn)
            .await
            .ok()
            .flatten()
    };
    // Detached, like every query (see the parent module): a probe cut short
    // must not cancel a statement half-way.
    match tokio::time::timeout(timeout, tokio::spawn(probe)).await {
        Ok(Ok(Some(position))) => u64::try_from(position).ok(),
        _ => None,
    }
}

/// Recent samples of the primary's WAL position, oldest first.
#[derive(Debug, Default)]
pub(crate) struct PrimaryHistory {
    samples: VecDeque<(Instant, u64)>,
}

impl PrimaryHistory {
    /// Remembers that the primary had written `position` by `at`, forgetting
    /// samples too old to matter (a replica behind all of them is too stale).
    pub(crate) fn record(&mut self, at: Instant, position: u64, max_lag: Duration) {
        self.samples.push_back((at, position));
        let keep = max_lag.saturating_mul(2) + Duration::from_secs(1);
        while self.samples.len() > 1 && self.samples.front().is_some_and(|(t, _)| at.duration_since(*t) > keep) {
            self.samples.pop_front();
        }
    }

    /// An upper bound on how stale a replica that has replayed up to
    /// `replayed` is at `now`: the age of the newest sample it has caught up
    /// with; `None` when it is behind every remembered sample.
    pub(crate) fn staleness(&self, replayed: u64, now: Instant) -> Option<Duration> {
        self.samples
            .iter()
            .rev()
            .find(|(_, position)| *position <= replayed)
            .map(|(at, _)| now.saturating_duration_since(*at))
    }
}

/// `host:port[,host:port...]` of a configuration, for logs.
fn address_of(config: &Config) -> String {
    let ports = config.get_ports();
    config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let host = match host {
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                #[allow(unreachable_patterns)]
                other => format!("{other:?}"),
            };
            let port = ports.get(i).or_else(|| ports.first()).copied().unwrap_or(5432);
            format!("{host}:{port}")
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_replica_level_with_an_idle_primary_is_fresh_however_long_it_idles() {
        let start = Instant::now();
        let mut history = PrimaryHistory::default();
        for tick in 0..100 {
            history.record(start + Duration::from_millis(250) * tick, 5_000, SECOND);
        }
        let now = start + Duration::from_millis(250) * 99;
        assert_eq!(history.staleness(5_000, now), Some(Duration::ZERO));
    }

    #[test]
    fn a_replica_behind_is_as_stale_as_the_newest_sample_it_has_caught_up_with() {
        let start = Instant::now();
        let mut history = PrimaryHistory::default();
        history.record(start, 100, SECOND);
        history.record(start + Duration::from_millis(250), 200, SECOND);
        history.record(start + Duration::from_millis(500), 300, SECOND);
        let now = start + Duration::from_millis(600);
        assert_eq!(history.staleness(250, now), Some(Duration::from_millis(350)));
        assert_eq!(history.staleness(300, now), Some(Duration::from_millis(100)));
    }

    #[test]
    fn a_replica_behind_every_remembered_sample_has_no_bound() {
        let start = Instant::now();
        let mut history = PrimaryHistory::default();
        for tick in 0..40 {
            history.record(start + Duration::from_millis(250) * tick, 1_000 + u64::from(tick), SECOND);
        }
        assert_eq!(history.staleness(999, start + Duration::from_secs(10)), None);
    }

    #[test]
    fn after_a_failover_the_new_primarys_lower_positions_count() {
        // The old primary had written past what reached the new one.
        let start = Instant::now();
        let mut history = PrimaryHistory::default();
        history.record(start, 9_000, SECOND);
        history.record(start + Duration::from_secs(3), 8_500, SECOND);
        assert_eq!(history.staleness(8_600, start + Duration::from_secs(3)), Some(Duration::ZERO));
    }

    #[test]
    fn checks_come_several_times_per_allowed_lag_within_bounds() {
        let every = |ms| ReplicaOptions { max_lag: Duration::from_millis(ms) }.check_every();
        assert_eq!(every(1000), Duration::from_millis(250));
        assert_eq!(every(10), Duration::from_millis(50));
        assert_eq!(every(60_000), Duration::from_millis(500));
    }
}
