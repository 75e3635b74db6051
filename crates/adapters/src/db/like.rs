//! Case-insensitive `LIKE` searches that take the user's text literally.

use diesel::sql_types::Text;

diesel::define_sql_function! {
    /// SQL `lower()`, spelled as the indexes spell it, so searches can use them.
    fn lower(x: Text) -> Text;
}

/// A pattern for `lower(column) LIKE pattern ESCAPE '\'` matching values
/// that start with `q`, ignoring case.
pub(crate) fn prefix_pattern(q: &str) -> String {
    format!("{}%", like_literal(q))
}

/// `q` lower-cased, with its own `%`, `_` and `\` escaped by `\`: the
/// literal part of a `LIKE pattern ESCAPE '\'`.
pub(crate) fn like_literal(q: &str) -> String {
    let mut escaped = String::with_capacity(q.len());
    for c in q.to_lowercase().chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_lower_case_with_wildcards_escaped() {
        assert_eq!(prefix_pattern("Al"), "al%");
        assert_eq!(prefix_pattern("a%b_c\\"), "a\\%b\\_c\\\\%");
        assert_eq!(like_literal("Tea_Pot"), "tea\\_pot");
    }
}
