//! The version a writer says it read, from `If-Match: "<n>"` or the body's
//! `"version"`, and how a conflict is reported for each: 412 for a stale
//! `If-Match`, 409 for a stale body version (API.md, "Optimistic locking").

use actix_web::http::header;
use actix_web::HttpRequest;
use zonmart_app::AppError;
use zonmart_domain::Version;

use crate::problem::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    IfMatch,
    Body,
}

/// A stated version, and where it was stated. A handler makes its versioned
/// write through [`Precondition::write`], the one door to the version: the
/// conflict is then reported as this precondition says, and cannot be
/// forgotten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Precondition {
    version: Version,
    source: Source,
}

impl Precondition {
    /// Combines `If-Match` and the body's `version`: one of them is required
    /// (428), both must agree (400), each must be a version (400).
    pub fn resolve(req: &HttpRequest, body_version: Option<i64>) -> Result<Self, ApiError> {
        let from_header = if_match(req)?;
        let from_body = body_version
            .map(|v| Version::new(v).map_err(|e| ApiError::invalid("version", e.to_string())))
            .transpose()?;
        match (from_header, from_body) {
            (Some(h), Some(b)) if h != b => Err(ApiError::malformed(format!(
                "If-Match states version {h} but the body states version {b}; send one, or the same"
            ))),
            (Some(version), _) => Ok(Self { version, source: Source::IfMatch }),
            (None, Some(version)) => Ok(Self { version, source: Source::Body }),
            (None, None) => Err(ApiError::PreconditionRequired),
        }
    }

    /// Runs a versioned write at the stated version and reports its error
    /// as this precondition says: a stale `If-Match` is a failed
    /// precondition (412), a stale body version a conflict (409).
    pub async fn write<T, W>(self, write: impl FnOnce(Version) -> W) -> Result<T, ApiError>
    where
        W: std::future::Future<Output = Result<T, AppError>>,
    {
        write(self.version).await.map_err(|error| self.report(error))
    }

    /// A use case's error as this precondition reports it.
    fn report(self, error: AppError) -> ApiError {
        match (error, self.source) {
            (AppError::VersionConflict { current }, Source::IfMatch) => ApiError::PreconditionFailed { current },
            (other, _) => ApiError::App(other),
        }
    }
}

/// `If-Match: "3"` → version 3. The header is one strong entity tag,
/// compared as a string (RFC 9110): a well-formed tag that is not exactly
/// how this API writes a version (`"03"`, `"x"`) matches no version, so the
/// write is refused as stale (412). A weak tag, `*`, a list or a second
/// `If-Match` line is refused (400): a writer names the one version it read.
fn if_match(req: &HttpRequest) -> Result<Option<Version>, ApiError> {
    let mut lines = req.headers().get_all(header::IF_MATCH);
    let Some(raw) = lines.next() else {
        return Ok(None);
    };
    if lines.next().is_some() {
        return Err(ApiError::invalid("If-Match", "must be sent once, with one entity tag"));
    }
    let bad = || ApiError::invalid("If-Match", "must be one strong entity tag holding a version, such as \"3\"");
    let value = raw.to_str().map_err(|_| bad())?.trim();
    let tag = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).ok_or_else(bad)?;
    // etagc = %x21 / %x23-7E (visible ASCII but DQUOTE); obs-text is not ours.
    if !tag.bytes().all(|b| b == 0x21 || (0x23..=0x7e).contains(&b)) {
        return Err(bad());
    }
    let canonical = tag.bytes().all(|b| b.is_ascii_digit()) && !tag.starts_with('0');
    let version = canonical.then(|| tag.parse::<i64>().ok().and_then(|n| Version::new(n).ok())).flatten();
    Ok(Some(version.unwrap_or(NO_VERSION)))
}

/// What a tag naming no version is compared as: a version no record ever
/// reaches, so the versioned write refuses it like any stale one.
const NO_VERSION: Version = Version::MAX;

/// The `ETag` value of a version.
pub fn etag(version: Version) -> String {
    format!("\"{version}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use actix_web::ResponseError;

    fn req(if_match: Option<&str>) -> HttpRequest {
        let mut r = TestRequest::default();
        if let Some(v) = if_match {
            r = r.insert_header((header::IF_MATCH, v));
        }
        r.to_http_request()
    }

    fn status(e: ApiError) -> u16 {
        e.status_code().as_u16()
    }

    #[test]
    fn no_version_at_all_is_428() {
        assert_eq!(status(Precondition::resolve(&req(None), None).unwrap_err()), 428);
    }

    #[test]
    fn if_match_or_body_version_is_taken() {
        assert_eq!(Precondition::resolve(&req(Some("\"3\"")), None).unwrap().version.get(), 3);
        assert_eq!(Precondition::resolve(&req(None), Some(4)).unwrap().version.get(), 4);
        assert_eq!(Precondition::resolve(&req(Some("\"5\"")), Some(5)).unwrap().version.get(), 5);
    }

    #[test]
    fn disagreeing_header_and_body_is_400() {
        assert_eq!(status(Precondition::resolve(&req(Some("\"3\"")), Some(4)).unwrap_err()), 400);
    }

    #[test]
    fn malformed_if_match_is_400() {
        for bad in ["3", "W/\"3\"", "*", "\"1\", \"2\"", "\"a b\""] {
            assert_eq!(status(Precondition::resolve(&req(Some(bad)), None).unwrap_err()), 400, "{bad}");
        }
        assert_eq!(status(Precondition::resolve(&req(None), Some(0)).unwrap_err()), 400);
    }

    #[test]
    fn two_if_match_lines_are_400() {
        let two = TestRequest::default()
            .append_header((header::IF_MATCH, "\"3\""))
            .append_header((header::IF_MATCH, "\"3\""))
            .to_http_request();
        assert_eq!(status(Precondition::resolve(&two, None).unwrap_err()), 400);
    }

    #[test]
    fn a_tag_that_is_not_how_a_version_is_written_matches_none() {
        // Compared as strings: "03" is not "3".
        for other in ["\"03\"", "\"0\"", "\"x\"", "\"99999999999999999999\""] {
            let stated = Precondition::resolve(&req(Some(other)), None).unwrap();
            assert_eq!(stated.version, Version::MAX, "{other}");
            let current = Version::new(3).unwrap();
            assert_eq!(status(stated.report(AppError::VersionConflict { current })), 412, "{other}");
        }
    }

    #[test]
    fn a_stale_if_match_is_412_and_a_stale_body_version_409() {
        let current = Version::new(7).unwrap();
        let conflict = || AppError::VersionConflict { current };
        let by_header = Precondition::resolve(&req(Some("\"6\"")), None).unwrap();
        let by_body = Precondition::resolve(&req(None), Some(6)).unwrap();
        assert_eq!(status(by_header.report(conflict())), 412);
        assert_eq!(status(by_body.report(conflict())), 409);
    }
}
