use std::sync::Arc;

use zonmart_domain::{Actor, NewTaxRate, Page, PageRequest, TaxRate, TaxRateChanges, TaxRateId, Version};
use zonmart_ports::{Clock, IdGenerator, TaxRateRepository};

use crate::access::require_catalog_admin;
use crate::AppError;

/// Tax rates, one per country: public reads, admin writes; delete removes.
#[derive(Clone)]
pub struct TaxRateService {
    rates: Arc<dyn TaxRateRepository>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl TaxRateService {
    pub fn new(rates: Arc<dyn TaxRateRepository>, clock: Arc<dyn Clock>, ids: Arc<dyn IdGenerator>) -> Self {
        Self { rates, clock, ids }
    }

    /// `Duplicate { field: "country" }` when the country has a rate.
    pub async fn create(&self, actor: &Actor, new: NewTaxRate) -> Result<TaxRate, AppError> {
        require_catalog_admin(actor, "create tax rates")?;
        let rate = new.into_rate(TaxRateId::from_ulid(self.ids.generate()), self.clock.now());
        self.rates.insert(&rate).await?;
        Ok(rate)
    }

    pub async fn get(&self, id: TaxRateId) -> Result<TaxRate, AppError> {
        self.rates.find(id).await?.ok_or(AppError::NotFound)
    }

    pub async fn list(&self, page: PageRequest) -> Result<Page<TaxRate>, AppError> {
        Ok(self.rates.list(page).await?)
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: TaxRateId,
        expected: Version,
        changes: TaxRateChanges,
    ) -> Result<TaxRate, AppError> {
        require_catalog_admin(actor, "change tax rates")?;
        let current = self.get(id).await?;
        Version::check(expected, current.version)?;
        let updated = current.apply(changes, self.clock.now());
        self.rates.update(&updated, expected).await?;
        Ok(updated)
    }

    pub async fn delete(&self, actor: &Actor, id: TaxRateId, expected: Version) -> Result<(), AppError> {
        require_catalog_admin(actor, "delete tax rates")?;
        let current = self.get(id).await?;
        Version::check(expected, current.version)?;
        self.rates.delete(id, expected).await?;
        Ok(())
    }
}
