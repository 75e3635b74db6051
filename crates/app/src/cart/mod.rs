//! Cart use cases: the caller's own cart, created empty on first use,
//! priced with current prices, changed only at the version the caller read.

use std::sync::Arc;

use zonmart_domain::{Actor, Cart, CartError, CartId, PricedCart, Product, ProductId, Quantity, UserId, Version};
use zonmart_ports::{CartRepository, Clock, IdGenerator, ProductRepository, RepoError};

use crate::access::{at_current_version, require_named_self};
use crate::AppError;

#[cfg(test)]
mod tests;

#[derive(Clone)]
pub struct CartService {
    carts: Arc<dyn CartRepository>,
    products: Arc<dyn ProductRepository>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl CartService {
    pub fn new(
        carts: Arc<dyn CartRepository>,
        products: Arc<dyn ProductRepository>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self { carts, products, clock, ids }
    }

    /// The caller's cart, created empty on first use.
    pub async fn get(&self, actor: &Actor) -> Result<PricedCart, AppError> {
        let cart = self.cart_of(actor).await?;
        self.priced(cart).await
    }

    async fn cart_of(&self, actor: &Actor) -> Result<Cart, AppError> {
        actor.require_user_account()?;
        if let Some(cart) = self.carts.find_by_user(actor.user_id).await? {
            return Ok(cart);
        }
        let cart = Cart::new(CartId::from_ulid(self.ids.generate()), actor.user_id, self.clock.now());
        match self.carts.insert(&cart).await {
            Ok(()) => Ok(cart),
            // A concurrent first use created it: use that one.
            Err(RepoError::Duplicate { .. }) => self.carts.find_by_user(actor.user_id).await?.ok_or(AppError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    async fn priced(&self, cart: Cart) -> Result<PricedCart, AppError> {
        let ids: Vec<ProductId> = cart.lines.iter().map(|l| l.product_id).collect();
        let products = if ids.is_empty() { Vec::new() } else { self.products.find_many(&ids).await? };
        Ok(PricedCart::new(cart, &products))
    }

    /// Sets the quantity of a product in the cart. The product must exist
    /// (404), be orderable (409 `product_unavailable`) and be priced in the
    /// cart's currency (400).
    pub async fn set_item(
        &self,
        actor: &Actor,
        product_id: ProductId,
        quantity: Quantity,
        expected: Version,
    ) -> Result<PricedCart, AppError> {
        let product = self.products.find(product_id).await?.ok_or(AppError::NotFound)?;
        if !product.is_orderable() {
            return Err(AppError::ProductUnavailable { product_ids: vec![product_id] });
        }
        let cart = self.cart_of(actor).await?;
        Version::check(expected, cart.version)?;
        let current = self.priced(cart.clone()).await?;
        if !cart.lines.iter().all(|l| l.product_id == product_id) && current.currency != product.currency {
            return Err(currency_mismatch(&product, &current));
        }
        let changed = cart.set_line(product_id, quantity, self.clock.now()).map_err(cart_error)?;
        self.save(changed, expected).await
    }

    pub async fn remove_item(
        &self,
        actor: &Actor,
        product_id: ProductId,
        expected: Version,
    ) -> Result<PricedCart, AppError> {
        let cart = self.cart_of(actor).await?;
        Version::check(expected, cart.version)?;
        let changed = cart.remove_line(product_id, self.clock.now()).map_err(cart_error)?;
        self.save(changed, expected).await
    }

    pub async fn clear(&self, actor: &Actor, expected: Version) -> Result<PricedCart, AppError> {
        let cart = self.cart_of(actor).await?;
        Version::check(expected, cart.version)?;
        let changed = cart.clear(self.clock.now());
        self.save(changed, expected).await
    }

    /// One more of a product in the cart of `named`, who must be the caller,
    /// at whatever version the cart has now: the seed's unversioned "add to
    /// cart", run again if a concurrent write moved the cart on in between.
    pub async fn add_one(&self, actor: &Actor, named: UserId, product_id: ProductId) -> Result<PricedCart, AppError> {
        require_named_self(actor.user_id, named)?;
        at_current_version(|| async {
            let current = self.get(actor).await?;
            let held = current.cart.lines.iter().find(|l| l.product_id == product_id).map_or(0, |l| l.quantity.get());
            let quantity = Quantity::new(held + 1).map_err(|e| AppError::validation("product_id", &e.to_string()))?;
            self.set_item(actor, product_id, quantity, current.cart.version).await
        })
        .await
    }

    async fn save(&self, cart: Cart, expected: Version) -> Result<PricedCart, AppError> {
        self.carts.save(&cart, expected).await?;
        self.priced(cart).await
    }
}

fn currency_mismatch(product: &Product, cart: &PricedCart) -> AppError {
    AppError::validation(
        "product_id",
        &format!("is priced in {}, but this cart is in {}", product.currency, cart.currency),
    )
}

fn cart_error(e: CartError) -> AppError {
    match e {
        CartError::NotInCart => AppError::NotFound,
        CartError::TooManyLines => AppError::validation("product_id", &e.to_string()),
    }
}
