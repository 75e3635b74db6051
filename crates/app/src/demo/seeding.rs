//! One run of the demo: users, products, checkout resources, past orders,
//! in that order, each resource through its use case. Whatever is there
//! already (on `--force`) is kept and counted, not written again.

use std::collections::HashMap;
use std::fmt;

use zonmart_domain::{
    Actor, AddressId, AddressInput, Countries, CountryCode, Currency, Description, DiscountCode, DiscountKind,
    DiscountTerms, Email, FullName, Limit, MethodName, NewDiscount, NewProduct, NewShippingMethod, NewTaxRate, NewUser,
    OrderItem, OrderItems, OrderStatus, PageRequest, Password, PostalAddress, PriceCents, ProductId, ProductName,
    Quantity, RateBp, Role, Session, ShippingMethodId, Sku, Stock, User, UserChanges, Username,
};
use zonmart_ports::{Checkout, ProductFilter, ShipTo};

use super::catalog::{self, CatalogItem, CustomerItem, Outcome};
use super::{Credentials, DemoReport, DemoSeeder, DemoShop, Progress, Stage, DEMO_ADMIN};
use crate::{AppError, OrderRequest};

/// A demo datum that does not parse is a bug in the catalog.
fn valid<T, E: fmt::Display>(what: &str, parsed: Result<T, E>) -> Result<T, AppError> {
    parsed.map_err(|e| AppError::Internal(format!("demo catalog: {what}: {e}")))
}

fn page(after: Option<zonmart_domain::Cursor>) -> Result<PageRequest, AppError> {
    Ok(PageRequest { limit: valid("page limit", Limit::new(100))?, after })
}

/// A customer the orders are placed for.
struct Customer {
    actor: Actor,
    session: Session,
}

impl Customer {
    fn of(user: &User) -> Self {
        Customer {
            actor: Actor::user(user.id, user.role),
            session: Session { user_id: user.id, generation: user.session_generation },
        }
    }
}

/// Where the demo's orders ship: by index of the catalog's methods and customers.
struct Shipping {
    methods: Vec<ShippingMethodId>,
    addresses: Vec<AddressId>,
}

pub(super) struct Run<'s, 'a, 'p> {
    pub seeder: &'s DemoSeeder,
    pub shop: DemoShop<'a>,
    pub progress: &'p mut dyn FnMut(Progress),
}

