//! The cart repository's contract, run against SQLite and PostgreSQL alike.

mod support;

use zonmart_adapters::{Database, SqlCartRepository, SqlProductRepository, SystemClock};
use zonmart_domain::{Cart, CartId, ProductId, Quantity, User};
use zonmart_ports::{CartRepository, Clock, ProductRepository, RepoError};

use support::{stored_customer, version, Products};

on_each_backend!(
    a_user_without_a_cart_has_none,
    a_new_cart_reads_back_empty_at_version_one,
    a_second_cart_for_one_user_is_a_duplicate_user_id,
    saving_replaces_the_lines_and_keeps_their_order,
    a_save_at_a_stale_version_conflicts_and_changes_nothing,
    saving_an_unknown_cart_is_not_found,
);

struct Fixture {
    carts: SqlCartRepository,
    user: User,
    /// Three stored products.
    products: [ProductId; 3],
}

impl Fixture {
    async fn new(db: Database) -> Self {
        let user = stored_customer(&db, "alice").await;
        let (repo, made) = (SqlProductRepository::new(db.clone()), Products::new());
        let mut products = Vec::new();
        for name in ["Teapot", "Kettle", "Cup"] {
            let product = made.product(name, 100, 10);
            repo.insert(&product, &zonmart_adapters::testing::events::any_event()).await.unwrap();
            products.push(product.id);
        }
        let products = [products[0], products[1], products[2]];
        Self { carts: SqlCartRepository::new(db), user, products }
    }

    /// A new, stored, empty cart of the user.
    async fn cart(&self) -> Cart {
        let cart = Cart::new(CartId::from_ulid(ulid::Ulid::generate()), self.user.id, SystemClock.now());
        self.carts.insert(&cart).await.unwrap();
        cart
    }
}

fn q(n: i64) -> Quantity {
    Quantity::new(n).unwrap()
}

async fn a_user_without_a_cart_has_none(db: Database) {
    let f = Fixture::new(db).await;
    assert_eq!(f.carts.find_by_user(f.user.id).await.unwrap(), None);
}

async fn a_new_cart_reads_back_empty_at_version_one(db: Database) {
    let f = Fixture::new(db).await;
    let cart = f.cart().await;
    assert_eq!(f.carts.find_by_user(f.user.id).await.unwrap(), Some(cart));
}

async fn a_second_cart_for_one_user_is_a_duplicate_user_id(db: Database) {
    let f = Fixture::new(db).await;
    f.cart().await;
    let second = Cart::new(CartId::from_ulid(ulid::Ulid::generate()), f.user.id, SystemClock.now());
    assert_eq!(f.carts.insert(&second).await, Err(RepoError::Duplicate { field: "user_id".into() }));
}

async fn saving_replaces_the_lines_and_keeps_their_order(db: Database) {
    let f = Fixture::new(db).await;
    let [teapot, kettle, cup] = f.products;
    let cart = f.cart().await;
    let now = SystemClock.now();
    let filled = cart
        .set_line(kettle, q(2), now)
        .and_then(|c| c.set_line(teapot, q(1), now))
        .and_then(|c| c.set_line(cup, q(5), now))
        .unwrap();
    f.carts.save(&filled, cart.version).await.unwrap();
    assert_eq!(f.carts.find_by_user(f.user.id).await.unwrap(), Some(filled.clone()));

    let changed = filled.remove_line(teapot, now).and_then(|c| c.set_line(kettle, q(7), now)).unwrap();
    f.carts.save(&changed, filled.version).await.unwrap();
    let stored = f.carts.find_by_user(f.user.id).await.unwrap().unwrap();
    let lines: Vec<_> = stored.lines.iter().map(|l| (l.product_id, l.quantity)).collect();
    assert_eq!(lines, [(kettle, q(7)), (cup, q(5))]);
    assert_eq!(stored.version, version(6), "one version a change");

    let emptied = changed.clear(now);
    f.carts.save(&emptied, changed.version).await.unwrap();
    assert_eq!(f.carts.find_by_user(f.user.id).await.unwrap(), Some(emptied));
}

async fn a_save_at_a_stale_version_conflicts_and_changes_nothing(db: Database) {
    let f = Fixture::new(db).await;
    let cart = f.cart().await;
    let first = cart.set_line(f.products[0], q(1), SystemClock.now()).unwrap();
    f.carts.save(&first, cart.version).await.unwrap();

    let stale = cart.set_line(f.products[1], q(3), SystemClock.now()).unwrap();
    assert_eq!(f.carts.save(&stale, cart.version).await, Err(RepoError::VersionConflict { current: version(2) }));
    assert_eq!(f.carts.find_by_user(f.user.id).await.unwrap(), Some(first));
}

async fn saving_an_unknown_cart_is_not_found(db: Database) {
    let f = Fixture::new(db).await;
    let never_stored = Cart::new(CartId::from_ulid(ulid::Ulid::generate()), f.user.id, SystemClock.now());
    let changed = never_stored.set_line(f.products[0], q(1), SystemClock.now()).unwrap();
    assert_eq!(f.carts.save(&changed, never_stored.version).await, Err(RepoError::NotFound));
}
