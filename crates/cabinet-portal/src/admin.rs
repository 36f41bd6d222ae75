//! Administrative operations outside the HTTP API, for tests, the CLI and
//! the demo: seeding data, reading what the portal sent, moving the clock.

use crate::error::PortalError;
use crate::registry::RegistryEntry;
use crate::{
    applications, codes, db, documents, feed, gov, lifecycle, orgs, records, registration,
    registry, retention, staff, support, AppState, NewUser,
};

/// Administrative operations outside the HTTP API.
#[derive(Clone)]
pub struct Admin {
    pub(crate) state: AppState,
}

/// An e-mail or SMS a notification sent (see [`Admin::sent_messages`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// `email` or `sms`.
    pub channel: String,
    pub address: String,
    pub kind: String,
    pub title: String,
}

impl Admin {
    pub async fn create_user(&self, user: NewUser) -> Result<String, PortalError> {
        self.state
            .with_db(move |conn, _| staff::insert_user(conn, &user))
            .await
    }

    /// Adds `user_id` to `org_id` with a role (Russian name).
    pub async fn add_member(
        &self,
        org_id: &str,
        user_id: &str,
        role: &str,
    ) -> Result<(), PortalError> {
        let (o, u, r) = (org_id.to_owned(), user_id.to_owned(), role.to_owned());
        self.state
            .with_db(move |conn, _| staff::insert_membership(conn, &o, &u, &r))
            .await
    }

    /// Compacts an organization's change feed: cursors issued before get
    /// `410 sync.cursor_expired`.
    pub async fn compact_feed(&self, org_id: &str) -> Result<(), PortalError> {
        let org = org_id.to_owned();
        self.state
            .with_db(move |conn, _| feed::compact(conn, &org))
            .await
    }

    /// One working step of the government body for `org`: up to `n`
    /// applications move one status further.
    pub async fn gov_step(
        &self,
        org_id: &str,
        n: usize,
    ) -> Result<Vec<cabinet_api::Application>, PortalError> {
        let org = org_id.to_owned();
        self.state
            .with_db(move |conn, cfg| {
                gov::step(
                    conn,
                    &org,
                    n,
                    cfg.clock.now(),
                    &mut gov::Dice::from_entropy(),
                )
            })
            .await
    }

    /// The government body issues a requirement to `org`, about
    /// `application_id` if given.
    pub async fn issue_requirement(
        &self,
        org_id: &str,
        application_id: Option<&str>,
    ) -> Result<cabinet_api::Requirement, PortalError> {
        let (org, app) = (org_id.to_owned(), application_id.map(str::to_owned));
        self.state
            .with_db(move |conn, cfg| {
                let tx = conn.transaction()?;
                let app = app
                    .map(|id| applications::load(&tx, &org, &id))
                    .transpose()?;
                let r = gov::issue_requirement(
                    &tx,
                    &org,
                    app.as_ref(),
                    cfg.clock.now(),
                    &mut gov::Dice::from_entropy(),
                )?;
                tx.commit()?;
                Ok(r)
            })
            .await
    }

    /// The government body issues a charge to `org` (a tax or a fine).
    pub async fn issue_charge(&self, org_id: &str) -> Result<cabinet_api::Charge, PortalError> {
        let org = org_id.to_owned();
        self.state
            .with_db(move |conn, cfg| {
                let tx = conn.transaction()?;
                let c = gov::issue_charge(
                    &tx,
                    &org,
                    None,
                    cfg.clock.now(),
                    &mut gov::Dice::from_entropy(),
                )?;
                tx.commit()?;
                Ok(c)
            })
            .await
    }

