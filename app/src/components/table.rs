//! The data table every list in the console uses: server-side pagination, sorting and
//! filtering driven by the URL query (`?q=…&sort=…&desc=1&page=2&<filter>=…`), so every
//! state is a link that works before hydration, survives reloads and can be shared;
//! plus loading, empty and error states.

use crate::error::AppError;
use bosun_core::types::{ListQuery, Page};
use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;
use serde::{de::DeserializeOwned, Serialize};

#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub key: &'static str,
    pub label: &'static str,
    pub sortable: bool,
    /// Extra class for the column's cells (`num`, `mono`).
    pub class: &'static str,
}

impl Column {
    pub const fn new(key: &'static str, label: &'static str) -> Self {
        Column {
            key,
            label,
            sortable: false,
            class: "",
        }
    }

    pub const fn sortable(mut self) -> Self {
        self.sortable = true;
        self
    }

    pub const fn class(mut self, class: &'static str) -> Self {
        self.class = class;
        self
    }
}

/// Parses the table state from URL parameters; only `filter_keys` become filters.
pub fn parse_list_query(map: &ParamsMap, filter_keys: &[&str]) -> ListQuery {
    ListQuery {
        page: map.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        per_page: map
            .get("per_page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0),
        sort: map.get("sort").filter(|s| !s.is_empty()),
        desc: map.get("desc").as_deref() == Some("1"),
        q: map.get("q").filter(|s| !s.trim().is_empty()),
        filters: filter_keys
            .iter()
            .filter_map(|k| {
                map.get(k)
                    .filter(|v| !v.is_empty())
                    .map(|v| (k.to_string(), v))
            })
            .collect(),
    }
}

/// The table state of the current URL, as a memo.
pub fn use_list_query(filter_keys: &'static [&'static str]) -> Memo<ListQuery> {
    let map = use_query_map();
    Memo::new(move |_| map.with(|m| parse_list_query(m, filter_keys)))
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The URL of `path` with the table state `query`.
pub fn list_href(path: &str, query: &ListQuery) -> String {
    let mut params: Vec<String> = Vec::new();
    if let Some(q) = &query.q {
        params.push(format!("q={}", encode(q)));
    }
    for (k, v) in &query.filters {
        params.push(format!("{}={}", encode(k), encode(v)));
    }
    if let Some(s) = &query.sort {
        params.push(format!("sort={}", encode(s)));
        if query.desc {
            params.push("desc=1".into());
        }
    }
    if query.page() > 1 {
        params.push(format!("page={}", query.page()));
    }
    if query.per_page != 0 {
        params.push(format!("per_page={}", query.per_page()));
    }
    if params.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", params.join("&"))
    }
}