impl Run<'_, '_, '_> {
    pub async fn all(mut self) -> Result<DemoReport, AppError> {
        let mut report = DemoReport { discount_code: catalog::DISCOUNT_CODE, ..DemoReport::default() };
        let admin = self.admin(&mut report).await?;
        let mut customers = Vec::new();
        for (n, customer) in catalog::CUSTOMERS.iter().enumerate() {
            customers.push(self.customer(&admin, customer, &mut report).await?);
            self.step(Stage::Users, n + 2, catalog::CUSTOMERS.len() + 1);
        }
        let products = self.products(&admin, &mut report).await?;
        let shipping = self.checkout(&admin, &customers, &mut report).await?;
        self.orders(&admin, &customers, &products, &shipping, &mut report).await?;
        Ok(report)
    }

    fn step(&mut self, stage: Stage, done: usize, total: usize) {
        (self.progress)(Progress { stage, done, total });
    }

    /// The demo's user `name` as it is stored now.
    async fn stored(&self, name: &str) -> Result<User, AppError> {
        self.seeder
            .users
            .find_by_login(name)
            .await?
            .ok_or_else(|| AppError::Internal(format!("the demo's user `{name}` vanished while it was written")))
    }

    async fn admin(&mut self, report: &mut DemoReport) -> Result<Actor, AppError> {
        let password = self.seeder.password();
        let username = valid("admin", Username::parse(DEMO_ADMIN))?;
        let parsed = valid("admin password", Password::parse(&password))?;
        let created = self.shop.auth.ensure_admin(username, parsed.clone()).await?;
        let user = self.stored(DEMO_ADMIN).await?;
        if user.role != Role::Admin {
            return Err(AppError::Internal(format!("the demo's `{DEMO_ADMIN}` is no longer an admin")));
        }
        let admin = Actor::user(user.id, Role::Admin);
        if !created {
            self.new_password(&admin, &user, parsed).await?;
        }
        report.users.push(Credentials { username: DEMO_ADMIN.to_owned(), password, role: Role::Admin });
        self.step(Stage::Users, 1, catalog::CUSTOMERS.len() + 1);
        Ok(admin)
    }

    /// An existing demo user's password is replaced, as the only way to
    /// show it again (passwords are stored hashed).
    async fn new_password(&self, admin: &Actor, user: &User, password: Password) -> Result<User, AppError> {
        let changes = UserChanges { password: Some(password), ..UserChanges::default() };
        self.shop.users.update(admin, user.id, user.version, changes).await
    }

    async fn customer(
        &mut self,
        admin: &Actor,
        customer: &CustomerItem,
        report: &mut DemoReport,
    ) -> Result<Customer, AppError> {
        let password = self.seeder.password();
        let parsed = valid("customer password", Password::parse(&password))?;
        let new_user = NewUser {
            username: valid("username", Username::parse(customer.username))?,
            email: Some(valid("email", Email::parse(&format!("{}@example.com", customer.username)))?),
            password: parsed.clone(),
            full_name: Some(valid("full name", FullName::parse(customer.full_name))?),
            address: None,
        };
        let user = match self.shop.users.register(new_user).await {
            Ok(user) => user,
            Err(AppError::Duplicate { .. }) => {
                let user = self.stored(customer.username).await?;
                self.new_password(admin, &user, parsed).await?
            }
            Err(e) => return Err(e),
        };
        report.users.push(Credentials { username: customer.username.to_owned(), password, role: Role::Customer });
        Ok(Customer::of(&user))
    }

    /// The live products' ids by SKU (archived ones are not listed).
    async fn listed_skus(&self) -> Result<HashMap<String, ProductId>, AppError> {
        let mut skus = HashMap::new();
        let mut after = None;
        loop {
            let listed = self.shop.products.list(&ProductFilter::default(), None, page(after)?).await?;
            for product in listed.items {
                if let Some(sku) = product.sku {
                    skus.insert(sku.as_str().to_owned(), product.id);
                }
            }
            match listed.next {
                Some(next) => after = Some(next),
                None => return Ok(skus),
            }
        }
    }

    async fn products(
        &mut self,
        admin: &Actor,
        report: &mut DemoReport,
    ) -> Result<HashMap<String, ProductId>, AppError> {
        let mut skus = self.listed_skus().await?;
        let total = catalog::PRODUCTS.len() + 1;
        for (n, item) in catalog::PRODUCTS.iter().enumerate() {
            if skus.contains_key(item.sku) {
                report.products.existing += 1;
            } else if let Some(id) = self.product(admin, item, report).await? {
                skus.insert(item.sku.to_owned(), id);
            }
            report.sold_out += usize::from(item.stock == 0);
            self.step(Stage::Products, n + 1, total);
        }
        if let Some(id) = self.product(admin, &catalog::ARCHIVED, report).await? {
            let product = self.shop.products.get(id).await?;
            self.shop.products.archive(admin, id, product.version).await?;
        }
        report.archived = 1;
        self.step(Stage::Products, total, total);
        Ok(skus)
    }

    /// Creates `item`; `None` when its SKU is taken (it is there already).
    async fn product(
        &self,
        admin: &Actor,
        item: &CatalogItem,
        report: &mut DemoReport,
    ) -> Result<Option<ProductId>, AppError> {
        let new_product = NewProduct {
            name: valid(item.sku, ProductName::parse(item.name))?,
            description: Some(valid(item.sku, Description::parse(item.description))?),
            price: valid(item.sku, PriceCents::new(item.price_cents))?,
            currency: Currency::default(),
            stock: valid(item.sku, Stock::new(item.stock))?,
            sku: Some(valid(item.sku, Sku::parse(item.sku))?),
        };
        match self.shop.products.create(admin, new_product).await {
            Ok(product) => {
                report.products.created += 1;
                Ok(Some(product.id))
            }
            Err(AppError::Duplicate { .. }) => {
                report.products.existing += 1;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    async fn checkout(
        &mut self,
        admin: &Actor,
        customers: &[Customer],
        report: &mut DemoReport,
    ) -> Result<Shipping, AppError> {
        let total = catalog::SHIPPING_METHODS.len() + catalog::TAX_RATES.len() + 1 + customers.len();
        let mut done = 0;
        let listed = self.shop.shipping_methods.list(None, page(None)?).await?.items;
        let mut methods = Vec::new();
        for method in &catalog::SHIPPING_METHODS {
            let id = match listed.iter().find(|m| m.name.as_str() == method.name) {
                Some(existing) => {
                    report.shipping_methods.existing += 1;
                    existing.id
                }
                None => {
                    let countries: Result<Vec<CountryCode>, AppError> =
                        method.countries.iter().map(|c| valid(method.name, CountryCode::parse(c))).collect();
                    let new = NewShippingMethod {
                        name: valid(method.name, MethodName::parse(method.name))?,
                        price: valid(method.name, PriceCents::new(method.price_cents))?,
                        currency: Currency::default(),
                        countries: Countries::new(countries?),
                        free_over: method
                            .free_over_cents
                            .map(|f| valid(method.name, PriceCents::new(f)))
                            .transpose()?,
                    };
                    report.shipping_methods.created += 1;
                    self.shop.shipping_methods.create(admin, new).await?.id
                }
            };
            for country in method.countries {
                if !report.countries.contains(country) {
                    report.countries.push(country);
                }
            }
            methods.push(id);
            done += 1;
            self.step(Stage::Checkout, done, total);
        }
        for (country, bp, includes_shipping) in catalog::TAX_RATES {
            let new = NewTaxRate {
                country: valid(country, CountryCode::parse(country))?,
                rate: valid(country, RateBp::new(bp))?,
                includes_shipping,
            };
            match self.shop.tax_rates.create(admin, new).await {
                Ok(_) => report.tax_rates.created += 1,
                Err(AppError::Duplicate { .. }) => report.tax_rates.existing += 1,
                Err(e) => return Err(e),
            }
            done += 1;
            self.step(Stage::Checkout, done, total);
        }
        self.discount(admin).await?;
        done += 1;
        self.step(Stage::Checkout, done, total);
        let mut addresses = Vec::new();
        for (customer, item) in customers.iter().zip(&catalog::CUSTOMERS) {
            addresses.push(self.address(customer, item).await?);
            done += 1;
            self.step(Stage::Checkout, done, total);
        }
        Ok(Shipping { methods, addresses })
    }

    async fn discount(&self, admin: &Actor) -> Result<(), AppError> {
        let terms = DiscountTerms {
            kind: valid("discount", DiscountKind::parse("percent", catalog::DISCOUNT_PERCENT))?,
            currency: None,
            min_subtotal: Some(valid("discount", PriceCents::new(catalog::DISCOUNT_MIN_SUBTOTAL_CENTS))?),
            starts_at: None,
            ends_at: None,
            max_uses: None,
            max_uses_per_user: None,
        };
        let new = NewDiscount {
            code: valid("discount", DiscountCode::parse(catalog::DISCOUNT_CODE))?,
            terms: valid("discount", terms.check())?,
        };
        match self.shop.discounts.create(admin, new).await {
            Ok(_) | Err(AppError::Duplicate { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The customer's first saved address, made if they have none.
    async fn address(&self, customer: &Customer, item: &CustomerItem) -> Result<AddressId, AppError> {
        let saved = self.shop.addresses.list(&customer.actor, None, page(None)?).await?;
        if let Some(address) = saved.items.first() {
            return Ok(address.id);
        }
        let a = &item.address;
        let input = AddressInput {
            name: a.name,
            line1: a.line1,
            line2: None,
            city: a.city,
            postal_code: Some(a.postal_code),
            region: a.region,
            country: a.country,
            phone: None,
        };
        let address = valid(item.username, PostalAddress::parse(&input, ""))?;
        Ok(self.shop.addresses.create(&customer.actor, address).await?.id)
    }

    /// The past orders, unless the shop has orders already.
    async fn orders(
        &mut self,
        admin: &Actor,
        customers: &[Customer],
        products: &HashMap<String, ProductId>,
        shipping: &Shipping,
        report: &mut DemoReport,
    ) -> Result<(), AppError> {
        let first = PageRequest { limit: valid("page limit", Limit::new(1))?, after: None };
        if !self.shop.orders.list(admin, None, None, first).await?.items.is_empty() {
            return Ok(());
        }
        let total = catalog::ORDERS.len();
        for (n, order) in catalog::ORDERS.iter().enumerate() {
            let lines: Option<Vec<OrderItem>> = order
                .lines
                .iter()
                .map(|(sku, quantity)| {
                    let product_id = *products.get(*sku)?;
                    Quantity::new(*quantity).ok().map(|quantity| OrderItem { product_id, quantity })
                })
                .collect();
            // A product of the line was archived since: that order is left out.
            let Some(lines) = lines else {
                self.step(Stage::Orders, n + 1, total);
                continue;
            };
            let customer = &customers[order.customer];
            let checkout = Checkout {
                ship_to: Some(ShipTo::Saved(shipping.addresses[order.customer])),
                shipping_method: Some(shipping.methods[order.method]),
                discount_code: if order.discount {
                    Some(valid("discount", DiscountCode::parse(catalog::DISCOUNT_CODE))?)
                } else {
                    None
                },
            };
            let items = valid("order", OrderItems::new(lines))?;
            let mut placed = self.shop.orders.place(customer.session, OrderRequest::Items(items), checkout).await?;
            let (actor, moves): (&Actor, &[OrderStatus]) = match order.outcome {
                Outcome::Pending => (admin, &[]),
                Outcome::Paid => (admin, &[OrderStatus::Paid]),
                Outcome::Shipped => (admin, &[OrderStatus::Paid, OrderStatus::Shipped]),
                Outcome::Delivered => (admin, &[OrderStatus::Paid, OrderStatus::Shipped, OrderStatus::Delivered]),
                Outcome::CancelledByCustomer => (&customer.actor, &[OrderStatus::Cancelled]),
                Outcome::CancelledByAdmin => (admin, &[OrderStatus::Paid, OrderStatus::Cancelled]),
            };
            for to in moves {
                placed = self.shop.orders.change_status(actor, placed.id, placed.version, *to).await?;
            }
            report.orders.push(placed.status);
            self.step(Stage::Orders, n + 1, total);
        }
        Ok(())
    }
}