    /// Every record of kind `T` of `org` as the portal holds it, by id.
    pub async fn records<T: cabinet_api::Record + Send + 'static>(
        &self,
        org_id: &str,
    ) -> Result<Vec<T>, PortalError> {
        let org = org_id.to_owned();
        self.state
            .with_db(move |conn, _| records::list::<T>(conn, &org, None))
            .await
    }

    /// Support answers ticket `id` of `org`.
    pub async fn answer_ticket(
        &self,
        org_id: &str,
        id: &str,
        text: &str,
    ) -> Result<cabinet_api::Ticket, PortalError> {
        let (org, id, text) = (org_id.to_owned(), id.to_owned(), text.to_owned());
        self.state
            .with_db(move |conn, cfg| {
                let tx = conn.transaction()?;
                let t = support::answer(&tx, &org, &id, &text, cfg.clock.now())?;
                tx.commit()?;
                Ok(t)
            })
            .await
    }

    /// The portal suspends or blocks the cabinet of `org` with a reason
    /// (`Some`), or opens it again (`None`).
    pub async fn set_access(
        &self,
        org_id: &str,
        state: Option<(cabinet_api::AccessState, &str)>,
    ) -> Result<(), PortalError> {
        let org = org_id.to_owned();
        let state = state.map(|(s, r)| (s, r.to_owned()));
        self.state
            .with_db(move |conn, cfg| {
                let state = state.as_ref().map(|(s, r)| (*s, r.as_str()));
                lifecycle::set_access(conn, &org, state, cfg.clock.now())
            })
            .await
    }

    /// The portal approves or refuses the pending unblock request of `org`.
    pub async fn decide_unblock(
        &self,
        org_id: &str,
        approve: bool,
        comment: Option<&str>,
    ) -> Result<cabinet_api::UnblockView, PortalError> {
        let (org, comment) = (org_id.to_owned(), comment.map(str::to_owned));
        self.state
            .with_db(move |conn, cfg| {
                lifecycle::decide_unblock(conn, &org, approve, comment.as_deref(), cfg.clock.now())
            })
            .await
    }

    /// The portal's operator approves or rejects the pending change of
    /// requisites of `org`.
    pub async fn decide_profile_change(
        &self,
        org_id: &str,
        approve: bool,
        comment: Option<&str>,
    ) -> Result<cabinet_api::ProfileChange, PortalError> {
        let (org, comment) = (org_id.to_owned(), comment.map(str::to_owned));
        self.state
            .with_db(move |conn, cfg| {
                orgs::decide_change(conn, &org, approve, comment.as_deref(), cfg.clock.now())
            })
            .await
    }

    /// Removes what the retention rules no longer keep, now.
    pub async fn purge(&self) -> Result<retention::Purged, PortalError> {
        self.state
            .with_db(|conn, cfg| retention::purge(conn, &cfg.retention, cfg.clock.now()))
            .await
    }

    /// The code an SMS with the confirmation `ticket` carried.
    pub async fn sent_code(&self, ticket: &str) -> Result<String, PortalError> {
        self.state
            .config
            .sms
            .last(&codes::hash_token(ticket))
            .map(|s| s.code)
            .ok_or(PortalError::NotFound)
    }

    /// The files of the latest unblock request of `org` and its text.
    pub async fn unblock_request(
        &self,
        org_id: &str,
    ) -> Result<(String, Vec<cabinet_api::TicketFile>), PortalError> {
        let org = org_id.to_owned();
        self.state
            .with_db(move |conn, _| {
                let (text, files): (String, String) = conn.query_row(
                    "SELECT text, files FROM unblock_requests WHERE org_id = ?1
                     ORDER BY created_at DESC, rowid DESC LIMIT 1",
                    [org],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                let files = serde_json::from_str(&files)
                    .map_err(|e| PortalError::Internal(format!("unblock files: {e}")))?;
                Ok((text, files))
            })
            .await
    }

    /// A stored content by its SHA-256 (documents, ticket files).
    pub async fn content(&self, sha256: &str) -> Result<Vec<u8>, PortalError> {
        let sha = sha256.to_owned();
        self.state
            .with_db(move |conn, _| documents::blob(conn, &sha))
            .await
    }

    /// Adds `n` generated applications to `org` (benchmarks, crash tests).
    pub async fn seed_applications(
        &self,
        org_id: &str,
        n: usize,
        seed: u64,
    ) -> Result<(), PortalError> {
        self.seed(org_id, n, seed, gov::seed_applications).await
    }

    /// Adds `n` generated small documents to `org`.
    pub async fn seed_documents(
        &self,
        org_id: &str,
        n: usize,
        seed: u64,
    ) -> Result<(), PortalError> {
        self.seed(org_id, n, seed, gov::seed_documents).await
    }

    async fn seed(
        &self,
        org_id: &str,
        n: usize,
        seed: u64,
        generate: gov::Seeder,
    ) -> Result<(), PortalError> {
        let org = org_id.to_owned();
        self.state
            .with_db(move |conn, cfg| {
                generate(conn, &org, n, cfg.clock.now(), &mut gov::Dice::new(seed))
            })
            .await
    }

    /// The e-mails and SMS notifications of `org` sent, oldest first.
    pub async fn sent_messages(&self, org_id: &str) -> Result<Vec<SentMessage>, PortalError> {
        let org = org_id.to_owned();
        self.state
            .with_db(move |conn, _| {
                let rows = conn
                    .prepare(
                        "SELECT channel, address, kind, title FROM message_outbox
                         WHERE org_id = ?1 ORDER BY id",
                    )?
                    .query_map([org], |r| {
                        Ok(SentMessage {
                            channel: r.get(0)?,
                            address: r.get(1)?,
                            kind: r.get(2)?,
                            title: r.get(3)?,
                        })
                    })?
                    .collect::<Result<_, _>>()?;
                Ok(rows)
            })
            .await
    }

    /// Every application of `org` as the portal holds it, by id.
    pub async fn applications(
        &self,
        org_id: &str,
    ) -> Result<Vec<cabinet_api::Application>, PortalError> {
        let org = org_id.to_owned();
        self.state
            .with_db(move |conn, _| gov::applications(conn, &org))
            .await
    }

    /// Every document of `org` with its signatures, oldest first.
    pub async fn documents(&self, org_id: &str) -> Result<Vec<cabinet_api::Document>, PortalError> {
        let org = org_id.to_owned();
        self.state
            .with_db(move |conn, _| {
                let ids: Vec<String> = conn
                    .prepare("SELECT id FROM documents WHERE org_id = ?1 ORDER BY created_at, id")?
                    .query_map([&org], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                ids.iter()
                    .map(|id| documents::load(conn, &org, id))
                    .collect()
            })
            .await
    }

    /// One working step of the registry office: registrations being
    /// checked are verified or refused, verified ones become organizations.
    pub async fn review_registrations(
        &self,
    ) -> Result<Vec<cabinet_api::Registration>, PortalError> {
        self.state
            .with_db(move |conn, cfg| registration::review(conn, cfg.clock.now()))
            .await
    }

    /// Companies of the register without a cabinet, oldest first.
    pub async fn unregistered_companies(
        &self,
        limit: usize,
    ) -> Result<Vec<RegistryEntry>, PortalError> {
        self.state
            .with_db(move |conn, _| registry::unregistered(conn, limit))
            .await
    }

    /// The last confirmation code sent for registration `id` (the "phone").
    pub async fn registration_code(&self, id: &str) -> Result<String, PortalError> {
        let ticket = codes::hash_token(&registration::code_ticket(id));
        self.state
            .config
            .sms
            .last(&ticket)
            .map(|s| s.code)
            .ok_or(PortalError::NotFound)
    }

    /// Organization id by INN.
    pub async fn org_id_by_inn(&self, inn: &str) -> Result<String, PortalError> {
        let inn = inn.to_owned();
        self.state
            .with_db(move |conn, _| db::org_id_by_inn(conn, &inn))
            .await
    }
}
