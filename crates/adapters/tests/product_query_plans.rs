//! The product listings' query plans, on a catalogue big enough for the
//! planner to care: every listing walks an index for a bounded number of
//! rows or asks an inverted index for few matches; none reads the whole
//! table or sorts all matches of a frequent term.
//!
//! The catalogue has `ZONMART_PLAN_PRODUCTS` products (default 20,000; CI
//! runs 100,000), seeded through SQL and shaped as `bench/scale` shapes
//! them: "teapot" in one name in 8, "teapot 999" in one in 8,000, "zebra"
//! and "ж" in none. `cargo test -p zonmart-adapters --test
//! product_query_plans -- --nocapture` prints every statement's plan.

use zonmart_adapters::product_repository::ExplainedStatement;
use zonmart_adapters::testing::TestDatabase;
use zonmart_adapters::SqlProductRepository;
use zonmart_domain::{Limit, PageRequest, PriceCents};
use zonmart_ports::{ProductFilter, ProductRepository, ProductSort};

fn catalogue_size() -> u32 {
    std::env::var("ZONMART_PLAN_PRODUCTS").ok().and_then(|n| n.parse().ok()).unwrap_or(20_000)
}

const ADJECTIVES: [&str; 16] = [
    "Red", "Blue", "Green", "Small", "Large", "Classic", "Modern", "Rustic", "Vintage", "Compact", "Deluxe", "Premium",
    "Simple", "Elegant", "Sturdy", "Handmade",
];
const MATERIALS: [&str; 10] =
    ["Cast Iron", "Ceramic", "Glass", "Steel", "Bamboo", "Copper", "Oak", "Linen", "Wool", "Stone"];
const NOUNS: [&str; 8] = ["Teapot", "Mug", "Kettle", "Bowl", "Plate", "Vase", "Lamp", "Basket"];

/// SQL hashing row `g` with `salt` (the same on both backends; not linear
/// in `g`, so the words it picks do not follow each other).
fn hash(salt: u32) -> String {
    format!("((g * 2654435761 % 4294967291) * (g * 40503 % 65521 + {}) % 4294967291)", 1 + salt * 7919)
}

/// SQL choosing one of `words` by [`hash`].
fn pick(words: &[&str], salt: u32) -> String {
    let cases: String = words.iter().enumerate().map(|(i, w)| format!(" WHEN {i} THEN '{w}'")).collect();
    format!("(CASE {} % {}{cases} END)", hash(salt), words.len())
}

/// `n` products: one in 7 sold out, one in 50 archived, ids newest last.
fn seed_sql(rows: &str, n: u32, digits: &str, timestamp: &str) -> String {
    format!(
        "INSERT INTO products (id, name, description, price_cents, currency, stock, sku, archived, version, created_at, updated_at)
         SELECT '01KBSC' || {digits},
                {} || ' ' || {} || ' ' || {} || ' ' || ({} % 1000),
                NULL, 100 + {} % 99900, 'USD',
                CASE WHEN g % 7 = 0 THEN 0 ELSE 1000 END, NULL, g % 50 = 0, 1, {timestamp}, {timestamp}
         FROM {rows}",
        pick(&ADJECTIVES, 0),
        pick(&MATERIALS, 7),
        pick(&NOUNS, 13),
        hash(29),
        hash(41),
        rows = rows.replace("{n}", &n.to_string()),
    )
}

/// The listings the API serves: each sort, filters, and `q` common, rare,
/// absent and short, by relevance too, with second pages.
async fn listings(repo: &SqlProductRepository) -> Vec<(String, ProductFilter, ProductSort, PageRequest)> {
    let first = PageRequest { limit: Limit::default(), after: None };
    let price = |cents| Some(PriceCents::new(cents).unwrap());
    let q = |term: &str| ProductFilter { q: Some(term.into()), ..Default::default() };
    let range = ProductFilter { min_price: price(1000), max_price: price(2000), ..Default::default() };
    let mut cases: Vec<(String, ProductFilter, ProductSort, PageRequest)> = vec![
        ("newest first".into(), ProductFilter::default(), ProductSort::NewestFirst, first.clone()),
        ("price 10.00..=20.00".into(), range.clone(), ProductSort::PriceAscending, first.clone()),
        (
            "price descending, in stock".into(),
            ProductFilter { in_stock: Some(true), ..Default::default() },
            ProductSort::PriceDescending,
            first.clone(),
        ),
        ("name".into(), ProductFilter::default(), ProductSort::NameAscending, first.clone()),
    ];
    for term in ["teapot", "teapot 999", "zebra", "k", "ж", "ot"] {
        for sort in
            [ProductSort::NewestFirst, ProductSort::PriceAscending, ProductSort::NameAscending, ProductSort::Relevance]
        {
            cases.push((format!("q={term:?}, {sort:?}"), q(term), sort, first.clone()));
        }
        let filtered = ProductFilter { in_stock: Some(true), ..range.clone().clone() };
        let filtered = ProductFilter { q: Some(term.into()), ..filtered };
        cases.push((
            format!("q={term:?}, price range, in stock, -price"),
            filtered,
            ProductSort::PriceDescending,
            first.clone(),
        ));
    }
    // Second pages: their cursors carry the sort key (relevance: the tier).
    for (name, filter, sort) in [
        ("price 10.00..=20.00, page 2", range.clone(), ProductSort::PriceAscending),
        ("q=\"tea\" by relevance, page 2", q("tea"), ProductSort::Relevance),
        ("q=\"teapot\" by name, page 2", q("teapot"), ProductSort::NameAscending),
    ] {
        let page = repo.list(&filter, sort, first.clone()).await.unwrap();
        cases.push((name.into(), filter, sort, PageRequest { after: page.next, ..first.clone() }));
    }
    cases
}

