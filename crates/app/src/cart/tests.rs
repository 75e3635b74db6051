use std::sync::Arc;

use mockall::predicate::eq;
use zonmart_domain::{Cart, CartId, Quantity};
use zonmart_ports::{MockCartRepository, MockProductRepository, RepoError};

use super::CartService;
use crate::test_support::*;
use crate::AppError;

fn service(carts: MockCartRepository, products: MockProductRepository) -> CartService {
    CartService::new(Arc::new(carts), Arc::new(products), clock_at(t0()), ids_from(4))
}

fn cart_of_user1(lines: &[(u64, i64)]) -> Cart {
    let mut cart = Cart::new(CartId::from_ulid(ulid::Ulid::from_parts(8, 8)), user_id(1), t0());
    for (n, q) in lines {
        cart = cart.set_line(product_id(*n), Quantity::new(*q).unwrap(), t0()).unwrap();
    }
    cart
}

fn carts_holding(cart: Cart) -> MockCartRepository {
    let mut carts = MockCartRepository::new();
    carts.expect_find_by_user().with(eq(user_id(1))).returning(move |_| Ok(Some(cart.clone())));
    carts
}

fn products(list: Vec<zonmart_domain::Product>) -> MockProductRepository {
    let mut repo = MockProductRepository::new();
    let for_find = list.clone();
    repo.expect_find().returning(move |id| Ok(for_find.iter().find(|p| p.id == id).cloned()));
    repo.expect_find_many().returning(move |ids| Ok(list.iter().filter(|p| ids.contains(&p.id)).cloned().collect()));
    repo
}

#[tokio::test]
async fn a_first_look_creates_an_empty_cart_in_usd() {
    let mut carts = MockCartRepository::new();
    carts.expect_find_by_user().returning(|_| Ok(None));
    carts.expect_insert().withf(|c| c.user_id == user_id(1) && c.lines.is_empty()).times(1).returning(|_| Ok(()));
    let priced = service(carts, products(vec![])).get(&customer(1)).await.unwrap();
    assert_eq!((priced.total_cents, priced.currency.as_str(), priced.cart.version), (0, "USD", version(1)));
}

#[tokio::test]
async fn two_first_looks_at_once_share_the_cart_the_winner_created() {
    let winner = cart_of_user1(&[]);
    let mut carts = MockCartRepository::new();
    let mut seq = mockall::Sequence::new();
    carts.expect_find_by_user().times(1).in_sequence(&mut seq).returning(|_| Ok(None));
    carts
        .expect_insert()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Err(RepoError::Duplicate { field: "user_id".into() }));
    carts.expect_find_by_user().times(1).in_sequence(&mut seq).returning(move |_| Ok(Some(winner.clone())));
    let priced = service(carts, products(vec![])).get(&customer(1)).await.unwrap();
    assert_eq!(priced.cart.id, CartId::from_ulid(ulid::Ulid::from_parts(8, 8)));
}

#[tokio::test]
async fn setting_an_item_prices_the_cart_with_current_prices() {
    let mut carts = carts_holding(cart_of_user1(&[]));
    carts.expect_save().withf(|c, v| c.version == version(2) && *v == version(1)).times(1).returning(|_, _| Ok(()));
    let priced = service(carts, products(vec![product(1, 250, "USD")]))
        .set_item(&customer(1), product_id(1), Quantity::new(3).unwrap(), version(1))
        .await
        .unwrap();
    assert_eq!(priced.lines[0].unit_price_cents, 250);
    assert_eq!(priced.lines[0].line_total_cents, 750);
    assert_eq!(priced.total_cents, 750);
}

#[tokio::test]
async fn an_unknown_product_is_404_and_an_archived_one_unavailable() {
    let archived = product(2, 100, "USD").archive(t0());
    let mut carts = carts_holding(cart_of_user1(&[]));
    carts.expect_save().times(0);
    let service = service(carts, products(vec![archived]));
    let one = Quantity::new(1).unwrap();
    assert_eq!(service.set_item(&customer(1), product_id(1), one, version(1)).await.unwrap_err(), AppError::NotFound);
    assert_eq!(
        service.set_item(&customer(1), product_id(2), one, version(1)).await.unwrap_err(),
        AppError::ProductUnavailable { product_ids: vec![product_id(2)] }
    );
}

