//! Service API key bodies.

use super::rules;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zonmart_domain::api_key::key_scopes;
use zonmart_domain::{ApiKey, ApiKeyName, NewApiKey, Scope, Scopes, ValidationErrors};

/// A scope's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum ScopeDto {
    #[serde(rename = "catalog:write")]
    CatalogWrite,
    #[serde(rename = "orders:read")]
    OrdersRead,
    #[serde(rename = "orders:write")]
    OrdersWrite,
    #[serde(rename = "events:read")]
    EventsRead,
    #[serde(rename = "webhooks:manage")]
    WebhooksManage,
}

impl From<ScopeDto> for Scope {
    fn from(s: ScopeDto) -> Self {
        match s {
            ScopeDto::CatalogWrite => Scope::CatalogWrite,
            ScopeDto::OrdersRead => Scope::OrdersRead,
            ScopeDto::OrdersWrite => Scope::OrdersWrite,
            ScopeDto::EventsRead => Scope::EventsRead,
            ScopeDto::WebhooksManage => Scope::WebhooksManage,
        }
    }
}

impl From<Scope> for ScopeDto {
    fn from(s: Scope) -> Self {
        match s {
            Scope::CatalogWrite => ScopeDto::CatalogWrite,
            Scope::OrdersRead => ScopeDto::OrdersRead,
            Scope::OrdersWrite => ScopeDto::OrdersWrite,
            Scope::EventsRead => ScopeDto::EventsRead,
            Scope::WebhooksManage => ScopeDto::WebhooksManage,
        }
    }
}

/// `POST /api/v1/api-keys` (admin).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "warehouse", "scopes": ["orders:read", "events:read"]}))]
pub struct CreateApiKeyRequest {
    #[schema(schema_with = rules::api_key_name::required)]
    pub name: String,
    /// At least one.
    #[schema(min_items = 1)]
    pub scopes: Vec<ScopeDto>,
}

impl CreateApiKeyRequest {
    pub fn into_domain(self) -> Result<NewApiKey, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", ApiKeyName::parse(&self.name));
        let scopes = errors.check("scopes", key_scopes(self.scopes.into_iter().map(Scope::from).collect::<Scopes>()));
        match (name, scopes) {
            (Some(name), Some(scopes)) if errors.is_empty() => Ok(NewApiKey { name, scopes }),
            _ => Err(errors),
        }
    }
}

/// A key as every answer shows it (never the key itself).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyBody {
    pub id: String,
    pub name: String,
    pub scopes: Vec<ScopeDto>,
    /// The key's first characters, to recognise it by.
    #[schema(example = "zk_3f9a1")]
    pub prefix: String,
    pub revoked: bool,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&ApiKey> for ApiKeyBody {
    fn from(k: &ApiKey) -> Self {
        ApiKeyBody {
            id: k.id.to_string(),
            name: k.name.as_str().to_owned(),
            scopes: k.scopes.iter().map(ScopeDto::from).collect(),
            prefix: k.prefix.clone(),
            revoked: k.revoked,
            last_used_at: k.last_used_at,
            version: k.version.get(),
            created_at: k.created_at,
            updated_at: k.updated_at,
        }
    }
}

/// The answer to creating a key: the only one with `key`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKeyBody {
    #[serde(flatten)]
    pub body: ApiKeyBody,
    /// The key: send as `Authorization: Bearer zk_…`. Shown this once.
    #[schema(example = "zk_3f9a1c…")]
    pub key: String,
}