fn print(backend: &str, name: &str, statements: &[ExplainedStatement]) {
    println!("== {backend}, {name}: {} statement(s)", statements.len());
    for s in statements {
        println!("-- {}\n{}\n", s.sql, s.plan);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_answers_every_listing_from_an_index_in_bounded_steps() {
    let Some(db) = TestDatabase::postgres().await else { return };
    let n = catalogue_size();
    db.execute(&seed_sql(
        "generate_series(1::bigint, {n}) AS g",
        n,
        "lpad(g::text, 20, '0')",
        "timestamp '2026-01-01' + make_interval(secs => g)",
    ))
    .await;
    // What autovacuum keeps a live table at: statistics fresh, the GIN
    // indexes' pending lists merged (rows waiting there make the planner
    // price an index far too high).
    db.execute("VACUUM (ANALYZE) products").await;
    let repo = SqlProductRepository::new(db.database());
    for (name, filter, sort, page) in listings(&repo).await {
        let statements = repo.explain_list(&filter, sort, page).await.unwrap();
        print("PostgreSQL", &name, &statements);
        assert!(statements.len() <= 6, "{name}: at most a walk and a probe per tier");
        for s in &statements {
            let plan = &s.plan;
            assert!(!plan.contains("Seq Scan on products"), "{name}: reads the whole table:\n{plan}");
            if s.is_walk() || !s.is_probe() {
                assert!(
                    plan.contains("Index Scan") && plan.contains(" using products_live_")
                        || plan.contains("Bitmap Index Scan on products_live_price_idx"),
                    "{name}: walks an order's index:\n{plan}"
                );
                // In index order; sorted only when a price range is what bounds it.
                let narrowed = plan.contains("Bitmap Index Scan on products_live_price_idx");
                // On Citus each shard walks its index up to the limit, and
                // the coordinator sorts only what the shards sent (shards ×
                // limit rows), never the table.
                let sorts_only_what_shards_sent = plan
                    .lines()
                    .filter(|line| line.contains("Sort Key"))
                    .all(|line| line.contains("remote_scan.") || line.contains("intermediate_result."));
                let every_shard_limited = plan
                    .split("->  Task")
                    .skip(1)
                    .all(|task| !task.contains(" on products_") || task.contains("Limit"));
                let merges_pages =
                    plan.contains("Citus Adaptive") && sorts_only_what_shards_sent && every_shard_limited;
                assert!(
                    !plan.contains("Sort Key") || narrowed || merges_pages,
                    "{name}: a walk is never a sort of everything:\n{plan}"
                );
            } else {
                let inverted = plan.contains("Bitmap Index Scan on products_live_name_trgm_idx")
                    || plan.contains("Bitmap Index Scan on products_live_name_grams_idx");
                assert!(inverted, "{name}: a probe asks the inverted index:\n{plan}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_answers_every_listing_from_an_index_in_bounded_steps() {
    let db = TestDatabase::sqlite().await;
    let n = catalogue_size();
    let rows = "(WITH RECURSIVE r(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM r WHERE g < {n}) SELECT g FROM r)";
    db.execute(&seed_sql(
        rows,
        n,
        "substr('00000000000000000000' || g, -20)",
        "strftime('%Y-%m-%d %H:%M:%f', '2026-01-01', '+' || g || ' seconds')",
    ))
    .await;
    db.execute("ANALYZE").await;
    let repo = SqlProductRepository::new(db.database());
    for (name, filter, sort, page) in listings(&repo).await {
        let statements = repo.explain_list(&filter, sort, page).await.unwrap();
        print("SQLite", &name, &statements);
        assert!(statements.len() <= 9, "{name}: at most a walk, a vocabulary look-up and a probe per tier");
        for s in &statements {
            let plan = &s.plan;
            if s.sql.contains("product_name_trigram_terms") {
                continue; // the vocabulary of the trigram index: distinct trigrams, not products
            }
            assert!(
                !plan.contains("SCAN products\n") && !plan.ends_with("SCAN products"),
                "{name}: reads the whole table:\n{plan}"
            );
            if s.is_walk() || !s.is_probe() {
                assert!(plan.contains("USING INDEX products_live_"), "{name}: walks an order's index:\n{plan}");
                assert!(!plan.contains("TEMP B-TREE"), "{name}: a walk is in index order, never sorted:\n{plan}");
            } else {
                assert!(plan.contains("VIRTUAL TABLE INDEX"), "{name}: a probe asks the trigram index:\n{plan}");
            }
        }
    }
}
