//! AWS-style `NextToken` pagination shared by every Describe/List operation: the token
//! is opaque to clients (hex of a scope and an offset, or of a scope and the last key
//! for keyset pages), bound to the operation that issued it, and anything else is
//! `InvalidNextToken`.

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

/// The page size a request's `MaxResults` asks for: `default` when absent, refused
/// outside `range` (the model's bounds for the operation).
pub fn max_results(
    given: Option<i64>,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> ServiceResult<i64> {
    match given {
        None => Ok(default),
        Some(n) if range.contains(&n) => Ok(n),
        Some(n) => Err(ServiceError::validation(format!(
            "MaxResults must be {} to {}, got {n}.",
            range.start(),
            range.end()
        ))),
    }
}

/// One page of a listing computed in memory (small listings: baselines, patch groups,
/// a node's patches): the rows at `offset`, at most `limit`, and the next token.
pub fn page_of<T>(
    rows: impl IntoIterator<Item = T>,
    scope: &str,
    offset: i64,
    limit: i64,
) -> (Vec<T>, Option<String>) {
    let rows: Vec<T> = rows
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit + 1).unwrap_or(usize::MAX))
        .collect();
    split(rows, scope, offset, limit)
}

/// The console's page of a listing computed in memory: the rows `query` asks for and
/// the total.
pub fn console_page<T>(rows: Vec<T>, query: &crate::types::ListQuery) -> crate::types::Page<T> {
    let total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let offset = usize::try_from(query.offset()).unwrap_or(usize::MAX);
    crate::types::Page {
        items: rows
            .into_iter()
            .skip(offset)
            .take(query.per_page() as usize)
            .collect(),
        total,
        page: query.page(),
        per_page: query.per_page(),
    }
}

/// Keyset pagination, for listings in the order of a unique key (a parameter's name):
/// the token carries the last key returned, and the next page starts after it. Unlike
/// an offset it costs the same at any depth and neither skips nor repeats rows when
/// others are added or removed meanwhile.
pub fn after_token(scope: &str, last_key: &str) -> String {
    hex::encode(format!("bosun-k1:{scope}\n{last_key}"))
}

/// The key a keyset token continues after (`None` without a token);
/// `InvalidNextToken` for anything not issued by [`after_token`] for the same scope.
pub fn after_of(scope: &str, token: Option<&str>) -> ServiceResult<Option<String>> {
    let Some(token) = token else { return Ok(None) };
    hex::decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.strip_prefix(&format!("bosun-k1:{scope}\n"))
                .map(str::to_string)
        })
        .map(Some)
        .ok_or_else(|| {
            ServiceError::validation("The NextToken is not valid.")
                .with_exception("InvalidNextToken")
        })
}

/// Cuts rows fetched with `limit + 1` to one page and issues the keyset token for the
/// next (after the page's last key), if there is more.
pub fn split_after<T>(
    mut rows: Vec<T>,
    scope: &str,
    limit: i64,
    key: impl Fn(&T) -> &str,
) -> (Vec<T>, Option<String>) {
    let keep = usize::try_from(limit).unwrap_or(0);
    let more = rows.len() > keep;
    rows.truncate(keep);
    let next = more
        .then(|| rows.last().map(|r| after_token(scope, key(r))))
        .flatten();
    (rows, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_pages_cut_a_complete_list() {
        use crate::types::ListQuery;
        let q = ListQuery {
            page: 2,
            per_page: 10,
            ..Default::default()
        };
        let p = console_page((0..25).collect::<Vec<i32>>(), &q);
        assert_eq!(p.items, (10..20).collect::<Vec<_>>());
        assert_eq!((p.total, p.page, p.per_page), (25, 2, 10));
        let far = ListQuery {
            page: 9,
            ..Default::default()
        };
        let p = console_page(vec![1, 2], &far);
        assert!(p.items.is_empty());
        assert_eq!(p.total, 2);
    }

    #[test]
    fn keyset_tokens_round_trip_and_are_bound_to_their_scope() {
        let t = after_token("by-path:/a:true", "/a/b:c");
        assert_eq!(
            after_of("by-path:/a:true", Some(&t)).ok(),
            Some(Some("/a/b:c".to_string()))
        );
        assert_eq!(after_of("x", None).ok(), Some(None));
        for bad in [
            "",
            "zz",
            &after_token("by-path:/a:false", "/a/b"),
            &next_token("by-path:/a:true", 3),
        ] {
            let e = after_of("by-path:/a:true", Some(bad)).expect_err(bad);
            assert_eq!(e.exception, Some("InvalidNextToken"), "{bad}");
        }
        let (page, next) = split_after(vec!["a", "b", "c"], "s", 2, |r| r);
        assert_eq!(page, ["a", "b"]);
        assert_eq!(after_of("s", next.as_deref()).ok(), Some(Some("b".into())));
        let (page, next) = split_after(vec!["a", "b"], "s", 2, |r| r);
        assert_eq!((page, next), (vec!["a", "b"], None));
    }

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
