//! The rule every free-text value shares: bounded length, no control
//! characters (U+0000 above all), no blank value.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must be at least {min} characters")]
    TooShort { min: usize },
    #[error("must not contain control characters")]
    ControlCharacter,
}

/// The rule of one kind of free text: `min..=max` characters, no control
/// characters except, when `multiline`, line breaks and tabs. Each value
/// object names its rule once (`ProductName::RULE`); its parsing and the
/// API's published schema both come from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    pub min: usize,
    pub max: usize,
    pub multiline: bool,
}

impl TextRule {
    /// One line of `min..=max` characters.
    pub const fn line(min: usize, max: usize) -> Self {
        Self { min, max, multiline: false }
    }

    /// `min..=max` characters, line breaks and tabs allowed.
    pub const fn lines(min: usize, max: usize) -> Self {
        Self { min, max, multiline: true }
    }

    pub fn check(self, value: &str) -> Result<(), TextError> {
        check_text(value, self.min, self.max, self.multiline)
    }
}

/// Checks a free-text value: `min..=max` characters, no control characters
/// except line breaks and tabs when `multiline` is true.
pub fn check_text(value: &str, min: usize, max: usize, multiline: bool) -> Result<(), TextError> {
    let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(TextError::ControlCharacter);
    }
    if value.trim().is_empty() {
        return Err(TextError::Empty);
    }
    let len = value.chars().count();
    if len < min {
        return Err(TextError::TooShort { min });
    }
    if len > max {
        return Err(TextError::TooLong { max });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_refused_even_in_multiline_text() {
        assert_eq!(check_text("a\u{0}b", 1, 10, true), Err(TextError::ControlCharacter));
    }

    #[test]
    fn line_breaks_are_allowed_only_in_multiline_text() {
        assert!(check_text("a\nb", 1, 10, true).is_ok());
        assert_eq!(check_text("a\nb", 1, 10, false), Err(TextError::ControlCharacter));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(check_text("ééé", 1, 3, false).is_ok());
        assert_eq!(check_text("éééé", 1, 3, false), Err(TextError::TooLong { max: 3 }));
    }

    #[test]
    fn blank_is_empty() {
        assert_eq!(check_text("   ", 1, 10, false), Err(TextError::Empty));
    }
}
