//! The demo shop (`zonmart demo`): a small, realistic shop written through
//! the same use cases the API calls, so everything it makes obeys the rules
//! a shop owner's data does. Each resource is one use-case call, hence one
//! transaction: an interrupted run leaves whole resources or none.
//!
//! It writes only to a database that is empty or that it marked itself
//! ([`DemoMarker`], written before anything else). A database holding users
//! or products and no marker is never touched, `--force` or not.

mod catalog;
mod seeding;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

use thiserror::Error;
use zonmart_ports::{Clock, DemoMarker, DemoMarkerStore, SecretGenerator, StoreSurvey, UserRepository};

use crate::{
    AddressService, AppError, AuthService, DiscountService, OrderService, ProductService, ShippingMethodService,
    TaxRateService, UserService,
};

/// The demo's admin.
pub const DEMO_ADMIN: &str = "admin";

/// Characters of a generated password: 80 random bits in hex.
const PASSWORD_LEN: usize = 20;

/// What a database holds, as the demo sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreContents {
    /// No user, no product, no marker.
    Empty,
    /// The demo marked it (whatever was added since).
    Demo { admin: String },
    /// Users or products, and no marker: someone's real data.
    Foreign,
}

impl From<StoreSurvey> for StoreContents {
    fn from(survey: StoreSurvey) -> Self {
        match (survey.marker, survey.has_data) {
            (Some(marker), _) => StoreContents::Demo { admin: marker.admin_username },
            (None, true) => StoreContents::Foreign,
            (None, false) => StoreContents::Empty,
        }
    }
}

impl fmt::Display for StoreContents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StoreContents::Empty => "empty",
            StoreContents::Demo { .. } => "demo shop",
            StoreContents::Foreign => "shop data",
        })
    }
}

/// Why the demo did not (completely) run.
#[derive(Debug, Error)]
pub enum DemoError {
    #[error(
        "the database already holds users or products that the demo did not make; the demo never writes to it, \
         not even with --force. Point ZONMART_DATABASE_URL at a new database, e.g. sqlite://demo.db"
    )]
    ForeignData,
    #[error(
        "the database already holds the demo shop (admin `{admin}`); nothing was changed. \
         Run with --force to add what is missing and print new passwords"
    )]
    AlreadySeeded { admin: String },
    #[error("writing the demo shop failed: {0}")]
    Failed(#[from] AppError),
}

/// The services the demo writes through, as the API's handlers use them.
#[derive(Clone, Copy)]
pub struct DemoShop<'a> {
    pub auth: &'a AuthService,
    pub users: &'a UserService,
    pub products: &'a ProductService,
    pub shipping_methods: &'a ShippingMethodService,
    pub tax_rates: &'a TaxRateService,
    pub discounts: &'a DiscountService,
    pub addresses: &'a AddressService,
    pub orders: &'a OrderService,
}

/// Which part of the shop is being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Users,
    Products,
    Checkout,
    Orders,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Users => "users",
            Stage::Products => "products",
            Stage::Checkout => "shipping, tax and discount",
            Stage::Orders => "orders",
        })
    }
}

/// How far the demo has come: `done` of `total` in `stage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub stage: Stage,
    pub done: usize,
    pub total: usize,
}

/// A user the demo made or gave a new password, and that password (shown
/// once, never stored in clear).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
    pub role: zonmart_domain::Role,
}

/// How many of a kind the demo made, and how many were there already.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub created: usize,
    pub existing: usize,
}

/// What the demo made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoReport {
    /// The admin first, then the customers.
    pub users: Vec<Credentials>,
    pub products: Tally,
    pub sold_out: usize,
    pub archived: usize,
    pub shipping_methods: Tally,
    pub countries: Vec<&'static str>,
    pub tax_rates: Tally,
    pub discount_code: &'static str,
    /// The orders placed, by final status (empty when orders were there).
    pub orders: Vec<zonmart_domain::OrderStatus>,
}

/// Writes the demo shop through a [`DemoShop`].
pub struct DemoSeeder {
    marker: Arc<dyn DemoMarkerStore>,
    /// Only to find the demo's own users again (by name) on `--force`.
    users: Arc<dyn UserRepository>,
    secrets: Arc<dyn SecretGenerator>,
    clock: Arc<dyn Clock>,
}

impl DemoSeeder {
    pub fn new(
        marker: Arc<dyn DemoMarkerStore>,
        users: Arc<dyn UserRepository>,
        secrets: Arc<dyn SecretGenerator>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { marker, users, secrets, clock }
    }

    /// What the database holds now.
    pub async fn contents(&self) -> Result<StoreContents, AppError> {
        Ok(self.marker.survey().await?.into())
    }

    /// Fills an empty database with the demo shop. On a database the demo
    /// made, only with `force`: it adds what is missing and gives the demo's
    /// users new passwords. A database with anyone else's data is refused.
    pub async fn seed(
        &self,
        shop: DemoShop<'_>,
        force: bool,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<DemoReport, DemoError> {
        self.admit(force).await?;
        Ok(seeding::Run { seeder: self, shop, progress }.all().await?)
    }

    /// Refuses a database the demo may not write to, and marks any other
    /// one as the demo's before anything else is written.
    async fn admit(&self, force: bool) -> Result<(), DemoError> {
        match (self.contents().await?, force) {
            (StoreContents::Foreign, _) => return Err(DemoError::ForeignData),
            (StoreContents::Demo { admin }, false) => return Err(DemoError::AlreadySeeded { admin }),
            (StoreContents::Empty, _) | (StoreContents::Demo { .. }, true) => {}
        }
        let marker = DemoMarker { admin_username: DEMO_ADMIN.to_owned(), created_at: self.clock.now() };
        self.marker.mark(&marker).await.map_err(AppError::from)?;
        Ok(())
    }

    fn password(&self) -> String {
        self.secrets.secret().chars().take(PASSWORD_LEN).collect()
    }
}
