ALTER TABLE orders DROP COLUMN subtotal_cents, DROP COLUMN discount_cents, DROP COLUMN shipping_cents,
    DROP COLUMN tax_cents, DROP COLUMN ship_name, DROP COLUMN ship_line1, DROP COLUMN ship_line2,
    DROP COLUMN ship_city, DROP COLUMN ship_postal_code, DROP COLUMN ship_region, DROP COLUMN ship_country,
    DROP COLUMN ship_phone, DROP COLUMN shipping_method_id, DROP COLUMN shipping_method_name,
    DROP COLUMN shipping_method_price_cents, DROP COLUMN discount_id, DROP COLUMN discount_code,
    DROP COLUMN paid_at, DROP COLUMN payment_reference, DROP COLUMN cancel_reason;
DROP TABLE discount_customer_uses;
DROP TABLE discount_codes;
DROP TABLE tax_rates;
DROP TABLE shipping_methods;
DROP TABLE addresses;
