//! Countries: ISO 3166-1 alpha-2 codes that exist (the officially assigned
//! ones), given in any case and kept upper-case.

use std::fmt;
use thiserror::Error;

/// The 249 officially assigned ISO 3166-1 alpha-2 codes, sorted.
const ASSIGNED: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD",
    "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA",
    "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE",
    "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA",
    "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK",
    "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP",
    "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT",
    "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS",
    "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
    "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS",
    "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST",
    "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW",
    "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA",
    "ZM", "ZW",
];

/// A country that exists: `"DE"`, never `"XX"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountryCode(&'static str);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("must be an ISO 3166-1 alpha-2 country code that exists, such as DE")]
pub struct InvalidCountry;

impl CountryCode {
    /// Parses a code in any case (`"de"` is `DE`).
    pub fn parse(s: &str) -> Result<Self, InvalidCountry> {
        let upper = s.to_ascii_uppercase();
        let found = ASSIGNED.binary_search(&upper.as_str()).map_err(|_| InvalidCountry)?;
        Ok(Self(ASSIGNED[found]))
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_and_unique_so_binary_search_finds_every_code() {
        assert!(ASSIGNED.windows(2).all(|w| w[0] < w[1]));
        assert!(ASSIGNED.iter().all(|c| CountryCode::parse(c).is_ok()));
    }

    #[test]
    fn codes_in_any_case_are_stored_upper_case() {
        assert_eq!(CountryCode::parse("de").unwrap().as_str(), "DE");
        assert_eq!(CountryCode::parse("Us").unwrap().to_string(), "US");
    }

    #[test]
    fn codes_that_do_not_exist_are_refused() {
        for bad in ["XX", "ZZ", "UK", "EU", "D", "DEU", "", "D1", "ÄÖ"] {
            assert_eq!(CountryCode::parse(bad), Err(InvalidCountry), "{bad}");
        }
    }
}
