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
        /// `User::session_generation`: tokens of older generations are dead.
        session_generation -> BigInt,
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
        /// The user's session generation when the token was issued.
        session_generation -> BigInt,
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
        subtotal_cents -> BigInt,
        discount_cents -> BigInt,
        shipping_cents -> BigInt,
        tax_cents -> BigInt,
        /// The address shipped to, copied when ordering; all NULL for none.
        ship_name -> Nullable<Text>,
        ship_line1 -> Nullable<Text>,
        ship_line2 -> Nullable<Text>,
        ship_city -> Nullable<Text>,
        ship_postal_code -> Nullable<Text>,
        ship_region -> Nullable<Text>,
        ship_country -> Nullable<Text>,
        ship_phone -> Nullable<Text>,
        shipping_method_id -> Nullable<Text>,
        shipping_method_name -> Nullable<Text>,
        shipping_method_price_cents -> Nullable<BigInt>,
        /// The code used, whose use a cancel gives back.
        discount_id -> Nullable<Text>,
        discount_code -> Nullable<Text>,
        paid_at -> Nullable<Timestamp>,
        payment_reference -> Nullable<Text>,
        /// `customer`, `admin` or `payment_timeout` once cancelled.
        cancel_reason -> Nullable<Text>,
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
        body -> Nullable<Text>,
        created_at -> Timestamp,
        claimed_at -> Timestamp,
    }
}

diesel::table! {
    addresses (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        line1 -> Text,
        line2 -> Nullable<Text>,
        city -> Text,
        postal_code -> Nullable<Text>,
        region -> Nullable<Text>,
        /// ISO 3166-1 alpha-2, upper-case.
        country -> Text,
        phone -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    shipping_methods (id) {
        id -> Text,
        name -> Text,
        price_cents -> BigInt,
        currency -> Text,
        /// `,DE,FR,`; empty: everywhere.
        countries -> Text,
        free_over_cents -> Nullable<BigInt>,
        archived -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tax_rates (id) {
        id -> Text,
        /// Unique.
        country -> Text,
        rate_bp -> BigInt,
        includes_shipping -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    discount_codes (id) {
        id -> Text,
        /// Unique, upper-case.
        code -> Text,
        /// `percent` or `fixed`.
        kind -> Text,
        value -> BigInt,
        currency -> Nullable<Text>,
        min_subtotal_cents -> Nullable<BigInt>,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Nullable<Timestamp>,
        max_uses -> Nullable<BigInt>,
        max_uses_per_user -> Nullable<BigInt>,
        /// Non-cancelled orders with the code; moved only by orders.
        uses -> BigInt,
        archived -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    discount_customer_uses (discount_id, user_id) {
        discount_id -> Text,
        user_id -> Text,
        uses -> BigInt,
        /// The code's per-user limit at the last use; a CHECK holds `uses` to it.
        max_uses -> Nullable<BigInt>,
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

diesel::table! {
    /// Payment provider events handled, by the provider's event id.
    payment_events (id) {
        /// The provider's event id (`evt_…`).
        id -> Text,
        order_id -> Text,
        /// `paid`, an attention reason, or `already_applied`.
        outcome -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    /// The demo's proof that it made what the database holds (one row at most).
    demo_marker (id) {
        /// Always 1.
        id -> Integer,
        admin_username -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(addresses -> users (user_id));
diesel::joinable!(discount_customer_uses -> discount_codes (discount_id));
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
    addresses,
    shipping_methods,
    tax_rates,
    discount_codes,
    discount_customer_uses,
    api_keys,
    events,
    payment_events,
    demo_marker,
    webhooks,
    webhook_deliveries,
    webhook_fanout
);
