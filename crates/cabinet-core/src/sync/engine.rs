//! The sync engine: push the outbox, pull the change feed, prefetch
//! document contents.
//!
//! It is built for one sync of one organization with its own connection to
//! the cache (WAL: the window's reads on the session's connection never
//! wait for it), a [`Backend`] and a source of [`Tokens`]. It takes the
//! cache per page and per action, and the session only to read or renew
//! the token: nothing is locked while a request or a retry pause is under
//! way. (The store is owned, not shared: a lock could not be held across an
//! `await` here if one tried.)

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use cabinet_api::ChangePage;
use cabinet_api::ErrorCode;

use super::{
    is_local, Action, Meter, Pending, PrefetchPolicy, PrefetchScope, RetryPolicy, SyncPhase,
    SyncReport,
};
use crate::backend::{authorized, Answer, Outgoing, SharedBackend, Tokens};
use crate::blobs::Blobs;
use crate::store::Store;
use crate::CoreError;

/// How many pages the pull reads ahead and applies in one transaction.
/// Each page (2,000 changes) is about a megabyte in memory, held twice while
/// it is applied; 10 pages sync as fast as 20 did (six runs each).
const READ_AHEAD: usize = 10;

/// The network side of the engine: shared by reference while the cache is
/// written, so it holds nothing that is not `Sync`.
struct Net<'s> {
    backend: SharedBackend,
    tokens: &'s dyn Tokens,
    retry: RetryPolicy,
}

