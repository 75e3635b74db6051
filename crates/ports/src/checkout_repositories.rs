//! Where the checkout's resources are kept: customers' saved addresses,
//! shipping methods, tax rates and discount codes. Each write states the
//! version it read and happens in one statement only while the stored row is
//! still at it (`VersionConflict` or `NotFound` otherwise).

use async_trait::async_trait;
use zonmart_domain::{
    AddressId, CountryCode, Discount, DiscountId, Page, PageRequest, SavedAddress, ShippingMethod, ShippingMethodId,
    TaxRate, TaxRateId, UserId, Version,
};

use crate::RepoError;

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait AddressRepository: Send + Sync {
    async fn insert(&self, address: &SavedAddress) -> Result<(), RepoError>;

    async fn find(&self, id: AddressId) -> Result<Option<SavedAddress>, RepoError>;

    /// Newest first; one user's when `user_id` is given.
    async fn list(&self, user_id: Option<UserId>, page: PageRequest) -> Result<Page<SavedAddress>, RepoError>;

    async fn update(&self, address: &SavedAddress, expected: Version) -> Result<(), RepoError>;

    async fn delete(&self, id: AddressId, expected: Version) -> Result<(), RepoError>;
}

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ShippingMethodRepository: Send + Sync {
    async fn insert(&self, method: &ShippingMethod) -> Result<(), RepoError>;

    /// Archived ones too.
    async fn find(&self, id: ShippingMethodId) -> Result<Option<ShippingMethod>, RepoError>;

    /// Live methods, newest first; with `country`, only those shipping there.
    async fn list(&self, country: Option<CountryCode>, page: PageRequest) -> Result<Page<ShippingMethod>, RepoError>;

    /// Also archives (`archived` set on `method`).
    async fn update(&self, method: &ShippingMethod, expected: Version) -> Result<(), RepoError>;
}

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait TaxRateRepository: Send + Sync {
    /// `Duplicate { field: "country" }` when the country has a rate.
    async fn insert(&self, rate: &TaxRate) -> Result<(), RepoError>;

    async fn find(&self, id: TaxRateId) -> Result<Option<TaxRate>, RepoError>;

    /// Newest first.
    async fn list(&self, page: PageRequest) -> Result<Page<TaxRate>, RepoError>;

    /// `Duplicate { field: "country" }` when moved onto a country that has a rate.
    async fn update(&self, rate: &TaxRate, expected: Version) -> Result<(), RepoError>;

    async fn delete(&self, id: TaxRateId, expected: Version) -> Result<(), RepoError>;
}

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait DiscountRepository: Send + Sync {
    /// `Duplicate { field: "code" }` when the code is taken.
    async fn insert(&self, discount: &Discount) -> Result<(), RepoError>;

    /// Archived ones too, with their current `uses`.
    async fn find(&self, id: DiscountId) -> Result<Option<Discount>, RepoError>;

    /// Newest first, archived ones too; with `prefix` (upper-case), only
    /// codes starting with it.
    async fn list(&self, prefix: Option<String>, page: PageRequest) -> Result<Page<Discount>, RepoError>;

    /// Writes the code's terms, `code` and `archived` (never `uses`, which
    /// only orders move); `Duplicate { field: "code" }` for a taken code.
    async fn update(&self, discount: &Discount, expected: Version) -> Result<(), RepoError>;
}
