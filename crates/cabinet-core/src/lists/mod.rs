//! Paged, filtered, sorted queries for the lists the UI shows, read from
//! the offline cache. Every list is a page (`offset`, `limit`) plus the
//! total, so the UI can scroll through 100k rows without loading them.

use cabinet_api::{Application, ApplicationStatus};
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::search::{fts_terms, search_words};
use crate::store::Store;
use crate::CoreError;
use cabinet_api::ErrorCode;

mod export;

pub use export::ApplicationsExport;

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

/// Which date of an application `from` and `to` bound.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationDate {
    /// When it was drafted (the default).
    #[default]
    Created,
    /// Its last change.
    Updated,
    /// The authority's deadline; rows without one are outside any range.
    Deadline,
}

impl ApplicationDate {
    fn column(self) -> &'static str {
        match self {
            ApplicationDate::Created => "a.created_at",
            ApplicationDate::Updated => "a.updated_at",
            ApplicationDate::Deadline => "a.deadline",
        }
    }
}

/// Filters and order of the applications list. Dates are `YYYY-MM-DD`,
/// inclusive, on the date `date_by` names; `q` is full-text (every word a
/// prefix, case-insensitive, ё = е).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ApplicationQuery {
    pub status: Vec<ApplicationStatus>,
    pub service_code: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub date_by: ApplicationDate,
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

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// How many of an organization's newest applications a list newest first
/// walks, testing its words in the date index, before it asks the full-text
/// index instead. Walking 4,000 index entries costs about what the
/// full-text index needs for a word in 10,000 titles (1–2 ms), so a common
/// word is found by walking and a rare one by the index.
pub const WALK_ROWS: u32 = 4_000;

/// How a list applies its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Words {
    /// Through the full-text index: right for any order and any word.
    FullText,
    /// By testing ` word` in `search_text` while walking the `window`
    /// newest rows in the date index.
    Walk { window: u32 },
}

/// One way to read a page: SQL and parameters.
#[derive(Debug, Clone)]
pub struct PageSql {
    pub sql: String,
    pub params: Vec<Value>,
    /// Reads only the newest rows: the page is right when it is full;
    /// otherwise the next way is asked.
    pub partial: bool,
}

impl ApplicationQuery {
    /// The rows a page holds at most.
    pub fn page_limit(&self) -> u32 {
        match self.limit {
            0 => 50,
            n => n.min(MAX_LIMIT),
        }
    }

