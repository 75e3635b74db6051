//! The product repository's contract, run against SQLite and PostgreSQL alike.

mod support;

use chrono::Duration;
use zonmart_adapters::{Database, SqlProductRepository, SystemClock};
use zonmart_domain::{
    Cursor, Description, Limit, PageRequest, PriceCents, Product, ProductChanges, ProductName, Sku, Stock,
};
use zonmart_ports::{Clock, ProductFilter, ProductRepository, ProductSort, RepoError};

use support::{version, Products};

on_each_backend!(
    a_stored_product_reads_back_with_every_field,
    a_taken_sku_is_a_duplicate_sku_on_insert_and_on_update,
    a_sku_given_up_is_free_and_the_new_one_taken,
    products_without_a_sku_never_clash,
    find_many_returns_the_existing_products_archived_included,
    an_update_at_the_current_version_is_stored,
    an_update_at_a_stale_version_reports_the_current_one,
    an_update_of_an_unknown_product_is_not_found,
    an_archived_product_is_found_but_never_listed,
    newest_first_pages_through_every_product_once,
    oldest_first_pages_through_every_product_once,
    price_ascending_pages_through_equal_prices_without_gaps,
    price_descending_pages_through_equal_prices_without_gaps,
    name_ascending_pages_through_equal_names_without_gaps,
    the_name_filter_is_a_case_insensitive_substring,
    wildcards_in_the_name_filter_are_literal,
    price_bounds_are_inclusive_and_combine_with_paging,
    the_stock_filter_keeps_products_in_or_out_of_stock,
    relevance_ranks_whole_words_then_word_starts_then_the_rest,
    relevance_pages_through_every_match_once,
    a_rare_term_and_a_frequent_one_list_the_same_as_a_scan_would,
    terms_of_one_or_two_characters_are_substrings_too,
    a_rename_or_an_archive_changes_the_next_search,
);

fn repo(db: Database) -> SqlProductRepository {
    SqlProductRepository::new(db)
}

fn page(limit: i64, after: Option<Cursor>) -> PageRequest {
    PageRequest { limit: Limit::new(limit).unwrap(), after }
}

fn names(products: &[Product]) -> Vec<&str> {
    products.iter().map(|p| p.name.as_str()).collect()
}

fn price(cents: i64) -> PriceCents {
    PriceCents::new(cents).unwrap()
}

/// Every page of a listing, `limit` at a time, following the cursors.
async fn all_pages(repo: &SqlProductRepository, filter: &ProductFilter, sort: ProductSort, limit: i64) -> Vec<Product> {
    let (mut seen, mut after, mut pages) = (Vec::new(), None, 0);
    loop {
        let got = repo.list(filter, sort, page(limit, after)).await.unwrap();
        assert!(got.items.len() <= limit as usize);
        seen.extend(got.items);
        pages += 1;
        assert!(pages < 100, "the cursor never ends");
        match got.next {
            Some(next) => after = Some(next),
            None => return seen,
        }
    }
}

