//! Recently read parameter versions and GetParametersByPath pages, kept in memory so a
//! busy reader does not go to the database for every request (on SQLite each query is a
//! round trip to the connection's own thread, and on a small machine those thread
//! hand-offs, not the query, were most of a GetParameter).
//!
//! Correctness rests on three rules:
//! - **Only with SQLite**, where one server process is the only writer. With PostgreSQL
//!   several replicas write, so the cache is off and every read goes to the database.
//! - **Every parameter change forgets everything** ([`ReadCache::invalidate`], called by
//!   the service after each commit that touches parameters). A generation counter keeps
//!   a read that started before the change from storing what it read afterwards, so once
//!   a change has returned to its caller no reader sees the value before it.
//! - **Entries live [`TTL`] at most**, which bounds what a change made by another process
//!   on the same file (the admin CLI's `bosun keys rotate` re-wraps SecureStrings) can
//!   leave behind. Re-wrapped values decrypt either way: retired key material is kept.
//!
//! SecureString entries hold the sealed value only; decryption happens per request.

use super::store::VersionRow;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an entry is served without reading the database again.
pub const TTL: Duration = Duration::from_secs(1);
/// Entries kept at most (versions and pages together); a full cache starts over.
pub const MAX_ENTRIES: usize = 10_000;

/// A GetParametersByPath page: path, recursive, the name it starts after, its size.
type PageKey = (String, bool, Option<String>, i64);

#[derive(Default)]
struct Entries {
    generation: u64,
    /// (name, version; `None` = latest) → the version, or `None` when there is none.
    versions: HashMap<(String, Option<i64>), (Instant, Option<VersionRow>)>,
    pages: HashMap<PageKey, (Instant, Vec<VersionRow>)>,
}

impl Entries {
    fn len(&self) -> usize {
        self.versions.len() + self.pages.len()
    }

    fn make_room(&mut self) {
        if self.len() >= MAX_ENTRIES {
            self.versions.clear();
            self.pages.clear();
        }
    }
}

/// See the module docs. A disabled cache stores nothing and finds nothing.
pub struct ReadCache {
    enabled: bool,
    entries: Mutex<Entries>,
}

/// What a miss hands back to [`ReadCache::put_version`] / [`ReadCache::put_page`]: the
/// generation the read started in.
#[derive(Clone, Copy, Debug)]
pub struct Miss(u64);

