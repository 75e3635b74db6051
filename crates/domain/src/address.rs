//! Postal addresses: the ones a customer saves, and the copy an order keeps
//! of the one it ships to (later edits of the saved one do not touch it).

use crate::country::CountryCode;
use crate::ids::{AddressId, UserId};
use crate::text::TextRule;
use crate::validation::ValidationErrors;
use crate::version::Version;
use crate::Timestamp;

/// Longest text field of an address, in characters.
const MAX_FIELD: usize = 200;

/// One line of an address: 1..=200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressField(String);

impl AddressField {
    pub const RULE: TextRule = TextRule::line(1, MAX_FIELD);

    pub fn parse(s: &str) -> Result<Self, crate::text::TextError> {
        Self::RULE.check(s).map(|()| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where to ship: `name`, `line1`, `city` and `country` are required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalAddress {
    pub name: AddressField,
    pub line1: AddressField,
    pub line2: Option<AddressField>,
    pub city: AddressField,
    pub postal_code: Option<AddressField>,
    pub region: Option<AddressField>,
    pub country: CountryCode,
    pub phone: Option<AddressField>,
}

/// An address as a client sends it, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressInput<'a> {
    pub name: &'a str,
    pub line1: &'a str,
    pub line2: Option<&'a str>,
    pub city: &'a str,
    pub postal_code: Option<&'a str>,
    pub region: Option<&'a str>,
    pub country: &'a str,
    pub phone: Option<&'a str>,
}

impl PostalAddress {
    /// Validates every field; errors are named `<prefix><field>` (a prefix
    /// such as `"shipping_address."` for a nested address, or `""`).
    pub fn parse(input: &AddressInput<'_>, prefix: &str) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let required = |field: &str, value: &str, errors: &mut ValidationErrors| {
            errors.check(&format!("{prefix}{field}"), AddressField::parse(value))
        };
        let name = required("name", input.name, &mut errors);
        let line1 = required("line1", input.line1, &mut errors);
        let city = required("city", input.city, &mut errors);
        let optional = |field: &str, value: Option<&str>, errors: &mut ValidationErrors| match value {
            None => Some(None),
            Some(value) => errors.check(&format!("{prefix}{field}"), AddressField::parse(value)).map(Some),
        };
        let line2 = optional("line2", input.line2, &mut errors);
        let postal_code = optional("postal_code", input.postal_code, &mut errors);
        let region = optional("region", input.region, &mut errors);
        let phone = optional("phone", input.phone, &mut errors);
        let country = errors.check(&format!("{prefix}country"), CountryCode::parse(input.country));
        match (name, line1, line2, city, postal_code, region, country, phone) {
            (
                Some(name),
                Some(line1),
                Some(line2),
                Some(city),
                Some(postal_code),
                Some(region),
                Some(country),
                Some(phone),
            ) if errors.is_empty() => {
                Ok(PostalAddress { name, line1, line2, city, postal_code, region, country, phone })
            }
            _ => Err(errors),
        }
    }
}

/// An address a customer saved, to ship to by its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedAddress {
    pub id: AddressId,
    pub user_id: UserId,
    pub address: PostalAddress,
    pub version: Version,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A partial update of a saved address; `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressChanges {
    pub name: Option<AddressField>,
    pub line1: Option<AddressField>,
    pub line2: Option<Option<AddressField>>,
    pub city: Option<AddressField>,
    pub postal_code: Option<Option<AddressField>>,
    pub region: Option<Option<AddressField>>,
    pub country: Option<CountryCode>,
    pub phone: Option<Option<AddressField>>,
}

impl SavedAddress {
    pub fn new(id: AddressId, user_id: UserId, address: PostalAddress, now: Timestamp) -> Self {
        SavedAddress { id, user_id, address, version: Version::INITIAL, created_at: now, updated_at: now }
    }

    /// The address after `changes`, one version later.
    pub fn apply(&self, changes: AddressChanges, now: Timestamp) -> SavedAddress {
        let a = &self.address;
        let address = PostalAddress {
            name: changes.name.unwrap_or_else(|| a.name.clone()),
            line1: changes.line1.unwrap_or_else(|| a.line1.clone()),
            line2: changes.line2.unwrap_or_else(|| a.line2.clone()),
            city: changes.city.unwrap_or_else(|| a.city.clone()),
            postal_code: changes.postal_code.unwrap_or_else(|| a.postal_code.clone()),
            region: changes.region.unwrap_or_else(|| a.region.clone()),
            country: changes.country.unwrap_or(a.country),
            phone: changes.phone.unwrap_or_else(|| a.phone.clone()),
        };
        SavedAddress { address, version: self.version.next(), updated_at: now, ..self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AddressInput<'static> {
        AddressInput { name: "Ada", line1: "Hauptstr. 1", city: "Berlin", country: "de", ..AddressInput::default() }
    }

    #[test]
    fn a_valid_address_keeps_its_fields_and_upper_cases_the_country() {
        let a = PostalAddress::parse(&input(), "").unwrap();
        assert_eq!((a.name.as_str(), a.city.as_str(), a.country.as_str()), ("Ada", "Berlin", "DE"));
        assert_eq!((a.line2, a.phone), (None, None));
    }

    #[test]
    fn every_invalid_field_is_named_with_the_prefix() {
        let bad = AddressInput { name: "", city: "x".repeat(201).leak(), country: "XX", line2: Some(" "), ..input() };
        let errors = PostalAddress::parse(&bad, "shipping_address.").unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["shipping_address.name", "shipping_address.city", "shipping_address.line2", "shipping_address.country"]
        );
    }

    #[test]
    fn changes_apply_one_version_later_and_can_clear_optional_fields() {
        let now = chrono::Utc::now();
        let mut address = PostalAddress::parse(&input(), "").unwrap();
        address.phone = Some(AddressField::parse("+49 30 1").unwrap());
        let saved = SavedAddress::new(
            AddressId::from_ulid(ulid::Ulid::from_parts(1, 1)),
            UserId::from_ulid(ulid::Ulid::from_parts(2, 2)),
            address,
            now,
        );
        let changed = saved.apply(
            AddressChanges {
                city: Some(AddressField::parse("Hamburg").unwrap()),
                phone: Some(None),
                ..Default::default()
            },
            now,
        );
        assert_eq!((changed.address.city.as_str(), changed.address.phone.clone()), ("Hamburg", None));
        assert_eq!((changed.version.get(), changed.address.name.as_str()), (2, "Ada"));
    }
}
