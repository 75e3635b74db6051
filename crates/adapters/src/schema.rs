//! The tables, as diesel sees them: one schema for PostgreSQL and SQLite.
//! Written by hand to match `migrations/{postgres,sqlite}`; times are naive
//! UTC `Timestamp`s so both backends agree on one type.

diesel::table! {
    users (id) {
        /// A ULID in its canonical 26-character form.
        id -> Text,
        username -> Text,
        email -> Nullable<Text>,
        full_name -> Nullable<Text>,
        address -> Nullable<Text>,
        /// `customer` or `admin`.
        role -> Text,
        disabled -> Bool,
        password_hash -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        /// Set when the user was deleted; such rows are invisible to the repository.
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        /// A ULID.
        id -> Text,
        family_id -> Text,
        user_id -> Text,
        /// SHA-256 of the secret, lower-case hex; the secret itself is never stored.
        secret_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    products (id) {
        /// A ULID.
        id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        /// Never negative (a CHECK constraint).
        price_cents -> BigInt,
        /// ISO 4217.
        currency -> Text,
        /// Never negative (a CHECK constraint), whatever the concurrency.
        stock -> BigInt,
        /// Unique when set.
        sku -> Nullable<Text>,
        /// Archived products are never listed nor ordered.
        archived -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    carts (id) {
        /// A ULID.
        id -> Text,
        /// Unique: one cart per user.
        user_id -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cart_items (cart_id, product_id) {
        cart_id -> Text,
        product_id -> Text,
        quantity -> BigInt,
        /// 0-based: the order the lines were first added in.
        position -> Integer,
    }
}

diesel::table! {
    orders (id) {
        /// A ULID.
        id -> Text,
        user_id -> Text,
        /// `pending`, `paid`, `shipped`, `delivered` or `cancelled`.
        status -> Text,
        total_cents -> BigInt,
        currency -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    order_items (order_id, position) {
        order_id -> Text,
        /// 0-based: the order of the request.
        position -> Integer,
        product_id -> Text,
        /// The product's name when ordered.
        name -> Text,
        quantity -> BigInt,
        /// The price when ordered.
        unit_price_cents -> BigInt,
        line_total_cents -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Text,
        key -> Text,
        /// Of the request body; another body under the same key is refused.
        request_hash -> Text,
        /// NULL while the claiming request runs.
        status_code -> Nullable<Integer>,
        body -> Nullable<Text>,
        created_at -> Timestamp,
        claimed_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        /// A ULID.
        id -> Text,
        name -> Text,
        /// Comma list of scope names.
        scopes -> Text,
        /// The key's first characters.
        prefix -> Text,
        /// SHA-256 of the key, lower-case hex; the key itself is never stored.
        key_hash -> Text,
        revoked -> Bool,
        /// Written at most once a minute per key.
        last_used_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    events (seq) {
        /// The feed's order within a commit group.
        seq -> BigInt,
        /// PostgreSQL: the writing transaction's id (set by default); SQLite: 0.
        txid -> BigInt,
        /// A ULID.
        id -> Text,
        event_type -> Text,
        resource_type -> Text,
        resource_id -> Text,
        resource_version -> BigInt,
        /// The resource's JSON as after the change.
        data -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        url -> Text,
        /// `*` or a comma list of event types.
        events -> Text,
        description -> Nullable<Text>,
        enabled -> Bool,
        /// Signs deliveries; never shown after creation.
        secret -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        webhook_id -> Text,
        event_id -> Text,
        event_type -> Text,
        status -> Text,
        attempts -> Integer,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        next_attempt_at -> Nullable<Timestamp>,
        /// The claiming process has it alone until then.
        lease_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_fanout (id) {
        id -> Integer,
        txid -> BigInt,
        seq -> BigInt,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(carts -> users (user_id));
diesel::joinable!(cart_items -> carts (cart_id));
diesel::joinable!(cart_items -> products (product_id));
diesel::joinable!(orders -> users (user_id));
diesel::joinable!(order_items -> orders (order_id));
diesel::joinable!(order_items -> products (product_id));
diesel::joinable!(idempotency_keys -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    refresh_tokens,
    products,
    carts,
    cart_items,
    orders,
    order_items,
    idempotency_keys,
    api_keys,
    events,
    webhooks,
    webhook_deliveries,
    webhook_fanout
);
