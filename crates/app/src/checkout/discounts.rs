use std::sync::Arc;

use zonmart_domain::{Actor, Discount, DiscountChanges, DiscountId, NewDiscount, Page, PageRequest, Version};
use zonmart_ports::{Clock, DiscountRepository, IdGenerator};

use crate::access::require_catalog_admin;
use crate::AppError;

/// Discount codes: admins only, reads included; delete archives. Their
/// `uses` move only with orders.
#[derive(Clone)]
pub struct DiscountService {
    discounts: Arc<dyn DiscountRepository>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl DiscountService {
    pub fn new(discounts: Arc<dyn DiscountRepository>, clock: Arc<dyn Clock>, ids: Arc<dyn IdGenerator>) -> Self {
        Self { discounts, clock, ids }
    }

    /// `Duplicate { field: "code" }` when the code is taken.
    pub async fn create(&self, actor: &Actor, new: NewDiscount) -> Result<Discount, AppError> {
        require_catalog_admin(actor, "create discount codes")?;
        let discount = new.into_discount(DiscountId::from_ulid(self.ids.generate()), self.clock.now());
        self.discounts.insert(&discount).await?;
        tracing::info!(discount_id = %discount.id, code = %discount.code, by = %actor.user_id, "discount code created");
        Ok(discount)
    }

    pub async fn get(&self, actor: &Actor, id: DiscountId) -> Result<Discount, AppError> {
        require_catalog_admin(actor, "read discount codes")?;
        self.discounts.find(id).await?.ok_or(AppError::NotFound)
    }

    /// `q`: a code prefix, matched ignoring case.
    pub async fn list(&self, actor: &Actor, q: Option<&str>, page: PageRequest) -> Result<Page<Discount>, AppError> {
        require_catalog_admin(actor, "list discount codes")?;
        let prefix = q.filter(|q| !q.is_empty()).map(str::to_ascii_uppercase);
        Ok(self.discounts.list(prefix, page).await?)
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: DiscountId,
        expected: Version,
        changes: DiscountChanges,
    ) -> Result<Discount, AppError> {
        let current = self.get(actor, id).await?;
        Version::check(expected, current.version)?;
        let updated = current.apply(changes, self.clock.now()).map_err(AppError::Validation)?;
        self.discounts.update(&updated, expected).await?;
        Ok(updated)
    }

    /// Archives: orders no longer find the code; archiving twice changes nothing.
    pub async fn archive(&self, actor: &Actor, id: DiscountId, expected: Version) -> Result<(), AppError> {
        let current = self.get(actor, id).await?;
        Version::check(expected, current.version)?;
        if let Some(archived) = current.archive(self.clock.now()) {
            self.discounts.update(&archived, expected).await?;
        }
        Ok(())
    }
}
