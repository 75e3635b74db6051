use std::sync::Arc;

use zonmart_domain::{
    Actor, AddressChanges, AddressId, Page, PageRequest, PostalAddress, SavedAddress, UserId, Version,
};
use zonmart_ports::{AddressRepository, Clock, IdGenerator};

use crate::AppError;

/// A customer's saved addresses.
#[derive(Clone)]
pub struct AddressService {
    addresses: Arc<dyn AddressRepository>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl AddressService {
    pub fn new(addresses: Arc<dyn AddressRepository>, clock: Arc<dyn Clock>, ids: Arc<dyn IdGenerator>) -> Self {
        Self { addresses, clock, ids }
    }

    /// Saves an address for the caller.
    pub async fn create(&self, actor: &Actor, address: PostalAddress) -> Result<SavedAddress, AppError> {
        actor.require_user_account()?;
        let id = AddressId::from_ulid(self.ids.generate());
        let saved = SavedAddress::new(id, actor.user_id, address, self.clock.now());
        self.addresses.insert(&saved).await?;
        Ok(saved)
    }

    /// The owner's or any for an admin; someone else's is `NotFound`.
    pub async fn get(&self, actor: &Actor, id: AddressId) -> Result<SavedAddress, AppError> {
        actor.require_user_account()?;
        match self.addresses.find(id).await? {
            Some(address) if actor.may_act_for(address.user_id) => Ok(address),
            _ => Err(AppError::NotFound),
        }
    }

    /// The caller's addresses; an admin's view is everyone's, optionally one
    /// user's. A customer may name only themselves as `user_id`.
    pub async fn list(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        page: PageRequest,
    ) -> Result<Page<SavedAddress>, AppError> {
        actor.require_user_account()?;
        let user_id = match (actor.is_admin(), user_id) {
            (true, filter) => filter,
            (false, None) => Some(actor.user_id),
            (false, Some(id)) if id == actor.user_id => Some(id),
            (false, Some(_)) => {
                return Err(AppError::Forbidden("only an admin may list other users' addresses".into()))
            }
        };
        Ok(self.addresses.list(user_id, page).await?)
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: AddressId,
        expected: Version,
        changes: AddressChanges,
    ) -> Result<SavedAddress, AppError> {
        let current = self.get(actor, id).await?;
        Version::check(expected, current.version)?;
        let updated = current.apply(changes, self.clock.now());
        self.addresses.update(&updated, expected).await?;
        Ok(updated)
    }

    /// Removes it; orders keep their own copy.
    pub async fn delete(&self, actor: &Actor, id: AddressId, expected: Version) -> Result<(), AppError> {
        let current = self.get(actor, id).await?;
        Version::check(expected, current.version)?;
        self.addresses.delete(id, expected).await?;
        Ok(())
    }
}
