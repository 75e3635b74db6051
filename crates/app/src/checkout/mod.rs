//! The checkout's resources: customers' saved addresses (owner or admin;
//! another customer's is `NotFound`), and the shop's shipping methods, tax
//! rates and discount codes (public or admin reads, admin writes). Every
//! write states the version it read.

mod addresses;
mod discounts;
mod shipping;
mod tax_rates;
#[cfg(test)]
mod tests;

pub use addresses::AddressService;
pub use discounts::DiscountService;
pub use shipping::ShippingMethodService;
pub use tax_rates::TaxRateService;
