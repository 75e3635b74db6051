//! Zonmart's domain: entities, value objects and the rules that hold whatever
//! the transport or the storage.
//!
//! Every value object validates in its constructor, so a `Username` or a
//! `Version` that exists is valid. Nothing here does I/O, is async, or knows
//! about HTTP or SQL.

pub mod actor;
pub mod address;
pub mod api_key;
pub mod cart;
pub mod country;
pub mod discount;
pub mod event;
pub mod idempotency;
pub mod ids;
pub mod money;
pub mod order;
pub mod page;
pub mod payment;
pub mod pricing;
pub mod product;
pub mod rate_limit;
pub mod shipping;
pub mod tax;
pub mod text;
pub mod user;
pub mod validation;
pub mod version;
pub mod webhook;

pub use actor::{Actor, Denied, Role, Scope, Scopes, Session};
pub use address::{AddressChanges, AddressField, AddressInput, PostalAddress, SavedAddress};
pub use api_key::{ApiKey, ApiKeyName, NewApiKey};
pub use cart::{Cart, CartError, CartLine, PricedCart, PricedLine, Quantity};
pub use country::CountryCode;
pub use discount::{
    Discount, DiscountChanges, DiscountCode, DiscountKind, DiscountRefusal, DiscountTerms, DiscountUse, NewDiscount,
    UseLimit,
};
pub use event::{Event, EventFilter, EventType, FeedPosition, ResourceRef, ResourceType};
pub use idempotency::IdempotencyKey;
pub use ids::{
    AddressId, ApiKeyId, CartId, DiscountId, EventId, InvalidId, OrderId, ProductId, ShippingMethodId, TaxRateId,
    UserId, WebhookId,
};
pub use money::{Currency, PriceCents};
pub use order::{
    CancelReason, Order, OrderCheckout, OrderDiscount, OrderItem, OrderItems, OrderLine, OrderShippingMethod,
    OrderStatus, StatusChangeError,
};
pub use page::{Cursor, Limit, Page, PageRequest, SortKey};
pub use payment::{AttentionReason, PaymentEffect, PaymentEventId, PaymentSucceeded, SignatureHeader};
pub use pricing::{
    price, DiscountChoice, LineStock, Pricing, PricingInput, PricingRefusal, ProductTerms, ShippingChoice,
};
pub use product::{Description, NewProduct, Product, ProductChanges, ProductName, Sku, Stock};
pub use rate_limit::{Gcra, RateDecision};
pub use shipping::{Countries, MethodName, NewShippingMethod, ShippingMethod, ShippingMethodChanges};
pub use tax::{NewTaxRate, RateBp, TaxRate, TaxRateChanges};
pub use user::{Address, Email, FullName, NewUser, Password, PasswordHash, User, UserChanges, Username};
pub use validation::{FieldError, ValidationErrors};
pub use version::{Version, VersionConflict};
pub use webhook::{
    Delivery, DeliveryStatus, NewWebhook, RetryPolicy, TryOutcome, Webhook, WebhookChanges, WebhookDescription,
    WebhookUrl,
};

/// A point in time, always UTC.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
