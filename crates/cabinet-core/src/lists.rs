//! Paged, filtered, sorted queries for the lists the UI shows, read from
//! the offline cache. Every list is a page (`offset`, `limit`) plus the
//! total, so the UI can scroll through 100k rows without loading them.

use cabinet_api::{Application, ApplicationStatus};
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::store::Store;
use crate::CoreError;

/// The longest page a caller may ask for.
pub const MAX_LIMIT: u32 = 500;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationSort {
    /// Last change first (the default).
    #[default]
    Updated,
    Created,
    Deadline,
    Number,
}

/// Filters and order of the applications list. Dates are `YYYY-MM-DD`,
/// inclusive, on the creation date; `q` is full-text (every word a prefix,
/// case-insensitive, ё = е).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ApplicationQuery {
    pub status: Vec<ApplicationStatus>,
    pub service_code: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub q: Option<String>,
    pub sort: ApplicationSort,
    /// Ascending instead of the natural newest/latest first.
    pub ascending: bool,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct ApplicationPage {
    pub items: Vec<Application>,
    /// Rows matching the filters, all pages together.
    pub total: u32,
}

/// An FTS5 query: each word of `text` as a quoted prefix term, lower case,
/// ё folded to е. `None` when there is no word to look for.
pub(crate) fn fts_terms(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .to_lowercase()
        .replace('ё', "е")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| format!("\"{t}\"*"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

impl ApplicationQuery {
    /// The WHERE clause and its parameters (shared by the page and the count).
    fn filter(&self, org: &str) -> Result<(String, Vec<Value>), CoreError> {
        let mut sql = String::from("a.org_id = ?");
        let mut params = vec![Value::Text(org.to_owned())];
        if !self.status.is_empty() {
            sql.push_str(" AND a.status IN (");
            sql.push_str(&vec!["?"; self.status.len()].join(", "));
            sql.push(')');
            params.extend(self.status.iter().map(|s| Value::Text(s.as_str().into())));
        }
        if let Some(code) = self.service_code.as_deref().filter(|c| !c.is_empty()) {
            sql.push_str(" AND a.service_code = ?");
            params.push(Value::Text(code.to_owned()));
        }
        if let Some(from) = &self.from {
            if !is_date(from) {
                return Err(CoreError::Invalid("from"));
            }
            sql.push_str(" AND a.created_at >= ?");
            params.push(Value::Text(from.clone()));
        }
        if let Some(to) = &self.to {
            if !is_date(to) {
                return Err(CoreError::Invalid("to"));
            }
            // Inclusive: everything on that day sorts before the next one.
            sql.push_str(" AND a.created_at < date(?, '+1 day')");
            params.push(Value::Text(to.clone()));
        }
        if let Some(terms) = self.q.as_deref().and_then(fts_terms) {
            sql.push_str(
                " AND a.rid IN (SELECT rowid FROM applications_fts WHERE applications_fts MATCH ?)",
            );
            params.push(Value::Text(terms));
        }
        Ok((sql, params))
    }

    /// The page's SQL and parameters: what [`Store::application_page`] runs
    /// (the benchmark runs the same text in the `sqlite3` shell).
    pub fn page_sql(&self, org: &str) -> Result<(String, Vec<Value>), CoreError> {
        let (filter, mut params) = self.filter(org)?;
        let dir = if self.ascending { "ASC" } else { "DESC" };
        let order = match self.sort {
            ApplicationSort::Updated => format!("a.updated_at {dir}, a.rid {dir}"),
            ApplicationSort::Created => format!("a.created_at {dir}, a.rid {dir}"),
            // Without a deadline or number: last in either direction.
            ApplicationSort::Deadline => {
                format!("a.deadline IS NULL, a.deadline {dir}, a.rid {dir}")
            }
            ApplicationSort::Number => format!("a.number IS NULL, a.number {dir}, a.rid {dir}"),
        };
        let limit = match self.limit {
            0 => 50,
            n => n.min(MAX_LIMIT),
        };
        params.push(Value::Integer(i64::from(limit)));
        params.push(Value::Integer(i64::from(self.offset)));
        Ok((
            format!(
                "SELECT a.json FROM applications a WHERE {filter} ORDER BY {order} LIMIT ? OFFSET ?"
            ),
            params,
        ))
    }

    pub fn count_sql(&self, org: &str) -> Result<(String, Vec<Value>), CoreError> {
        let (filter, params) = self.filter(org)?;
        Ok((
            format!("SELECT count(*) FROM applications a WHERE {filter}"),
            params,
        ))
    }
}

impl Store {
    /// One page of the applications list.
    pub fn application_rows(
        &self,
        org: &str,
        query: &ApplicationQuery,
    ) -> Result<Vec<Application>, CoreError> {
        let (sql, params) = query.page_sql(org)?;
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), |r| {
                r.get::<_, String>(0)
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(|e| CoreError::Store(e.to_string())))
            .collect()
    }

    /// How many rows the filters of `query` match (its paging aside).
    pub fn application_count(&self, org: &str, query: &ApplicationQuery) -> Result<u32, CoreError> {
        let (sql, params) = query.count_sql(org)?;
        let total: i64 = self
            .conn
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(params), |r| r.get(0))?;
        Ok(u32::try_from(total).unwrap_or(u32::MAX))
    }

    /// One page of the applications list and the total.
    pub fn application_page(
        &self,
        org: &str,
        query: &ApplicationQuery,
    ) -> Result<ApplicationPage, CoreError> {
        Ok(ApplicationPage {
            items: self.application_rows(org, query)?,
            total: self.application_count(org, query)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabinet_api::Change;

    fn store_with(apps: &[Application]) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("cache.sqlite3"), None).unwrap();
        let changes: Vec<Change> = apps
            .iter()
            .enumerate()
            .map(|(i, a)| Change::upsert(i as u64 + 1, "application", &a.id, a))
            .collect();
        store.apply_page("o1", &changes, "c", 0).unwrap();
        (dir, store)
    }

    fn app(i: u32, status: ApplicationStatus, title: &str) -> Application {
        Application {
            id: format!("a{i:03}"),
            org_id: "o1".into(),
            number: (status != ApplicationStatus::Draft).then(|| format!("2026-{i:07}")),
            service_code: if i % 2 == 0 {
                "egrul-extract"
            } else {
                "cash-register"
            }
            .into(),
            title: title.into(),
            status,
            created_at: format!("2026-10-{:02}T10:00:00Z", 1 + i % 28),
            updated_at: format!("2026-11-{:02}T{:02}:00:00Z", 1 + i % 28, i % 24),
            deadline: (i % 3 == 0).then(|| format!("2026-12-{:02}", 1 + i % 28)),
            version: 1,
        }
    }

    #[test]
    fn pages_filter_sort_and_count_like_the_list_shows_them() {
        use ApplicationStatus as S;
        let mut apps = Vec::new();
        for i in 0..120u32 {
            let status = [S::Draft, S::Accepted, S::InProgress, S::Completed][i as usize % 4];
            let title = if i % 5 == 0 {
                "Выписка из ЕГРЮЛ для «Ёлки»"
            } else {
                "Регистрация ККТ"
            };
            apps.push(app(i, status, title));
        }
        let (_dir, store) = store_with(&apps);
        let page = |q: ApplicationQuery| store.application_page("o1", &q).unwrap();
        let ids = |p: &ApplicationPage| p.items.iter().map(|a| a.id.clone()).collect::<Vec<_>>();

        // Defaults: 50 newest changes first; the total counts every row.
        let first = page(ApplicationQuery::default());
        assert_eq!((first.items.len(), first.total), (50, 120));
        let mut expected = apps.clone();
        expected.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
        assert_eq!(
            ids(&first),
            expected[..50]
                .iter()
                .map(|a| a.id.clone())
                .collect::<Vec<_>>()
        );
        // Pages are disjoint and cover everything.
        let mut seen = std::collections::HashSet::new();
        for offset in [0, 50, 100] {
            let p = page(ApplicationQuery {
                offset,
                ..Default::default()
            });
            for a in p.items {
                assert!(seen.insert(a.id));
            }
        }
        assert_eq!(seen.len(), 120);

        // Status + text (ё = е, prefix, any case) + dates, all together.
        let q = ApplicationQuery {
            status: vec![S::Accepted, S::InProgress],
            q: Some("ЕЛК выпис".into()),
            from: Some("2026-10-05".into()),
            to: Some("2026-10-20".into()),
            ..Default::default()
        };
        let p = page(q);
        let want: Vec<&Application> = apps
            .iter()
            .filter(|a| matches!(a.status, S::Accepted | S::InProgress))
            .filter(|a| a.title.contains("Ёлки"))
            .filter(|a| ("2026-10-05".."2026-10-21").contains(&&a.created_at[..10]))
            .collect();
        assert!(!want.is_empty());
        assert_eq!(p.total as usize, want.len());
        assert!(p.items.iter().all(|a| want.iter().any(|w| w.id == a.id)));

        // A number fragment finds its application.
        let p = page(ApplicationQuery {
            q: Some("2026-0000041".into()),
            ..Default::default()
        });
        assert_eq!(ids(&p), ["a041"]);

        // Deadline ascending: the nearest first, rows without one last.
        let p = page(ApplicationQuery {
            sort: ApplicationSort::Deadline,
            ascending: true,
            limit: 500,
            ..Default::default()
        });
        let deadlines: Vec<Option<String>> = p.items.iter().map(|a| a.deadline.clone()).collect();
        let with: Vec<_> = deadlines.iter().take_while(|d| d.is_some()).collect();
        assert_eq!(with.len(), 40);
        assert!(with.windows(2).all(|w| w[0] <= w[1]));
        assert!(deadlines[40..].iter().all(Option::is_none));

        // Service filter, and bad dates are refused with a code.
        let p = page(ApplicationQuery {
            service_code: Some("cash-register".into()),
            ..Default::default()
        });
        assert_eq!(p.total, 60);
        let err = store
            .application_page(
                "o1",
                &ApplicationQuery {
                    from: Some("31.10.2026".into()),
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert_eq!(err.code(), "input.from");

        // Edits re-index: the renamed title is found, the old one is not.
        let mut renamed = apps[0].clone();
        renamed.title = "Лицензия на перевозки".into();
        let change = Change::upsert(999, "application", &renamed.id, &renamed);
        store.apply_page("o1", &[change], "c2", 0).unwrap();
        assert_eq!(
            ids(&page(ApplicationQuery {
                q: Some("лиценз".into()),
                ..Default::default()
            })),
            ["a000"]
        );
        assert_eq!(
            page(ApplicationQuery {
                q: Some("ёлки".into()),
                ..Default::default()
            })
            .total,
            23
        );
    }
}