#[tokio::test]
async fn a_stale_cart_version_is_a_conflict() {
    let mut carts = carts_holding(cart_of_user1(&[(1, 1)]));
    carts.expect_save().times(0);
    let err = service(carts, products(vec![product(1, 250, "USD")]))
        .set_item(&customer(1), product_id(1), Quantity::new(2).unwrap(), version(1))
        .await
        .unwrap_err();
    assert_eq!(err, AppError::VersionConflict { current: version(2) });
}

#[tokio::test]
async fn a_product_in_another_currency_is_refused() {
    let mut carts = carts_holding(cart_of_user1(&[(1, 1)]));
    carts.expect_save().times(0);
    let err = service(carts, products(vec![product(1, 250, "USD"), product(2, 300, "EUR")]))
        .set_item(&customer(1), product_id(2), Quantity::new(1).unwrap(), version(2))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Validation(e) if e.errors()[0].field == "product_id"));
}

#[tokio::test]
async fn removing_a_product_not_in_the_cart_is_404() {
    let mut carts = carts_holding(cart_of_user1(&[(1, 1)]));
    carts.expect_save().times(0);
    let err = service(carts, products(vec![])).remove_item(&customer(1), product_id(9), version(2)).await.unwrap_err();
    assert_eq!(err, AppError::NotFound);
}

#[tokio::test]
async fn clearing_empties_the_cart_one_version_later() {
    let mut carts = carts_holding(cart_of_user1(&[(1, 1), (2, 2)]));
    carts
        .expect_save()
        .withf(|c, v| c.lines.is_empty() && c.version == version(4) && *v == version(3))
        .times(1)
        .returning(|_, _| Ok(()));
    let priced = service(carts, products(vec![])).clear(&customer(1), version(3)).await.unwrap();
    assert_eq!(priced.total_cents, 0);
}

#[tokio::test]
async fn adding_one_takes_one_more_than_the_cart_holds() {
    let mut carts = carts_holding(cart_of_user1(&[(1, 2)]));
    carts
        .expect_save()
        .withf(|c, v| c.lines[0].quantity.get() == 3 && *v == version(2))
        .times(1)
        .returning(|_, _| Ok(()));
    let priced =
        service(carts, products(vec![product(1, 250, "USD")])).add_one(&customer(1), user_id(1), product_id(1)).await;
    assert_eq!(priced.unwrap().total_cents, 750);
}

#[tokio::test]
async fn adding_one_to_another_users_cart_is_forbidden_and_changes_nothing() {
    let mut carts = MockCartRepository::new();
    carts.expect_find_by_user().times(0);
    carts.expect_save().times(0);
    let err = service(carts, products(vec![product(1, 250, "USD")]))
        .add_one(&customer(1), user_id(2), product_id(1))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
}

#[tokio::test]
async fn adding_one_runs_again_at_the_version_a_concurrent_write_left() {
    // The first read sees 2 at version 2; a concurrent add moves it to 3 at
    // version 3, so the first save conflicts; the second try adds to the 3.
    let (before, after) = (cart_of_user1(&[(1, 2)]), cart_of_user1(&[(1, 1), (1, 3)]));
    let mut carts = MockCartRepository::new();
    let mut seq = mockall::Sequence::new();
    // Each try reads the cart twice: for the quantity held, then to write.
    carts.expect_find_by_user().times(2).in_sequence(&mut seq).returning(move |_| Ok(Some(before.clone())));
    carts
        .expect_save()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _| Err(RepoError::VersionConflict { current: version(3) }));
    carts.expect_find_by_user().times(2).in_sequence(&mut seq).returning(move |_| Ok(Some(after.clone())));
    carts
        .expect_save()
        .withf(|c, v| c.lines[0].quantity.get() == 4 && *v == version(3))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _| Ok(()));
    let priced =
        service(carts, products(vec![product(1, 250, "USD")])).add_one(&customer(1), user_id(1), product_id(1)).await;
    assert_eq!(priced.unwrap().lines[0].quantity.get(), 4);
}

#[tokio::test]
async fn adding_one_gives_up_after_its_retries_with_the_conflict() {
    let mut carts = carts_holding(cart_of_user1(&[(1, 2)]));
    carts.expect_save().times(4).returning(|_, _| Err(RepoError::VersionConflict { current: version(9) }));
    let err = service(carts, products(vec![product(1, 250, "USD")]))
        .add_one(&customer(1), user_id(1), product_id(1))
        .await
        .unwrap_err();
    assert_eq!(err, AppError::VersionConflict { current: version(9) });
}
