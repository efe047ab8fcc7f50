//! AWS-style `NextToken` pagination shared by every Describe/List operation: the token
//! is opaque to clients (hex of a scope and an offset), bound to the operation that
//! issued it, and anything else is `InvalidNextToken`.

use crate::error::{ServiceError, ServiceResult};

/// The token that continues `scope` at `offset`.
pub fn next_token(scope: &str, offset: i64) -> String {
    hex::encode(format!("bosun-v1:{scope}:{offset}"))
}

/// The offset a token stands for; `InvalidNextToken` for anything not issued by
/// [`next_token`] for the same scope.
pub fn offset_of(scope: &str, token: Option<&str>) -> ServiceResult<i64> {
    let Some(token) = token else { return Ok(0) };
    hex::decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.strip_prefix(&format!("bosun-v1:{scope}:"))
                .and_then(|n| n.parse::<i64>().ok())
        })
        .filter(|n| *n >= 0)
        .ok_or_else(|| {
            ServiceError::validation("The NextToken is not valid.")
                .with_exception("InvalidNextToken")
        })
}

/// Cuts rows fetched with `limit + 1` to one page and issues the token for the next,
/// if there is more.
pub fn split<T>(
    mut rows: Vec<T>,
    scope: &str,
    offset: i64,
    limit: i64,
) -> (Vec<T>, Option<String>) {
    let keep = usize::try_from(limit).unwrap_or(0);
    let more = rows.len() > keep;
    rows.truncate(keep);
    (rows, more.then(|| next_token(scope, offset + limit)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_bound_to_their_scope() {
        assert_eq!(offset_of("a", Some(&next_token("a", 150))).ok(), Some(150));
        assert_eq!(offset_of("a", None).ok(), Some(0));
        for bad in [
            "",
            "zz",
            "00",
            &next_token("b", 5),
            &hex::encode("bosun-v1:a:-3"),
        ] {
            let e = offset_of("a", Some(bad)).expect_err(bad);
            assert_eq!(e.exception, Some("InvalidNextToken"), "{bad}");
        }
    }

    #[test]
    fn split_keeps_a_page_and_says_whether_more_follow() {
        let (page, next) = split(vec![1, 2, 3], "a", 10, 2);
        assert_eq!(page, vec![1, 2]);
        assert_eq!(offset_of("a", next.as_deref()).ok(), Some(12));
        let (page, next) = split(vec![1, 2], "a", 0, 2);
        assert_eq!((page, next), (vec![1, 2], None));
    }
}