impl ReadCache {
    pub fn new(enabled: bool) -> ReadCache {
        ReadCache {
            enabled,
            entries: Mutex::default(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What `pick` finds, if it was stored within [`TTL`]; else the miss.
    fn find<V: Clone>(
        &self,
        pick: impl FnOnce(&Entries) -> Option<&(Instant, V)>,
    ) -> Result<V, Miss> {
        let e = self.lock();
        if self.enabled {
            if let Some((at, found)) = pick(&e) {
                if at.elapsed() < TTL {
                    return Ok(found.clone());
                }
            }
        }
        Err(Miss(e.generation))
    }

    /// Runs `store` unless the cache is off or a change came in since `miss`.
    fn keep(&self, miss: Miss, store: impl FnOnce(&mut Entries)) {
        if !self.enabled {
            return;
        }
        let mut e = self.lock();
        if e.generation != miss.0 {
            return;
        }
        e.make_room();
        store(&mut e);
    }

    /// The version `(name, version)` if it was read within [`TTL`] (`Ok(None)`: it was
    /// read and does not exist), else the miss to store the database's answer with.
    pub fn version(&self, name: &str, version: Option<i64>) -> Result<Option<VersionRow>, Miss> {
        self.find(|e| e.versions.get(&(name.to_string(), version)))
    }

    /// Keeps what the database answered for a [`ReadCache::version`] miss, unless a
    /// change came in between.
    pub fn put_version(
        &self,
        miss: Miss,
        name: &str,
        version: Option<i64>,
        row: &Option<VersionRow>,
    ) {
        self.keep(miss, |e| {
            e.versions
                .insert((name.to_string(), version), (Instant::now(), row.clone()));
        });
    }

    /// A page of latest versions under `path` if it was read within [`TTL`].
    pub fn page(
        &self,
        path: &str,
        recursive: bool,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<VersionRow>, Miss> {
        let key = (
            path.to_string(),
            recursive,
            after.map(str::to_string),
            limit,
        );
        self.find(|e| e.pages.get(&key))
    }

    /// Keeps a page the database answered for a [`ReadCache::page`] miss, unless a change
    /// came in between.
    pub fn put_page(
        &self,
        miss: Miss,
        path: &str,
        recursive: bool,
        after: Option<&str>,
        limit: i64,
        rows: &[VersionRow],
    ) {
        self.keep(miss, |e| {
            let key = (
                path.to_string(),
                recursive,
                after.map(str::to_string),
                limit,
            );
            e.pages.insert(key, (Instant::now(), rows.to_vec()));
        });
    }

    /// Forgets everything (after any change to parameters, their versions or labels).
    pub fn invalidate(&self) {
        let mut e = self.lock();
        e.generation += 1;
        e.versions.clear();
        e.pages.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, version: i64, value: &str) -> VersionRow {
        VersionRow {
            name: name.into(),
            version,
            r#type: "String".into(),
            tier: "Standard".into(),
            data_type: "text".into(),
            description: String::new(),
            allowed_pattern: String::new(),
            key_id: String::new(),
            policies: "[]".into(),
            value: Some(value.into()),
            sealed: None,
            modified_at: 0,
            modified_by: "t".into(),
        }
    }

    #[test]
    fn a_stored_read_is_found_until_a_change() {
        let c = ReadCache::new(true);
        let miss = c.version("/a", None).expect_err("empty cache");
        c.put_version(miss, "/a", None, &Some(row("/a", 1, "one")));
        let hit = c.version("/a", None).expect("hit").expect("a row");
        assert_eq!(hit.value.as_deref(), Some("one"));
        // A version asked by number is its own entry.
        assert!(c.version("/a", Some(1)).is_err());
        c.invalidate();
        assert!(c.version("/a", None).is_err());
    }

    #[test]
    fn absence_is_remembered_too() {
        let c = ReadCache::new(true);
        let miss = c.version("/none", None).expect_err("empty cache");
        c.put_version(miss, "/none", None, &None);
        assert!(matches!(c.version("/none", None), Ok(None)));
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_kept() {
        let c = ReadCache::new(true);
        // The read starts, a change commits and invalidates, then the read (which may
        // have seen the old value) comes back.
        let miss = c.version("/a", None).expect_err("empty cache");
        let page_miss = c.page("/p", false, None, 10).expect_err("empty cache");
        c.invalidate();
        c.put_version(miss, "/a", None, &Some(row("/a", 1, "old")));
        c.put_page(page_miss, "/p", false, None, 10, &[row("/p/x", 1, "old")]);
        assert!(c.version("/a", None).is_err());
        assert!(c.page("/p", false, None, 10).is_err());
    }

    #[test]
    fn pages_are_keyed_by_path_depth_start_and_size() {
        let c = ReadCache::new(true);
        let miss = c.page("/p", false, Some("/p/b"), 10).expect_err("empty");
        c.put_page(miss, "/p", false, Some("/p/b"), 10, &[row("/p/c", 1, "c")]);
        assert_eq!(
            c.page("/p", false, Some("/p/b"), 10).expect("hit")[0].name,
            "/p/c"
        );
        assert!(c.page("/p", true, Some("/p/b"), 10).is_err());
        assert!(c.page("/p", false, None, 10).is_err());
        assert!(c.page("/p", false, Some("/p/b"), 5).is_err());
    }

    #[test]
    fn a_disabled_cache_keeps_nothing() {
        let c = ReadCache::new(false);
        let miss = c.version("/a", None).expect_err("empty");
        c.put_version(miss, "/a", None, &Some(row("/a", 1, "one")));
        assert!(c.version("/a", None).is_err());
    }

    #[test]
    fn a_full_cache_starts_over() {
        let c = ReadCache::new(true);
        for i in 0..MAX_ENTRIES {
            let name = format!("/n{i}");
            let miss = c.version(&name, None).expect_err("new");
            c.put_version(miss, &name, None, &None);
        }
        assert!(c.version("/n0", None).is_ok());
        let miss = c.version("/extra", None).expect_err("new");
        c.put_version(miss, "/extra", None, &None);
        assert!(c.version("/n0", None).is_err());
        assert!(c.version("/extra", None).is_ok());
    }
}
