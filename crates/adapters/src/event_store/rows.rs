//! Events as rows and back.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use zonmart_domain::ids::parse_ulid;
use zonmart_domain::{Event, EventId, EventType, FeedPosition, ResourceRef, ResourceType, Version};
use zonmart_ports::RepoError;

use crate::db::errors::corrupt;
use crate::schema::events;

/// An event as written (`seq` and `txid` come from the database) and read.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = events)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct EventRow {
    #[diesel(skip_insertion)]
    pub seq: i64,
    #[diesel(skip_insertion)]
    pub txid: i64,
    pub id: String,
    pub event_type: String,
    pub resource_type: String,
    pub resource_id: String,
    pub resource_version: i64,
    pub data: String,
    pub created_at: NaiveDateTime,
}

impl EventRow {
    pub fn from_event(event: &Event) -> Self {
        EventRow {
            seq: 0,
            txid: 0,
            id: event.id.to_string(),
            event_type: event.kind.as_str().to_owned(),
            resource_type: event.resource.kind.as_str().to_owned(),
            resource_id: event.resource.id.to_string(),
            resource_version: event.resource.version.get(),
            data: event.data.clone(),
            created_at: event.created_at.naive_utc(),
        }
    }

    pub fn into_positioned(self) -> Result<(FeedPosition, Event), RepoError> {
        let field = |name: &str, e: &dyn std::fmt::Display| corrupt("event", &self.id, name, e);
        let event = Event {
            id: EventId::parse(&self.id).map_err(|e| field("id", &e))?,
            kind: self.event_type.parse::<EventType>().map_err(|e| field("event_type", &e))?,
            created_at: self.created_at.and_utc(),
            resource: ResourceRef {
                kind: self.resource_type.parse::<ResourceType>().map_err(|e| field("resource_type", &e))?,
                id: parse_ulid(&self.resource_id).map_err(|e| field("resource_id", &e))?,
                version: Version::new(self.resource_version).map_err(|e| field("resource_version", &e))?,
            },
            data: self.data,
        };
        Ok((FeedPosition { group: self.txid, seq: self.seq }, event))
    }
}
