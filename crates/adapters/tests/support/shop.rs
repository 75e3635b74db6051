//! A shop for the order tests: one customer, products to stock, orders to
//! place, and the stock levels to check afterwards.

use zonmart_adapters::{
    Database, SqlCartRepository, SqlOrderRepository, SqlProductRepository, SystemClock, UlidGenerator,
};
use zonmart_domain::{
    Actor, Cursor, Limit, Order, OrderId, OrderItem, OrderItems, OrderStatus, PageRequest, Product, Quantity, Role,
    User, UserId,
};
use zonmart_ports::{
    Checkout, Clock, IdGenerator, OrderFilter, OrderRepository, OrderSource, PlaceOrder, PlaceOrderError,
    ProductRepository,
};

use super::{stored_customer, Products};

/// A store with one customer, and ways to stock it and to order from it.
/// One generator makes every id, so ids follow the order things were made.
pub struct Shop {
    pub products: SqlProductRepository,
    pub carts: SqlCartRepository,
    pub orders: SqlOrderRepository,
    pub user: User,
    pub made: Products,
    pub ids: UlidGenerator,
}

impl Shop {
    pub async fn new(db: Database) -> Self {
        let user = stored_customer(&db, "alice").await;
        Self {
            products: SqlProductRepository::new(db.clone()),
            carts: SqlCartRepository::new(db.clone()),
            orders: SqlOrderRepository::new(db),
            user,
            made: Products::new(),
            ids: UlidGenerator::new(),
        }
    }

    pub async fn stock(&self, name: &str, price_cents: i64, stock: i64) -> Product {
        self.stock_in(name, price_cents, stock, "USD").await
    }

    pub async fn stock_in(&self, name: &str, price_cents: i64, stock: i64, currency: &str) -> Product {
        let product = self.made.in_currency(name, price_cents, stock, currency);
        self.products.insert(&product, &zonmart_adapters::testing::events::any_event()).await.unwrap();
        product
    }

    pub async fn place(&self, source: OrderSource) -> Result<Order, PlaceOrderError> {
        self.place_for(self.user.id, source).await
    }

    /// An order of another (stored) user, its id from the same generator,
    /// so ids keep the order in which orders were placed.
    pub async fn place_for(&self, user_id: UserId, source: OrderSource) -> Result<Order, PlaceOrderError> {
        self.place_with(user_id, source, Checkout::default()).await
    }

    /// The request `place_with` would send.
    pub fn request(&self, user_id: UserId, source: OrderSource, checkout: Checkout) -> PlaceOrder {
        let id = OrderId::from_ulid(self.ids.generate());
        let event = zonmart_adapters::testing::events::order_placed();
        PlaceOrder { id, user_id, session_generation: 0, source, checkout, now: SystemClock.now(), event }
    }

    /// An order with a checkout (address, shipping, code).
    pub async fn place_with(
        &self,
        user_id: UserId,
        source: OrderSource,
        checkout: Checkout,
    ) -> Result<Order, PlaceOrderError> {
        self.orders.place(&self.request(user_id, source, checkout)).await
    }

    pub async fn reread(&self, product: &Product) -> Product {
        self.products.find(product.id).await.unwrap().unwrap()
    }

    /// Each product's (stock, version) now.
    pub async fn levels(&self, products: &[&Product]) -> Vec<(i64, i64)> {
        let mut levels = Vec::new();
        for product in products {
            let now = self.reread(product).await;
            levels.push((now.stock.get(), now.version.get()));
        }
        levels
    }

    pub async fn all_orders(&self) -> Vec<Order> {
        self.orders.list(&OrderFilter::default(), page(100, None)).await.unwrap().items
    }
}

/// An order of `lines` (product, quantity), in that order.
pub fn items(lines: &[(&Product, i64)]) -> OrderSource {
    let items = lines
        .iter()
        .map(|(product, quantity)| OrderItem { product_id: product.id, quantity: Quantity::new(*quantity).unwrap() })
        .collect();
    OrderSource::Items(OrderItems::new(items).unwrap())
}

pub fn page(limit: i64, after: Option<Cursor>) -> PageRequest {
    PageRequest { limit: Limit::new(limit).unwrap(), after }
}

/// `order` moved to `to` by an admin, as the use case would write it.
pub fn moved(order: &Order, to: OrderStatus) -> Order {
    let admin = Actor::user(UserId::from_ulid(ulid::Ulid::generate()), Role::Admin);
    order.change_status(to, &admin, SystemClock.now()).unwrap()
}