impl Net<'_> {
    /// An authenticated call, retrying network errors and 5xx with backoff:
    /// a flaky connection should cost time, not the sync.
    async fn call<T, F, Fut>(&self, f: F) -> Result<T, CoreError>
    where
        F: Fn(SharedBackend, String) -> Fut,
        Fut: Future<Output = Result<T, CoreError>>,
    {
        let mut attempt = 0;
        loop {
            match authorized(&self.backend, self.tokens, &f).await {
                Err(e) if e.is_transient() && attempt + 1 < self.retry.attempts => {
                    let pause = self.retry.delay(attempt);
                    tracing::debug!(error = %e, attempt, ?pause, "transient failure; retrying");
                    tokio::time::sleep(pause).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

/// One sync of one organization.
pub(crate) struct Engine<'s> {
    net: Net<'s>,
    store: Store,
    blobs: Blobs,
    prefetch: PrefetchPolicy,
}

/// What a sync did, and whether it fetched contents (so the session knows
/// the organization's prefetch is done).
pub(crate) struct Outcome {
    pub report: SyncReport,
    pub prefetched: bool,
}

impl<'s> Engine<'s> {
    /// `store` is the engine's own connection to the session's cache.
    pub fn new(
        backend: SharedBackend,
        tokens: &'s dyn Tokens,
        retry: RetryPolicy,
        store: Store,
        blobs: Blobs,
        prefetch: PrefetchPolicy,
    ) -> Self {
        Self {
            net: Net {
                backend,
                tokens,
                retry,
            },
            store,
            blobs,
            prefetch,
        }
    }

    /// The engine's connection, for the next sync.
    pub fn into_store(self) -> Store {
        self.store
    }

    /// Pushes the outbox of `org`, then pulls its change feed, then (when
    /// something arrived or `prefetch_due`) fetches contents. Network
    /// trouble ends the sync as offline, with what was done kept.
    pub async fn run(
        &mut self,
        org: &str,
        prefetch_due: bool,
        progress: &(dyn Fn(super::SyncProgress) + Send + Sync),
    ) -> Result<Outcome, CoreError> {
        let mut report = SyncReport {
            online: true,
            ..SyncReport::default()
        };
        let mut meter = Meter {
            progress,
            state: super::SyncProgress::default(),
        };
        let mut prefetched = false;
        match self.push(org, &mut report, &mut meter).await {
            Ok(()) => match self.pull(org, &mut report, &mut meter).await {
                Ok(()) => {
                    // Contents only when something arrived, or once per
                    // session (a policy may have changed): a sync with no
                    // changes stays one request.
                    if report.pulled > 0 || prefetch_due {
                        match self.fetch_contents(org, &mut report, &mut meter).await {
                            Ok(()) => prefetched = true,
                            Err(e) if e.is_transient() => report.online = false,
                            Err(e) => return Err(e),
                        }
                    }
                }
                Err(e) if e.is_transient() => report.online = false,
                Err(e) => return Err(e),
            },
            Err(e) if e.is_transient() => report.online = false,
            Err(e) => return Err(e),
        }
        report.pending = u32::try_from(self.store.pending(org)?.len()).unwrap_or(u32::MAX);
        meter.phase(SyncPhase::Done, None);
        Ok(Outcome { report, prefetched })
    }

    /// A queued action made ready to send; `None` while it waits for its
    /// draft to reach the portal.
    fn outgoing(&self, p: &Pending) -> Result<Option<Outgoing>, CoreError> {
        let target = p.target.clone().unwrap_or_default();
        let waits = is_local(&target)
            && matches!(
                p.action,
                Action::Write { .. }
                    | Action::Attach { .. }
                    | Action::Detach { .. }
                    | Action::SubmitApplication { .. }
            );
        if waits {
            return Ok(None);
        }
        let missing = |name: &str| CoreError::File {
            code: ErrorCode::FileMissing,
            detail: format!("{name}: the local copy is gone"),
        };
        Ok(Some(match &p.action {
            Action::CreateApplication { body } => Outgoing::CreateApplication(body.clone()),
            Action::SubmitApplication { version } => Outgoing::SubmitApplication {
                application: target,
                version: *version,
            },
            Action::Attach {
                document_kind,
                name,
                sha256,
                ..
            } => match self.blobs.get(sha256) {
                Ok(Some(content)) => Outgoing::Attach {
                    application: target,
                    kind: document_kind.clone(),
                    name: name.clone(),
                    content,
                },
                // Its copy here is gone or damaged: the user attaches it again.
                Ok(None) | Err(_) => return Err(missing(name)),
            },
            Action::Detach { document_id } => Outgoing::Detach {
                application: target,
                document: document_id.clone(),
            },
            Action::SignDocument { signature, .. } => Outgoing::SignDocument {
                document: target,
                signature: signature.clone(),
            },
            Action::EditProfile { version, edit } => Outgoing::EditProfile {
                version: *version,
                edit: edit.clone(),
            },
            Action::Ticket {
                topic,
                message,
                files,
            } => {
                use base64::Engine as _;
                let mut sent = Vec::with_capacity(files.len());
                for f in files {
                    let Ok(Some(content)) = self.blobs.get(&f.sha256) else {
                        return Err(missing(&f.name));
                    };
                    sent.push(cabinet_api::NewTicketFile {
                        name: f.name.clone(),
                        content: base64::engine::general_purpose::STANDARD.encode(content),
                    });
                }
                Outgoing::Ticket(cabinet_api::NewTicket {
                    topic: *topic,
                    message: message.clone(),
                    files: sent,
                })
            }
            Action::Write {
                entity,
                path,
                version,
                body,
                ..
            } => Outgoing::Write {
                entity: entity.clone(),
                path: path.replace("{target}", &target),
                version: *version,
                body: body.clone(),
            },
        }))
    }

    async fn push(
        &mut self,
        org: &str,
        report: &mut SyncReport,
        meter: &mut Meter<'_>,
    ) -> Result<(), CoreError> {
        let total = u32::try_from(self.store.pending(org)?.len()).unwrap_or(u32::MAX);
        meter.phase(SyncPhase::Push, Some(total));
        // Re-read after each action: a create re-points the actions queued
        // on its local draft to the portal's id.
        let mut seen = HashSet::new();
        while let Some(p) = self
            .store
            .pending(org)?
            .into_iter()
            .find(|p| !seen.contains(&p.id))
        {
            seen.insert(p.id.clone());
            let result: Result<Answer, CoreError> = match self.outgoing(&p) {
                Ok(None) => continue,
                Ok(Some(outgoing)) => {
                    let (o, key, outgoing) = (org.to_owned(), p.id.clone(), Arc::new(outgoing));
                    self.net
                        .call(move |b, t| {
                            let (o, key, outgoing) = (o.clone(), key.clone(), outgoing.clone());
                            async move { b.push(&t, &o, &key, &outgoing).await }
                        })
                        .await
                }
                Err(e) => Err(e),
            };
            match result {
                Ok(answer) => {
                    self.store.complete(&p, &answer)?;
                    report.pushed += 1;
                    meter.item(1, 0);
                }
                Err(e) if e.is_transient() => {
                    self.store.mark_attempt(&p.id, &e.to_string())?;
                    return Err(e);
                }
                Err(e) => {
                    let message = e
                        .problem()
                        .map(|pr| pr.detail.clone().unwrap_or_else(|| pr.title.clone()))
                        .unwrap_or_else(|| e.to_string());
                    match e.problem().and_then(|pr| pr.current.as_ref()) {
                        Some(theirs) if e.code() == ErrorCode::ConflictVersion => {
                            self.store.record_conflict(&p, org, theirs, &message)?;
                            report.conflicts += 1;
                        }
                        _ => {
                            self.store.mark_failed(&p.id, e.code(), &message)?;
                            report.failed += 1;
                        }
                    }
                    meter.item(1, 0);
                }
            }
        }
        Ok(())
    }

    async fn pull(
        &mut self,
        org: &str,
        report: &mut SyncReport,
        meter: &mut Meter<'_>,
    ) -> Result<(), CoreError> {
        // Checkpoints wait for the end of the pull: each would copy back
        // the index pages the next transaction rewrites anyway.
        self.store.hold_checkpoints(true)?;
        let pulled = self.pull_pages(org, report, meter).await;
        let released = self.store.hold_checkpoints(false);
        pulled.and(released)
    }

    async fn pull_pages(
        &mut self,
        org: &str,
        report: &mut SyncReport,
        meter: &mut Meter<'_>,
    ) -> Result<(), CoreError> {
        const PAGE: u32 = cabinet_api::sync::MAX_PAGE;
        meter.phase(SyncPhase::Pull, None);
        let (mut cursor, mut generation) = self.store.sync_cursor(org)?;
        let mut resync = cursor.is_none();
        if resync {
            generation = self.store.start_resync(org)?;
        }
        // Pages are read ahead while earlier ones are applied: the portal
        // and the network work while the cache writes, and the pages that
        // are ready go into one transaction (fewer commits rewriting the
        // same index pages). Reading ahead is only a head start: when it
        // fails, the page is fetched again the normal way (retries, token
        // renewal, cursor reset).
        let mut ahead: Option<ReadAhead> = None;
        loop {
            let early = match ahead.as_mut() {
                Some(r) => r.pages.recv().await.and_then(Result::ok),
                None => None,
            };
            let first = match early {
                Some(page) => page,
                None => {
                    ahead = None;
                    let (o, after) = (org.to_owned(), cursor.clone());
                    let fetched = self
                        .net
                        .call(move |b, t| {
                            let (o, after) = (o.clone(), after.clone());
                            async move { b.changes(&t, &o, after.as_deref(), PAGE).await }
                        })
                        .await;
                    match fetched {
                        Ok(p) => p,
                        Err(e) if e.code() == ErrorCode::SyncCursorExpired && cursor.is_some() => {
                            tracing::info!(org, "change cursor expired: full resync");
                            report.resynced = true;
                            resync = true;
                            generation = self.store.start_resync(org)?;
                            cursor = None;
                            meter.phase(SyncPhase::Pull, None);
                            continue;
                        }
                        Err(e) => return Err(e),
                    }
                }
            };
            if first.0.has_more && ahead.is_none() {
                if let Ok(token) = self.net.tokens.token().await {
                    ahead = Some(ReadAhead::start(
                        self.net.backend.clone(),
                        token,
                        org.to_owned(),
                        first.0.next_cursor.clone(),
                        PAGE,
                    ));
                }
            }
            let mut pages = vec![first];
            while pages.last().is_some_and(|(p, _)| p.has_more) && pages.len() < READ_AHEAD {
                let Some(r) = ahead.as_mut() else { break };
                match r.pages.try_recv() {
                    Ok(Ok(page)) => pages.push(page),
                    Ok(Err(_)) => {
                        ahead = None;
                        break;
                    }
                    Err(_) => break,
                }
            }
            let last = &pages[pages.len() - 1].0;
            let (next_cursor, has_more, remaining) =
                (last.next_cursor.clone(), last.has_more, last.remaining);
            let changes: Vec<&[cabinet_api::Change]> =
                pages.iter().map(|(p, _)| p.changes.as_slice()).collect();
            self.store
                .apply_pages(org, &changes, &next_cursor, generation)?;
            let n =
                u32::try_from(changes.iter().map(|c| c.len()).sum::<usize>()).unwrap_or(u32::MAX);
            let size = pages.iter().map(|(_, s)| s).sum();
            report.pulled += n;
            // The total is known once the portal says how much is left, or
            // when this page is the last; set before the event goes out.
            let done = meter.state.items_done.saturating_add(n);
            if !has_more {
                meter.total(done);
            } else if let Some(rest) = remaining {
                meter.total(done.saturating_add(u32::try_from(rest).unwrap_or(u32::MAX)));
            }
            meter.item(n, size);
            cursor = Some(next_cursor);
            if !has_more {
                break;
            }
        }
        if resync {
            self.store.finish_resync(org, generation)?;
        }
        Ok(())
    }

    /// Fetches the contents the prefetch policy asks for, newest first,
    /// until the size cap; contents already here count against the cap, and
    /// those past it are removed (oldest first): the cap is what the
    /// organization's documents take on this computer, also with the ones
    /// the user opened. A content the outbox still has to send stays. A
    /// document the portal no longer has is skipped.
    async fn fetch_contents(
        &mut self,
        org: &str,
        report: &mut SyncReport,
        meter: &mut Meter<'_>,
    ) -> Result<(), CoreError> {
        let policy = self.prefetch;
        let since = match policy.scope {
            PrefetchScope::Recent { days } => Some(
                (chrono::Utc::now() - chrono::Duration::days(i64::from(days)))
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
            PrefetchScope::None | PrefetchScope::All => None,
        };
        // Every document is looked at only when the store is past the cap
        // (then contents outside the scope may have to go); otherwise the
        // ones in scope, which is none or a few days of 100k.
        let documents = if self.blobs.disk_bytes() > policy.cap_bytes {
            self.store.documents_since(org, None)?
        } else if policy.scope == PrefetchScope::None {
            return Ok(());
        } else {
            self.store.documents_since(org, since.as_deref())?
        };
        let mut budget = policy.cap_bytes;
        let mut full = false;
        let mut wanted = Vec::new();
        let mut seen = HashSet::new();
        for d in documents {
            // One content, however many documents share it: counted and
            // kept with the newest.
            if !seen.insert(d.sha256.clone()) {
                continue;
            }
            let here = self.blobs.has(&d.sha256);
            let in_scope = match policy.scope {
                PrefetchScope::None => false,
                PrefetchScope::All => true,
                PrefetchScope::Recent { .. } => {
                    since.as_deref().is_some_and(|s| d.created_at.as_str() >= s)
                }
            };
            if !here && !in_scope {
                continue;
            }
            let size = u64::try_from(d.size).unwrap_or(0);
            if !full && size <= budget {
                budget -= size;
                if !here {
                    wanted.push(d);
                }
                continue;
            }
            full = true;
            if here && !self.store.outbox_mentions(&d.sha256)? {
                // Only space is at stake: a file that will not go is
                // logged, and the sync goes on.
                match self.blobs.remove(&d.sha256) {
                    Ok(()) => report.evicted += 1,
                    Err(e) => tracing::warn!(error = %e, "content past the cap not removed"),
                }
            }
        }
        if wanted.is_empty() {
            return Ok(());
        }
        meter.phase(
            SyncPhase::Files,
            Some(u32::try_from(wanted.len()).unwrap_or(u32::MAX)),
        );
        for d in wanted {
            let (o, id) = (org.to_owned(), d.id.clone());
            let fetched = self
                .net
                .call(move |b, t| {
                    let (o, id) = (o.clone(), id.clone());
                    async move { b.document_content(&t, &o, &id).await }
                })
                .await;
            match fetched {
                Ok(Some(bytes)) => {
                    self.blobs.put(&d.sha256, &bytes)?;
                    report.prefetched += 1;
                    meter.item(1, bytes.len() as u64);
                }
                Ok(None) => meter.item(1, 0),
                Err(e) if e.is_transient() => return Err(e),
                Err(e) => {
                    tracing::info!(document = %d.id, error = %e, "not prefetched");
                    meter.item(1, 0);
                }
            }
        }
        Ok(())
    }
}

/// Change-feed pages fetched one after another in the background, up to
/// `READ_AHEAD` ahead of the pull; stops at the last page or the first
/// error (which the pull then meets with a normal fetch).
struct ReadAhead {
    pages: tokio::sync::mpsc::Receiver<Result<(ChangePage, u64), CoreError>>,
    task: tokio::task::JoinHandle<()>,
}

impl ReadAhead {
    fn start(
        backend: SharedBackend,
        token: String,
        org: String,
        after: String,
        limit: u32,
    ) -> Self {
        let (tx, pages) = tokio::sync::mpsc::channel(READ_AHEAD);
        let task = tokio::spawn(async move {
            let mut after = after;
            loop {
                let page = backend.changes(&token, &org, Some(&after), limit).await;
                let next = match &page {
                    Ok((p, _)) if p.has_more => Some(p.next_cursor.clone()),
                    _ => None,
                };
                if tx.send(page).await.is_err() {
                    return;
                }
                match next {
                    Some(n) => after = n,
                    None => return,
                }
            }
        });
        Self { pages, task }
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        self.task.abort();
    }
}
