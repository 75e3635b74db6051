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
