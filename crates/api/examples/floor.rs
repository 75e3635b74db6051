//! The floor for `GET /api/v1/products/{id}` on this stack: the least an
//! actix-web + tokio-postgres server can do to answer it. Two actix workers,
//! each driving its own connections (32 in all, pgbench's client count) with
//! the handler's SELECT prepared once, and the row written as JSON; no pool,
//! no middleware (request id, CORS, metrics, rate limits), no layers, no
//! validation. Not part of the product: `bench/floor.sh` measures it next to
//! the real server and pgbench, to show how much of the gap to pgbench any
//! server of this shape pays on the machine, and how much Zonmart adds.
//!
//! `FLOOR_DATABASE_URL` (a `postgres://` URL of a seeded bench database),
//! `FLOOR_BIND` (default `127.0.0.1:18101`).

use std::cell::Cell;
use std::time::SystemTime;

use actix_web::{web, App, HttpResponse, HttpServer};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use tokio_postgres::{Client, NoTls, Statement};

/// The SELECT `SqlProductRepository::find` sends (every column, by id).
const SELECT: &str = "SELECT id, name, description, price_cents, currency, stock, sku, archived, version, \
                      created_at, updated_at FROM products WHERE id = $1 LIMIT 1";
const WORKERS: usize = 2;
/// Connections per worker unless `FLOOR_CONNECTIONS_PER_WORKER` says otherwise.
const CONNECTIONS_PER_WORKER: usize = 16;

/// One worker's connections, taken in turn.
struct Connections {
    clients: Vec<(Client, Statement)>,
    next: Cell<usize>,
}

#[derive(Serialize)]
struct ProductBody {
    id: String,
    name: String,
    description: Option<String>,
    price_cents: i64,
    currency: String,
    stock: i64,
    sku: Option<String>,
    archived: bool,
    version: i64,
    created_at: String,
    updated_at: String,
}

fn rfc3339(at: SystemTime) -> String {
    DateTime::<Utc>::from(at).to_rfc3339_opts(SecondsFormat::Micros, true)
}

async fn connect(url: String, per_worker: usize) -> Result<Connections, String> {
    let mut clients = Vec::with_capacity(per_worker);
    for _ in 0..per_worker {
        let (client, connection) = tokio_postgres::connect(&url, NoTls).await.map_err(|e| e.to_string())?;
        // On this worker's runtime, so the worker drives its own sockets.
        actix_web::rt::spawn(async move {
            if let Err(e) = connection.await {
                eprintln!("floor: connection ended: {e}");
            }
        });
        let statement = client.prepare(SELECT).await.map_err(|e| e.to_string())?;
        clients.push((client, statement));
    }
    Ok(Connections { clients, next: Cell::new(0) })
}

async fn get_product(connections: web::Data<Connections>, id: web::Path<String>) -> HttpResponse {
    let turn = connections.next.get();
    connections.next.set((turn + 1) % connections.clients.len());
    let (client, statement) = &connections.clients[turn];
    let row = match client.query_opt(statement, &[&id.as_str()]).await {
        Ok(Some(row)) => row,
        Ok(None) => return HttpResponse::NotFound().finish(),
        Err(e) => return HttpResponse::InternalServerError().body(e.to_string()),
    };
    let body = ProductBody {
        id: row.get(0),
        name: row.get(1),
        description: row.get(2),
        price_cents: row.get(3),
        currency: row.get(4),
        stock: row.get(5),
        sku: row.get(6),
        archived: row.get(7),
        version: row.get(8),
        created_at: rfc3339(row.get(9)),
        updated_at: rfc3339(row.get(10)),
    };
    HttpResponse::Ok().json(body)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let url = std::env::var("FLOOR_DATABASE_URL").map_err(|_| std::io::Error::other("set FLOOR_DATABASE_URL"))?;
    let bind = std::env::var("FLOOR_BIND").unwrap_or_else(|_| "127.0.0.1:18101".to_owned());
    let per_worker = std::env::var("FLOOR_CONNECTIONS_PER_WORKER")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CONNECTIONS_PER_WORKER);
    println!("floor: serving GET /api/v1/products/{{id}} on http://{bind}");
    HttpServer::new(move || {
        let url = url.clone();
        App::new()
            .data_factory(move || connect(url.clone(), per_worker))
            .route("/api/v1/products/{id}", web::get().to(get_product))
    })
    .workers(WORKERS)
    .bind(bind)?
    .run()
    .await
}
