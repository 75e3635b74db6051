//! Webhooks on the SQL database and over HTTP: the subscriptions
//! (`WebhookRepository`), the deliveries and their fan-out and leases
//! ([`deliveries`]), and the signed, guarded sending ([`sender`]).

pub mod deliveries;
pub mod sender;

use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use zonmart_domain::{
    EventFilter, EventType, Page, PageRequest, Version, Webhook, WebhookDescription, WebhookId, WebhookUrl,
};
use zonmart_ports::{RepoError, WebhookRepository};

use crate::db::errors::corrupt;
use crate::db::versioned::{version_checked, Unwritten};
use crate::db::{with_conn, with_write_conn, Database};
use crate::schema::webhooks;

pub use deliveries::SqlDeliveryStore;
pub use sender::{HttpWebhookSender, ResolvingTargetGuard, SenderOptions};

/// Stores subscriptions in the `webhooks` table.
#[derive(Debug, Clone)]
pub struct SqlWebhookRepository {
    db: Database,
}

impl SqlWebhookRepository {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = webhooks, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct WebhookRow {
    pub id: String,
    pub url: String,
    pub events: String,
    pub description: Option<String>,
    pub enabled: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

fn events_text(filter: &EventFilter) -> String {
    match filter {
        EventFilter::All => "*".to_owned(),
        EventFilter::Only(kinds) => kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(","),
    }
}

impl WebhookRow {
    fn from_webhook(w: &Webhook) -> Self {
        WebhookRow {
            id: w.id.to_string(),
            url: w.url.as_str().to_owned(),
            events: events_text(&w.events),
            description: w.description.as_ref().map(|d| d.as_str().to_owned()),
            enabled: w.enabled,
            version: w.version.get(),
            created_at: w.created_at.naive_utc(),
            updated_at: w.updated_at.naive_utc(),
        }
    }

    pub(crate) fn into_webhook(self) -> Result<Webhook, RepoError> {
        let field = |name: &str, e: &dyn std::fmt::Display| corrupt("webhook", &self.id, name, e);
        let events = if self.events == "*" {
            EventFilter::All
        } else {
            EventFilter::Only(
                self.events
                    .split(',')
                    .map(|t| t.parse::<EventType>())
                    .collect::<Result<_, _>>()
                    .map_err(|e| field("events", &e))?,
            )
        };
        Ok(Webhook {
            id: WebhookId::parse(&self.id).map_err(|e| field("id", &e))?,
            url: WebhookUrl::parse(&self.url).map_err(|e| field("url", &e))?,
            events,
            description: self
                .description
                .as_deref()
                .map(WebhookDescription::parse)
                .transpose()
                .map_err(|e| field("description", &e))?,
            enabled: self.enabled,
            version: Version::new(self.version).map_err(|e| field("version", &e))?,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

#[async_trait]
impl WebhookRepository for SqlWebhookRepository {
    async fn insert(&self, webhook: &Webhook, secret: &str) -> Result<(), RepoError> {
        let row = WebhookRow::from_webhook(webhook);
        let secret = secret.to_owned();
        with_write_conn!(self.db, |conn| {
            diesel::insert_into(webhooks::table)
                .values((&row, webhooks::secret.eq(&secret)))
                .execute(conn)
                .await
                .map(|_| ())
        })
    }

    async fn find(&self, id: WebhookId) -> Result<Option<Webhook>, RepoError> {
        let id = id.to_string();
        let row = with_conn!(self.db, |conn| {
            webhooks::table.find(&id).select(WebhookRow::as_select()).first(conn).await.optional()
        })?;
        row.map(WebhookRow::into_webhook).transpose()
    }

    async fn list(&self, page: PageRequest) -> Result<Page<Webhook>, RepoError> {
        let fetch = i64::from(page.limit.get()) + 1;
        let after = page.after.map(|cursor| cursor.id().to_string());
        let rows = with_conn!(self.db, |conn| {
            let mut query =
                webhooks::table.select(WebhookRow::as_select()).order(webhooks::id.desc()).limit(fetch).into_boxed();
            if let Some(after) = &after {
                query = query.filter(webhooks::id.lt(after.clone()));
            }
            query.load(conn).await
        })?;
        let hooks = rows.into_iter().map(WebhookRow::into_webhook).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(hooks, page.limit, |w| w.id.ulid()))
    }

    async fn update(&self, webhook: &Webhook, expected: Version) -> Result<(), RepoError> {
        let row = WebhookRow::from_webhook(webhook);
        let expected = expected.get();
        let written = with_write_conn!(self.db, |conn| {
            let written = diesel::update(webhooks::table.find(&row.id).filter(webhooks::version.eq(expected)))
                .set(&row)
                .execute(conn)
                .await?;
            if written > 0 {
                return Ok(Ok(()));
            }
            let current =
                webhooks::table.find(&row.id).select(webhooks::version).first::<i64>(conn).await.optional()?;
            Ok(Err(Unwritten::from_current(current)))
        })?;
        version_checked(written)
    }

    async fn delete(&self, id: WebhookId, expected: Version) -> Result<(), RepoError> {
        let id = id.to_string();
        let expected = expected.get();
        let deleted = with_write_conn!(self.db, |conn| {
            let deleted =
                diesel::delete(webhooks::table.find(&id).filter(webhooks::version.eq(expected))).execute(conn).await?;
            if deleted > 0 {
                return Ok(Ok(()));
            }
            let current = webhooks::table.find(&id).select(webhooks::version).first::<i64>(conn).await.optional()?;
            Ok(Err(Unwritten::from_current(current)))
        })?;
        version_checked(deleted)
    }
}