    /// The WHERE clause and its parameters (shared by the page and the count).
    fn filter(&self, org: &str, words: Words) -> Result<(String, Vec<Value>), CoreError> {
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
                return Err(CoreError::Invalid(ErrorCode::InputFrom));
            }
            sql.push_str(&format!(" AND {} >= ?", self.date_by.column()));
            params.push(Value::Text(from.clone()));
        }
        if let Some(to) = &self.to {
            if !is_date(to) {
                return Err(CoreError::Invalid(ErrorCode::InputTo));
            }
            // Inclusive: everything on that day sorts before the next one.
            sql.push_str(&format!(
                " AND {} < date(?, '+1 day')",
                self.date_by.column()
            ));
            params.push(Value::Text(to.clone()));
        }
        match words {
            Words::FullText => {
                if let Some(terms) = self.q.as_deref().and_then(fts_terms) {
                    sql.push_str(
                        " AND a.rid IN (SELECT rowid FROM applications_fts WHERE applications_fts MATCH ?)",
                    );
                    params.push(Value::Text(terms));
                }
            }
            Words::Walk { window } => {
                // A word of the search form is preceded by a space: ` вып`
                // finds the words that start with «вып», as the full-text
                // prefix query does.
                for word in search_words(self.q.as_deref().unwrap_or_default()) {
                    sql.push_str(" AND instr(a.search_text, ?) > 0");
                    params.push(Value::Text(format!(" {word}")));
                }
                // The window: rows as new as the window-th newest (all of
                // them when there are fewer).
                sql.push_str(
                    " AND a.updated_at >= coalesce((SELECT updated_at FROM applications \
                     WHERE org_id = ? ORDER BY updated_at DESC LIMIT 1 OFFSET ?), '')",
                );
                params.push(Value::Text(org.to_owned()));
                params.push(Value::Integer(i64::from(window.saturating_sub(1))));
            }
        }
        Ok((sql, params))
    }

    /// The ways to read the page, in the order [`Store::application_rows`]
    /// tries them (the benchmark runs the first in the `sqlite3` shell):
    /// with words, newest first, a walk over the newest [`WALK_ROWS`] rows;
    /// always the full-text way.
    pub fn page_plans(&self, org: &str) -> Result<Vec<PageSql>, CoreError> {
        self.page_plans_with(org, WALK_ROWS)
    }

    fn page_plans_with(&self, org: &str, window: u32) -> Result<Vec<PageSql>, CoreError> {
        let has_words = self
            .q
            .as_deref()
            .is_some_and(|q| !search_words(q).is_empty());
        let mut plans = Vec::with_capacity(2);
        if has_words && self.sort == ApplicationSort::Updated && !self.ascending {
            plans.push(self.page_sql(org, Words::Walk { window })?);
        }
        plans.push(self.page_sql(org, Words::FullText)?);
        Ok(plans)
    }

    fn page_sql(&self, org: &str, words: Words) -> Result<PageSql, CoreError> {
        let (filter, mut params) = self.filter(org, words)?;
        let dir = if self.ascending { "ASC" } else { "DESC" };
        // The orders by a value some rows lack (deadline, number) put
        // those rows last in either direction.
        let (column, order) = match self.sort {
            ApplicationSort::Updated => (None, format!("a.updated_at {dir}, a.rid {dir}")),
            ApplicationSort::Created => (None, format!("a.created_at {dir}, a.rid {dir}")),
            ApplicationSort::Deadline | ApplicationSort::Number => {
                let c = if self.sort == ApplicationSort::Deadline {
                    "a.deadline"
                } else {
                    "a.number"
                };
                (Some(c), format!("{c} IS NULL, {c} {dir}, a.rid {dir}"))
            }
        };
        let (limit, offset) = (
            Value::Integer(i64::from(self.page_limit())),
            Value::Integer(i64::from(self.offset)),
        );
        if let Some(column) = column {
            // The rows with a value in its index order, then the rows
            // without one in row id order, each part read from the
            // `(org_id, column)` index with its own LIMIT and OFFSET: one
            // index cannot give "missing last" in both directions, and
            // sorting every row before a deep page took 100–400 ms at 100k.
            // `n` is how many rows have a value, which tells where the
            // page starts in the second part.
            let filter_params = params.clone();
            let mut all = filter_params.clone();
            all.extend(filter_params.iter().cloned());
            all.extend([limit.clone(), offset.clone()]);
            all.extend(filter_params);
            all.extend([limit.clone(), limit, offset.clone(), offset]);
            return Ok(PageSql {
                sql: format!(
                    "WITH n AS MATERIALIZED (\
                     SELECT count(*) AS c FROM applications a WHERE {filter} AND {column} IS NOT NULL) \
                     SELECT a.json FROM applications a WHERE a.rid IN (\
                     SELECT rid FROM (SELECT a.rid FROM applications a \
                     WHERE {filter} AND {column} IS NOT NULL \
                     ORDER BY {column} {dir}, a.rid {dir} LIMIT ? OFFSET ?) \
                     UNION ALL \
                     SELECT rid FROM (SELECT a.rid FROM applications a \
                     WHERE {filter} AND {column} IS NULL ORDER BY a.rid {dir} \
                     LIMIT ? - min(?, max(0, (SELECT c FROM n) - ?)) \
                     OFFSET max(0, ? - (SELECT c FROM n)))) \
                     ORDER BY {order}"
                ),
                params: all,
                partial: false,
            });
        }
        params.extend([limit, offset]);
        // The page's row ids first, then their records: skipping to a deep
        // page then walks index entries and row ids, not records. A walk
        // tests status and words in the date index that carries them; left
        // alone, the planner prefers the plain date index and reads rows.
        let index = match words {
            Words::Walk { .. } => " INDEXED BY applications_org",
            Words::FullText => "",
        };
        Ok(PageSql {
            sql: format!(
                "SELECT a.json FROM applications a WHERE a.rid IN (\
                 SELECT a.rid FROM applications a{index} WHERE {filter} ORDER BY {order} LIMIT ? OFFSET ?) \
                 ORDER BY {order}"
            ),
            params,
            partial: matches!(words, Words::Walk { .. }),
        })
    }

    pub fn count_sql(&self, org: &str) -> Result<(String, Vec<Value>), CoreError> {
        let (filter, params) = self.filter(org, Words::FullText)?;
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
        self.application_rows_with(query.page_plans(org)?, query.page_limit())
    }

    fn application_rows_with(
        &self,
        plans: Vec<PageSql>,
        limit: u32,
    ) -> Result<Vec<Application>, CoreError> {
        let mut rows = Vec::new();
        for plan in plans {
            let mut stmt = self.conn.prepare_cached(&plan.sql)?;
            rows = stmt
                .query_map(rusqlite::params_from_iter(plan.params), |r| {
                    r.get::<_, String>(0)
                })?
                .collect::<Result<Vec<_>, _>>()?;
            if !plan.partial || rows.len() == limit as usize {
                break;
            }
        }
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
            attachments: Vec::new(),
            control_code: None,
            fields: Default::default(),
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

        // The same range on the other dates: the last change, the deadline
        // (rows without one are outside it).
        for (date_by, date_of) in [
            (
                ApplicationDate::Updated,
                (|a: &Application| Some(a.updated_at[..10].to_owned()))
                    as fn(&Application) -> Option<String>,
            ),
            (ApplicationDate::Deadline, |a: &Application| {
                a.deadline.clone()
            }),
            (ApplicationDate::Created, |a: &Application| {
                Some(a.created_at[..10].to_owned())
            }),
        ] {
            for (from, to) in [
                ("2026-11-03", "2026-11-09"),
                ("2026-12-05", "2026-12-05"),
                ("2026-10-01", "2026-10-02"),
            ] {
                let p = page(ApplicationQuery {
                    from: Some(from.into()),
                    to: Some(to.into()),
                    date_by,
                    limit: 500,
                    ..Default::default()
                });
                let mut want: Vec<String> = apps
                    .iter()
                    .filter(|a| date_of(a).is_some_and(|d| (from..=to).contains(&d.as_str())))
                    .map(|a| a.id.clone())
                    .collect();
                want.sort();
                let mut got = ids(&p);
                got.sort();
                assert_eq!(got, want, "{date_by:?} {from}..{to}");
                assert_eq!(p.total as usize, want.len());
            }
        }
        assert!(apps
            .iter()
            .any(|a| a.deadline.as_deref() == Some("2026-12-05")));

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

    #[test]
    fn a_walk_over_the_newest_rows_finds_what_the_full_text_index_finds() {
        use ApplicationStatus as S;
        let words = [
            "Выписка",
            "выписной",
            "Лицензия",
            "ёлочный",
            "Café",
            "реестр",
            "ККТ",
        ];
        let statuses = [
            S::Draft,
            S::Accepted,
            S::InProgress,
            S::NeedsInfo,
            S::Completed,
        ];
        let mut apps = Vec::new();
        for i in 0..900u32 {
            // Rare words among common ones; the same hour for many rows, so
            // the order within equal times (rid) matters too.
            let title = format!(
                "{} {} {}",
                words[i as usize % 7],
                words[(i as usize / 7) % 7],
                if i % 97 == 0 {
                    "редкость"
                } else {
                    "заявление"
                }
            );
            apps.push(app(i, statuses[i as usize % 5], &title));
        }
        let (_dir, store) = store_with(&apps);
        let ids = |rows: Vec<Application>| rows.into_iter().map(|a| a.id).collect::<Vec<_>>();
        let mut walked_full = 0;
        for q in [
            "вып",
            "ВЫПИСКА",
            "елоч",
            "cafe",
            "редк",
            "лиц ккт",
            "2026 00001",
            "нет такого",
        ] {
            for status in [vec![], vec![S::InProgress, S::NeedsInfo]] {
                for (offset, limit) in [(0, 50), (40, 30), (0, 500)] {
                    let query = ApplicationQuery {
                        q: Some(q.into()),
                        status: status.clone(),
                        offset,
                        limit,
                        ..Default::default()
                    };
                    let full_text = query.page_sql("o1", Words::FullText).unwrap();
                    assert!(!full_text.partial);
                    let want = ids(store.application_rows_with(vec![full_text], limit).unwrap());
                    for window in [1, 100, 400, 5_000] {
                        let plans = query.page_plans_with("o1", window).unwrap();
                        assert_eq!(plans.len(), 2, "{q}");
                        // The walk alone: right whenever it fills the page.
                        let walk = plans[0].clone();
                        assert!(walk.partial);
                        let walked = ids(store.application_rows_with(vec![walk], limit).unwrap());
                        if walked.len() == limit as usize {
                            assert_eq!(walked, want, "{q} {status:?} {offset} {window}");
                            walked_full += 1;
                        } else {
                            assert!(walked.len() < want.len() || walked == want);
                        }
                        // Walk, then the index when it falls short.
                        assert_eq!(
                            ids(store.application_rows_with(plans, limit).unwrap()),
                            want,
                            "{q} {status:?} {offset} {window}"
                        );
                    }
                }
            }
        }
        // Both ways were taken.
        assert!(walked_full > 20, "{walked_full}");
        // Other orders have one way only.
        let by_number = ApplicationQuery {
            q: Some("вып".into()),
            sort: ApplicationSort::Number,
            ..Default::default()
        };
        assert_eq!(by_number.page_plans("o1").unwrap().len(), 1);
    }

    #[test]
    fn deadline_and_number_pages_cross_from_rows_with_a_value_to_rows_without() {
        use ApplicationStatus as S;
        // Stored out of id order, so the tie-break (row id) is not the id;
        // deadlines repeat (28 days), drafts have no number.
        let n = 301u32;
        let apps: Vec<Application> = (0..n)
            .map(|k| {
                let i = k * 113 % n;
                let status = [S::Draft, S::Accepted, S::InProgress, S::Completed][i as usize % 4];
                let title = if i % 5 == 0 {
                    "Выписка"
                } else {
                    "Касса"
                };
                app(i, status, title)
            })
            .collect();
        let (_dir, store) = store_with(&apps);
        let mut checked = 0;
        for sort in [ApplicationSort::Deadline, ApplicationSort::Number] {
            for ascending in [false, true] {
                for (status, q) in [
                    (vec![], None),
                    (vec![S::InProgress, S::Draft], None),
                    (vec![], Some("выпис")),
                ] {
                    // The order by hand: rows with a value first, by the
                    // value, then by row id (the position stored).
                    let mut want: Vec<(usize, &Application)> = apps
                        .iter()
                        .enumerate()
                        .filter(|(_, a)| status.is_empty() || status.contains(&a.status))
                        .filter(|(_, a)| q.is_none() || a.title == "Выписка")
                        .collect();
                    let value = |a: &Application| match sort {
                        ApplicationSort::Deadline => a.deadline.clone(),
                        _ => a.number.clone(),
                    };
                    want.sort_by(|(ra, a), (rb, b)| {
                        let (va, vb) = (value(a), value(b));
                        va.is_none().cmp(&vb.is_none()).then_with(|| {
                            let o = va.cmp(&vb).then(ra.cmp(rb));
                            if ascending {
                                o
                            } else {
                                o.reverse()
                            }
                        })
                    });
                    let want: Vec<&str> = want.iter().map(|(_, a)| a.id.as_str()).collect();
                    assert!(want
                        .iter()
                        .any(|id| value(apps.iter().find(|a| a.id == *id).unwrap()).is_none()));
                    for limit in [1, 20, 500] {
                        for offset in (0..want.len() as u32 + 3).step_by(7) {
                            let query = ApplicationQuery {
                                status: status.clone(),
                                q: q.map(str::to_owned),
                                sort,
                                ascending,
                                offset,
                                limit,
                                ..Default::default()
                            };
                            let got: Vec<String> = store
                                .application_rows("o1", &query)
                                .unwrap()
                                .into_iter()
                                .map(|a| a.id)
                                .collect();
                            let from = (offset as usize).min(want.len());
                            let to = (from + limit as usize).min(want.len());
                            assert_eq!(got, want[from..to], "{query:?}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 300, "{checked}");
        // Each part is read in index order, without sorting every row.
        let plan: Vec<String> = {
            let query = ApplicationQuery {
                sort: ApplicationSort::Deadline,
                offset: 200,
                ..Default::default()
            };
            let sql = query.page_plans("o1").unwrap().remove(0);
            let mut stmt = store
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {}", sql.sql))
                .unwrap();
            stmt.query_map(rusqlite::params_from_iter(sql.params), |r| r.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        assert!(
            plan.iter()
                .filter(|d| d.contains("applications_deadline"))
                .count()
                >= 2,
            "{plan:#?}"
        );
        // Only the page's own rows are sorted, at the end.
        assert_eq!(
            plan.iter()
                .filter(|d| d.contains("TEMP B-TREE FOR ORDER BY"))
                .count(),
            1,
            "{plan:#?}"
        );
    }

    #[test]
    fn an_export_holds_every_filtered_row_past_one_page_in_the_list_order() {
        use crate::accounting::AccountingFormat;
        use ApplicationStatus as S;
        let apps: Vec<Application> = (0..1_203u32)
            .map(|i| {
                let status = if i % 3 == 0 {
                    S::Completed
                } else {
                    S::InProgress
                };
                app(i, status, "Регистрация ККТ; кассы \"Юг\"")
            })
            .collect();
        let (_dir, store) = store_with(&apps);
        store
            .put_reference(
                crate::store::SERVICES,
                Some(r#"[{"code":"egrul-extract","title":"Выписка из ЕГРЮЛ","description":"","kind":"extract","category":"","authority":"","online":true,"in_person":false,"deadline_days":5,"cost":0,"required_documents":[]}]"#),
                None,
                "2026-11-01T00:00:00Z",
            )
            .unwrap();
        let query = ApplicationQuery {
            status: vec![S::Completed],
            sort: ApplicationSort::Number,
            ascending: true,
            offset: 7,
            limit: 3,
            ..Default::default()
        };
        let (csv, count) = store
            .applications_file("o1", &query, AccountingFormat::Csv)
            .unwrap();
        assert_eq!(count, 401);
        let csv = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        // The paging of the list does not limit an export: all 401.
        assert_eq!(lines.len(), 1 + 401, "{}", &csv[..300]);
        assert_eq!(
            lines[0],
            "\u{feff}Номер;Статус;Услуга;Название;Создано;Изменено;Срок"
        );
        assert_eq!(
            lines[1],
            "2026-0000000;Завершено;Выписка из ЕГРЮЛ;\"Регистрация ККТ; кассы \"\"Юг\"\"\";01.10.2026;01.11.2026;01.12.2026"
        );
        // Not in the catalog: the code stays.
        assert!(
            lines[2].starts_with("2026-0000003;Завершено;cash-register;"),
            "{}",
            lines[2]
        );
        let numbers: Vec<&str> = lines[1..].iter().map(|l| &l[..12]).collect();
        assert!(numbers.windows(2).all(|w| w[0] < w[1]));

        let (json, _) = store
            .applications_file("o1", &query, AccountingFormat::Json)
            .unwrap();
        let back: Vec<Application> = serde_json::from_slice(&json).unwrap();
        assert_eq!(back.len(), 401);
        assert!(back.iter().all(|a| a.status == S::Completed));

        let (xlsx, _) = store
            .applications_file("o1", &query, AccountingFormat::Xlsx)
            .unwrap();
        assert_eq!(&xlsx[..2], b"PK");
    }
}