async fn a_stored_product_reads_back_with_every_field(db: Database) {
    let repo = repo(db);
    let created = SystemClock.now();
    let product = Product {
        description: Some(Description::parse("Cast iron.\nHolds 1.2 l.").unwrap()),
        sku: Some(Sku::parse("TEA-1").unwrap()),
        created_at: created,
        updated_at: created + Duration::microseconds(1_234_567),
        ..Products::new().in_currency("Teapot", 1999, 7, "EUR")
    };
    repo.insert(&product, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    assert_eq!(repo.find(product.id).await.unwrap(), Some(product.clone()));
    assert_eq!(repo.find_for_display(product.id).await.unwrap(), Some(product));
}

async fn a_taken_sku_is_a_duplicate_sku_on_insert_and_on_update(db: Database) {
    let (repo, products) = (repo(db), Products::new());
    repo.insert(&products.with_sku("Teapot", "TEA-1"), &zonmart_adapters::testing::events::any_event()).await.unwrap();
    let again =
        repo.insert(&products.with_sku("Kettle", "TEA-1"), &zonmart_adapters::testing::events::any_event()).await;
    assert_eq!(again, Err(RepoError::Duplicate { field: "sku".into() }));

    let kettle = products.with_sku("Kettle", "KET-1");
    repo.insert(&kettle, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    let changes = ProductChanges { sku: Some(Some(Sku::parse("TEA-1").unwrap())), ..ProductChanges::default() };
    let renamed = repo
        .update(
            &kettle.apply(changes, SystemClock.now()),
            kettle.version,
            &zonmart_adapters::testing::events::any_event(),
        )
        .await;
    assert_eq!(renamed, Err(RepoError::Duplicate { field: "sku".into() }));
}

/// A product that changes its SKU frees the old one and holds the new one
/// (on Citus through the lookup table `product_skus`).
async fn a_sku_given_up_is_free_and_the_new_one_taken(db: Database) {
    let (repo, products) = (repo(db), Products::new());
    let teapot = products.with_sku("Teapot", "TEA-1");
    repo.insert(&teapot, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    let changes = ProductChanges { sku: Some(Some(Sku::parse("TEA-2").unwrap())), ..ProductChanges::default() };
    repo.update(
        &teapot.apply(changes, SystemClock.now()),
        teapot.version,
        &zonmart_adapters::testing::events::any_event(),
    )
    .await
    .unwrap();

    repo.insert(&products.with_sku("Kettle", "TEA-1"), &zonmart_adapters::testing::events::any_event()).await.unwrap();
    let again = repo.insert(&products.with_sku("Mug", "TEA-2"), &zonmart_adapters::testing::events::any_event()).await;
    assert_eq!(again, Err(RepoError::Duplicate { field: "sku".into() }));
}

async fn products_without_a_sku_never_clash(db: Database) {
    let (repo, products) = (repo(db), Products::new());
    repo.insert(&products.product("Teapot", 100, 1), &zonmart_adapters::testing::events::any_event()).await.unwrap();
    repo.insert(&products.product("Kettle", 100, 1), &zonmart_adapters::testing::events::any_event()).await.unwrap();
}

async fn find_many_returns_the_existing_products_archived_included(db: Database) {
    let (repo, products) = (repo(db), Products::new());
    let (teapot, kettle) = (products.product("Teapot", 100, 1), products.product("Kettle", 100, 1));
    repo.insert(&teapot, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    repo.insert(&kettle, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    repo.update(&kettle.archive(SystemClock.now()), kettle.version, &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();
    let unknown = products.product("Never stored", 1, 1).id;

    let mut found: Vec<_> = repo.find_many(&[kettle.id, unknown, teapot.id]).await.unwrap();
    found.sort_by_key(|p| p.id);
    assert_eq!(names(&found), ["Teapot", "Kettle"]);
    assert!(found[1].archived);
    assert_eq!(repo.find_many(&[]).await.unwrap(), vec![]);
}

async fn an_update_at_the_current_version_is_stored(db: Database) {
    let (repo, products) = (repo(db), Products::new());
    let product = Product { sku: Some(Sku::parse("TEA-1").unwrap()), ..products.product("Teapot", 100, 1) };
    repo.insert(&product, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    let changes = ProductChanges {
        name: Some(ProductName::parse("Big teapot").unwrap()),
        price: Some(price(2500)),
        stock: Some(Stock::new(0).unwrap()),
        sku: Some(None),
        ..ProductChanges::default()
    };
    let changed = product.apply(changes, SystemClock.now());
    repo.update(&changed, product.version, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    assert_eq!(repo.find(product.id).await.unwrap(), Some(changed));
}

async fn an_update_at_a_stale_version_reports_the_current_one(db: Database) {
    let (repo, products) = (repo(db), Products::new());
    let product = products.product("Teapot", 100, 1);
    repo.insert(&product, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    let first = product.apply(ProductChanges { price: Some(price(200)), ..Default::default() }, SystemClock.now());
    repo.update(&first, version(1), &zonmart_adapters::testing::events::any_event()).await.unwrap();

    let stale = product.apply(ProductChanges { price: Some(price(300)), ..Default::default() }, SystemClock.now());
    assert_eq!(
        repo.update(&stale, version(1), &zonmart_adapters::testing::events::any_event()).await,
        Err(RepoError::VersionConflict { current: version(2) })
    );
    assert_eq!(repo.find(product.id).await.unwrap().unwrap().price, price(200));
}

async fn an_update_of_an_unknown_product_is_not_found(db: Database) {
    let product = Products::new().product("Teapot", 100, 1);
    assert_eq!(
        repo(db)
            .update(&product.archive(SystemClock.now()), version(1), &zonmart_adapters::testing::events::any_event())
            .await,
        Err(RepoError::NotFound)
    );
}

async fn an_archived_product_is_found_but_never_listed(db: Database) {
    let (repo, products) = (repo(db), Products::new());
    let (teapot, kettle) = (products.product("Teapot", 100, 1), products.product("Tea kettle", 100, 1));
    repo.insert(&teapot, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    repo.insert(&kettle, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    let archived = teapot.archive(SystemClock.now());
    repo.update(&archived, teapot.version, &zonmart_adapters::testing::events::any_event()).await.unwrap();

    assert_eq!(repo.find(teapot.id).await.unwrap(), Some(archived));
    let filters = [
        ProductFilter::default(),
        ProductFilter { q: Some("tea".into()), ..Default::default() },
        ProductFilter { in_stock: Some(true), min_price: Some(price(100)), ..Default::default() },
    ];
    for filter in filters {
        for sort in SORTS {
            assert_eq!(names(&all_pages(&repo, &filter, sort, 10).await), ["Tea kettle"], "{filter:?} {sort:?}");
        }
    }
}

const SORTS: [ProductSort; 5] = [
    ProductSort::NewestFirst,
    ProductSort::OldestFirst,
    ProductSort::PriceAscending,
    ProductSort::PriceDescending,
    ProductSort::NameAscending,
];

/// Stores products whose prices and names repeat, so ties need the id.
async fn a_catalog_with_ties(repo: &SqlProductRepository) -> Vec<Product> {
    let products = Products::new();
    let rows = [("b", 300), ("a", 100), ("c", 200), ("a", 100), ("b", 300), ("d", 200), ("a", 100), ("c", 300)];
    let mut stored = Vec::new();
    for (name, cents) in rows {
        let product = products.product(name, cents, 1);
        repo.insert(&product, &zonmart_adapters::testing::events::any_event()).await.unwrap();
        stored.push(product);
    }
    stored
}

/// Every page size gives the whole catalog once, in `expected`'s order.
async fn pages_follow(db: Database, sort: ProductSort, order: impl Fn(&mut Vec<Product>)) {
    let repo = repo(db);
    let mut expected = a_catalog_with_ties(&repo).await;
    order(&mut expected);
    let expected: Vec<_> = expected.iter().map(|p| p.id).collect();
    for limit in [1, 2, 3, 8, 100] {
        let listed: Vec<_> =
            all_pages(&repo, &ProductFilter::default(), sort, limit).await.iter().map(|p| p.id).collect();
        assert_eq!(listed, expected, "{sort:?}, {limit} a page");
    }
}

async fn newest_first_pages_through_every_product_once(db: Database) {
    pages_follow(db, ProductSort::NewestFirst, |all| all.sort_by_key(|p| std::cmp::Reverse(p.id))).await;
}

async fn oldest_first_pages_through_every_product_once(db: Database) {
    pages_follow(db, ProductSort::OldestFirst, |all| all.sort_by_key(|p| p.id)).await;
}

async fn price_ascending_pages_through_equal_prices_without_gaps(db: Database) {
    pages_follow(db, ProductSort::PriceAscending, |all| all.sort_by_key(|p| (p.price, p.id))).await;
}

async fn price_descending_pages_through_equal_prices_without_gaps(db: Database) {
    pages_follow(db, ProductSort::PriceDescending, |all| all.sort_by_key(|p| std::cmp::Reverse((p.price, p.id)))).await;
}

async fn name_ascending_pages_through_equal_names_without_gaps(db: Database) {
    pages_follow(db, ProductSort::NameAscending, |all| all.sort_by_key(|p| (p.name.as_str().to_owned(), p.id))).await;
}

async fn the_name_filter_is_a_case_insensitive_substring(db: Database) {
    let (repo, products) = (repo(db), Products::new());
    for name in ["Green Tea", "TEAPOT", "Coffee", "Steak knife"] {
        repo.insert(&products.product(name, 100, 1), &zonmart_adapters::testing::events::any_event()).await.unwrap();
    }
    let q = |q: &str| ProductFilter { q: Some(q.into()), ..Default::default() };
    let listed = all_pages(&repo, &q("tEa"), ProductSort::NameAscending, 10).await;
    assert_eq!(names(&listed), ["Green Tea", "Steak knife", "TEAPOT"]);
    assert!(all_pages(&repo, &q("tealeaf"), ProductSort::NewestFirst, 10).await.is_empty());
}

async fn wildcards_in_the_name_filter_are_literal(db: Database) {
    let (repo, products) = (repo(db), Products::new());
    for name in ["50% off", "500 g", "a_b", "axb", "back\\slash"] {
        repo.insert(&products.product(name, 100, 1), &zonmart_adapters::testing::events::any_event()).await.unwrap();
    }
    let listed = |q: &str| {
        let filter = ProductFilter { q: Some(q.into()), ..Default::default() };
        let repo = &repo;
        async move { names(&all_pages(repo, &filter, ProductSort::NameAscending, 10).await).join(",") }
    };
    assert_eq!(listed("0%").await, "50% off");
    assert_eq!(listed("a_").await, "a_b");
    assert_eq!(listed("k\\s").await, "back\\slash");
}

async fn price_bounds_are_inclusive_and_combine_with_paging(db: Database) {
    let repo = repo(db);
    let catalog = a_catalog_with_ties(&repo).await;
    let filter = ProductFilter { min_price: Some(price(200)), max_price: Some(price(300)), ..Default::default() };
    let mut expected: Vec<_> = catalog.iter().filter(|p| (200..=300).contains(&p.price.get())).collect();
    expected.sort_by_key(|p| (p.price, p.id));
    let expected: Vec<_> = expected.iter().map(|p| p.id).collect();
    let listed: Vec<_> = all_pages(&repo, &filter, ProductSort::PriceAscending, 2).await.iter().map(|p| p.id).collect();
    assert_eq!(listed, expected);
    let exact = ProductFilter { min_price: Some(price(100)), max_price: Some(price(100)), ..Default::default() };
    assert_eq!(all_pages(&repo, &exact, ProductSort::NewestFirst, 2).await.len(), 3);
}

async fn the_stock_filter_keeps_products_in_or_out_of_stock(db: Database) {
    let (repo, products) = (repo(db), Products::new());
    repo.insert(&products.product("Sold out", 100, 0), &zonmart_adapters::testing::events::any_event()).await.unwrap();
    repo.insert(&products.product("On hand", 100, 3), &zonmart_adapters::testing::events::any_event()).await.unwrap();
    let stock = |in_stock| ProductFilter { in_stock: Some(in_stock), ..Default::default() };
    assert_eq!(names(&all_pages(&repo, &stock(true), ProductSort::NewestFirst, 10).await), ["On hand"]);
    assert_eq!(names(&all_pages(&repo, &stock(false), ProductSort::NewestFirst, 10).await), ["Sold out"]);
}

/// The names containing `q` (ignoring case) as a full scan would list them,
/// newest first: what every search must agree with.
fn scanned<'a>(catalog: &'a [Product], q: &str) -> Vec<&'a str> {
    let mut hits: Vec<_> = catalog.iter().filter(|p| p.name.as_str().to_lowercase().contains(q)).collect();
    hits.sort_by_key(|p| std::cmp::Reverse(p.id));
    hits.iter().map(|p| p.name.as_str()).collect()
}

async fn relevance_ranks_whole_words_then_word_starts_then_the_rest(db: Database) {
    let (repo, products) = (repo(db), Products::new());
    for name in ["Steak knife", "Tea", "Teapot", "Green tea", "Iced tea bags", "Tealight", "Mug"] {
        repo.insert(&products.product(name, 100, 1), &zonmart_adapters::testing::events::any_event()).await.unwrap();
    }
    let filter = ProductFilter { q: Some("TEA".into()), ..Default::default() };
    let listed = all_pages(&repo, &filter, ProductSort::Relevance, 10).await;
    // Whole words newest first, then word starts newest first, then the rest.
    assert_eq!(names(&listed), ["Iced tea bags", "Green tea", "Tea", "Tealight", "Teapot", "Steak knife"]);
}

async fn relevance_pages_through_every_match_once(db: Database) {
    let (repo, products) = (repo(db), Products::new());
    let mut catalog = Vec::new();
    for n in 0..12 {
        for name in [format!("Pot {n}"), format!("Teapot {n}"), format!("Potter {n}"), format!("Cup {n}")] {
            let product = products.product(&name, 100, 1);
            repo.insert(&product, &zonmart_adapters::testing::events::any_event()).await.unwrap();
            catalog.push(product);
        }
    }
    let filter = ProductFilter { q: Some("pot".into()), ..Default::default() };
    let listed = all_pages(&repo, &filter, ProductSort::Relevance, 5).await;
    let tier = |name: &str| match name.split(' ').next() {
        Some("Pot") => 0,
        Some("Potter") => 1,
        _ => 2,
    };
    let mut expected = scanned(&catalog, "pot");
    expected.sort_by_key(|name| tier(name)); // stable: newest first within a tier
    assert_eq!(names(&listed), expected);
}

async fn a_rare_term_and_a_frequent_one_list_the_same_as_a_scan_would(db: Database) {
    let (repo, products) = (repo(db), Products::new());
    let mut catalog = Vec::new();
    for n in 0..60 {
        let name = if n % 20 == 7 { format!("Rare teapot {n}") } else { format!("Mug {n}") };
        let product = products.product(&name, 100 + n, 1);
        repo.insert(&product, &zonmart_adapters::testing::events::any_event()).await.unwrap();
        catalog.push(product);
    }
    for q in ["teapot", "mug", "absent", "7"] {
        let filter = ProductFilter { q: Some(q.into()), ..Default::default() };
        // Pages of 2 fill from the walk when matches are frequent; a rare
        // term's walk falls short and the probe answers.
        let listed = all_pages(&repo, &filter, ProductSort::NewestFirst, 2).await;
        assert_eq!(names(&listed), scanned(&catalog, q), "q={q}");
    }
}

async fn terms_of_one_or_two_characters_are_substrings_too(db: Database) {
    let (repo, products) = (repo(db), Products::new());
    let mut catalog = Vec::new();
    for name in ["ax", "bxa", "Oxo", "chaй", "ya", "x", "Basket"] {
        let product = products.product(name, 100, 1);
        repo.insert(&product, &zonmart_adapters::testing::events::any_event()).await.unwrap();
        catalog.push(product);
    }
    for q in ["x", "xa", "a", "й", "ya", "k", "q"] {
        let filter = ProductFilter { q: Some(q.into()), ..Default::default() };
        let listed = all_pages(&repo, &filter, ProductSort::NewestFirst, 10).await;
        assert_eq!(names(&listed), scanned(&catalog, q), "q={q}");
    }
}

async fn a_rename_or_an_archive_changes_the_next_search(db: Database) {
    let (repo, products) = (repo(db), Products::new());
    let mug = products.product("Mug", 100, 1);
    repo.insert(&mug, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    let q = |q: &str| ProductFilter { q: Some(q.into()), ..Default::default() };
    let found = |q| {
        let repo = &repo;
        async move { names(&repo.list(&q, ProductSort::Relevance, page(10, None)).await.unwrap().items).join(",") }
    };
    assert_eq!(found(q("mug")).await, "Mug");
    let renamed = Product { name: ProductName::parse("Teapot").unwrap(), version: mug.version.next(), ..mug.clone() };
    repo.update(&renamed, mug.version, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    assert_eq!(found(q("mug")).await, "");
    assert_eq!(found(q("teap")).await, "Teapot");
    repo.update(&renamed.archive(SystemClock.now()), renamed.version, &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();
    assert_eq!(found(q("teap")).await, "");
}