#[component]
pub fn DataTable<T, R, IV>(
    /// The page's path (links and the filter form point here).
    path: &'static str,
    /// An accessible name for the table.
    label: &'static str,
    columns: Vec<Column>,
    query: Memo<ListQuery>,
    data: Resource<Result<Page<T>, AppError>>,
    /// Renders one row (`<tr>…</tr>`).
    row: R,
    /// Extra filter controls placed in the toolbar's form (selects named after filters).
    #[prop(optional, into)]
    filters: Option<ViewFn>,
    #[prop(default = "Nothing to show yet.")] empty: &'static str,
    #[prop(default = "Search")] search_placeholder: &'static str,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    R: Fn(T) -> IV + Clone + Send + Sync + 'static,
    IV: IntoView + 'static,
{
    let ncols = columns.len();
    let header = {
        let columns = columns.clone();
        move || {
            let q = query.get();
            columns
                .clone()
                .into_iter()
                .map(|c| {
                    let sorted = q.sort.as_deref() == Some(c.key);
                    let aria = sorted.then_some(if q.desc { "descending" } else { "ascending" });
                    if c.sortable {
                        let next = ListQuery {
                            sort: Some(c.key.to_string()),
                            desc: sorted && !q.desc,
                            page: 1,
                            ..q.clone()
                        };
                        let href = list_href(path, &next);
                        view! {
                            <th scope="col" aria-sort=aria class=c.class>
                                <A href=href attr:class="sort">{c.label}</A>
                            </th>
                        }
                        .into_any()
                    } else {
                        view! { <th scope="col" class=c.class>{c.label}</th> }.into_any()
                    }
                })
                .collect_view()
        }
    };
    let body = move || {
        let row = row.clone();
        Suspend::new(async move { rows(data.await.map(|p| p.items), ncols, empty, row) })
    };
    let pagination = move || {
        Suspend::new(async move {
            let Ok(page) = data.await else {
                return ().into_any();
            };
            view! { <Pager path=path.to_string() query=query.get_untracked() page=page.page per_page=page.per_page total=page.total /> }
                .into_any()
        })
    };
    view! {
        <div class="data-table">
            <div class="table-toolbar">
                <Form method="GET" action=path attr:class="table-filter" attr:role="search">
                    <input
                        type="search"
                        name="q"
                        aria-label=search_placeholder
                        placeholder=search_placeholder
                        prop:value=move || query.get().q.unwrap_or_default()
                        value=move || query.get().q.unwrap_or_default()
                    />
                    {filters.clone().map(|f| f.run())}
                    {move || query.get().sort.map(|s| view! { <input type="hidden" name="sort" value=s /> })}
                    {move || query.get().desc.then(|| view! { <input type="hidden" name="desc" value="1" /> })}
                    <button type="submit" class="btn">"Apply"</button>
                </Form>
            </div>
            <div class="table-scroll">
                <table aria-label=label>
                    <thead>
                        <tr>{header}</tr>
                    </thead>
                    <tbody>
                        <Suspense fallback=move || view! { <tr><td colspan=ncols><div class="spinner" aria-label="Loading"></div></td></tr> }>
                            {body}
                        </Suspense>
                    </tbody>
                </table>
            </div>
            <Suspense fallback=|| ()>{pagination}</Suspense>
        </div>
    }
}

/// The pager under a paged list: "first–last of total", Previous / Next as links to
/// `path` with `query` at the neighbouring pages (work before hydration).
#[component]
pub fn Pager(
    path: String,
    query: ListQuery,
    page: u32,
    per_page: u32,
    total: i64,
) -> impl IntoView {
    let first = if total == 0 {
        0
    } else {
        i64::from(page.saturating_sub(1)) * i64::from(per_page) + 1
    };
    let last = (i64::from(page) * i64::from(per_page)).min(total);
    let pages = Page::<()> {
        items: Vec::new(),
        total,
        page,
        per_page,
    }
    .pages();
    let link = |n: u32| {
        list_href(
            &path,
            &ListQuery {
                page: n,
                ..query.clone()
            },
        )
    };
    let prev = (page > 1).then(|| link(page - 1));
    let next = (page < pages).then(|| link(page + 1));
    view! {
        <div class="pagination">
            <span class="pagination-info">{format!("{first}–{last} of {total}")}</span>
            {match prev {
                Some(h) => view! { <A href=h attr:class="btn btn-sm" attr:rel="prev">"Previous"</A> }.into_any(),
                None => view! { <span class="btn btn-sm" aria-disabled="true">"Previous"</span> }.into_any(),
            }}
            <span class="page-current">{format!("Page {page} of {pages}")}</span>
            {match next {
                Some(h) => view! { <A href=h attr:class="btn btn-sm" attr:rel="next">"Next"</A> }.into_any(),
                None => view! { <span class="btn btn-sm" aria-disabled="true">"Next"</span> }.into_any(),
            }}
        </div>
    }
}

/// The rows of a table body: the error state, the empty state, or one row per item.
fn rows<T, R, IV>(
    result: Result<Vec<T>, AppError>,
    ncols: usize,
    empty: &'static str,
    row: R,
) -> AnyView
where
    R: Fn(T) -> IV,
    IV: IntoView + 'static,
{
    match result {
        Err(e) => view! {
            <tr>
                <td colspan=ncols>
                    <div class="table-error" role="alert">{e.message}</div>
                </td>
            </tr>
        }
        .into_any(),
        Ok(items) if items.is_empty() => view! {
            <tr>
                <td colspan=ncols>
                    <div class="table-empty">
                        <p class="table-empty-title">{empty}</p>
                    </div>
                </td>
            </tr>
        }
        .into_any(),
        Ok(items) => items.into_iter().map(row).collect_view().into_any(),
    }
}

/// A table over a short, complete list (no pagination): headers, loading, error and
/// empty states, rows.
#[component]
pub fn ListTable<T, R, IV>(
    label: &'static str,
    headers: Vec<&'static str>,
    data: Resource<Result<Vec<T>, AppError>>,
    row: R,
    #[prop(default = "Nothing to show yet.")] empty: &'static str,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    R: Fn(T) -> IV + Clone + Send + Sync + 'static,
    IV: IntoView + 'static,
{
    let ncols = headers.len();
    view! {
        <div class="data-table">
            <div class="table-scroll">
                <table aria-label=label>
                    <thead>
                        <tr>{headers.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr>
                    </thead>
                    <tbody>
                        <Suspense fallback=move || view! { <tr><td colspan=ncols><div class="spinner" aria-label="Loading"></div></td></tr> }>
                            {move || {
                                let row = row.clone();
                                Suspend::new(async move { rows(data.await, ncols, empty, row) })
                            }}
                        </Suspense>
                    </tbody>
                </table>
            </div>
        </div>
    }
}

/// A `<select>` filter for a [`DataTable`] toolbar; the current value comes from the URL.
#[component]
pub fn FilterSelect(
    name: &'static str,
    label: &'static str,
    options: Vec<(&'static str, &'static str)>,
    query: Memo<ListQuery>,
) -> impl IntoView {
    let current = move || {
        query
            .get()
            .filter(name)
            .map(str::to_string)
            .unwrap_or_default()
    };
    view! {
        <select name=name aria-label=label>
            <option value="" selected=move || current().is_empty()>{label}": all"</option>
            {options
                .into_iter()
                .map(|(value, text)| view! { <option value=value selected=move || current() == value>{text}</option> })
                .collect_view()}
        </select>
    }
}

/// A free-text (or date) filter for a [`DataTable`] toolbar; the current value comes
/// from the URL.
#[component]
pub fn FilterText(
    name: &'static str,
    label: &'static str,
    query: Memo<ListQuery>,
    #[prop(default = "text")] kind: &'static str,
) -> impl IntoView {
    let current = move || {
        query
            .get()
            .filter(name)
            .map(str::to_string)
            .unwrap_or_default()
    };
    view! {
        <input type=kind name=name aria-label=label placeholder=label prop:value=current class="filter-text" />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn href_round_trips_state() {
        let q = ListQuery {
            page: 2,
            per_page: 0,
            sort: Some("name".into()),
            desc: true,
            q: Some("a b&c".into()),
            filters: vec![("role".into(), "admin".into())],
        };
        assert_eq!(
            list_href("/users", &q),
            "/users?q=a%20b%26c&role=admin&sort=name&desc=1&page=2"
        );
        assert_eq!(list_href("/users", &ListQuery::default()), "/users");
    }
}
