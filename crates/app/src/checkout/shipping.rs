use std::sync::Arc;

use zonmart_domain::{
    Actor, CountryCode, NewShippingMethod, Page, PageRequest, ShippingMethod, ShippingMethodChanges, ShippingMethodId,
    Version,
};
use zonmart_ports::{Clock, IdGenerator, ShippingMethodRepository};

use crate::access::require_catalog_admin;
use crate::AppError;

/// The shop's shipping methods: public reads, admin writes; delete archives.
#[derive(Clone)]
pub struct ShippingMethodService {
    methods: Arc<dyn ShippingMethodRepository>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl ShippingMethodService {
    pub fn new(methods: Arc<dyn ShippingMethodRepository>, clock: Arc<dyn Clock>, ids: Arc<dyn IdGenerator>) -> Self {
        Self { methods, clock, ids }
    }

    pub async fn create(&self, actor: &Actor, new: NewShippingMethod) -> Result<ShippingMethod, AppError> {
        require_catalog_admin(actor, "create shipping methods")?;
        let method = new.into_method(ShippingMethodId::from_ulid(self.ids.generate()), self.clock.now());
        self.methods.insert(&method).await?;
        Ok(method)
    }

    /// Public; archived ones too.
    pub async fn get(&self, id: ShippingMethodId) -> Result<ShippingMethod, AppError> {
        self.methods.find(id).await?.ok_or(AppError::NotFound)
    }

    /// Public: live methods, those shipping to `country` if given.
    pub async fn list(
        &self,
        country: Option<CountryCode>,
        page: PageRequest,
    ) -> Result<Page<ShippingMethod>, AppError> {
        Ok(self.methods.list(country, page).await?)
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: ShippingMethodId,
        expected: Version,
        changes: ShippingMethodChanges,
    ) -> Result<ShippingMethod, AppError> {
        require_catalog_admin(actor, "change shipping methods")?;
        let current = self.get(id).await?;
        Version::check(expected, current.version)?;
        let updated = current.apply(changes, self.clock.now());
        self.methods.update(&updated, expected).await?;
        Ok(updated)
    }

    /// Archives: never listed nor chosen again, still readable; archiving
    /// an archived method changes nothing.
    pub async fn archive(&self, actor: &Actor, id: ShippingMethodId, expected: Version) -> Result<(), AppError> {
        require_catalog_admin(actor, "archive shipping methods")?;
        let current = self.get(id).await?;
        Version::check(expected, current.version)?;
        if let Some(archived) = current.archive(self.clock.now()) {
            self.methods.update(&archived, expected).await?;
        }
        Ok(())
    }
}
