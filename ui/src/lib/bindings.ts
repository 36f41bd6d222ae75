// Generated from the Rust types by `cargo xtask bindings`. Do not edit.
import { Channel, invoke } from "@tauri-apps/api/core";

export type About = { app_version: string, tauri_version: string, 
/**
 * The window's engine (WebKitGTK here), as it reports itself; empty
 * when it does not.
 */
webview_version: string, portal_url: string, 
/**
 * The list of accredited CAs signatures are judged by: its version
 * and date (RFC 3339); `None` before the first sync brought it.
 */
trust_list_version: number | null, trust_list_date: string | null, };

export type AccessState = "suspended" | "blocked";

export type AccountingFormat = "csv" | "xlsx" | "json" | "pdf";

export type AccountingPart = "charges" | "payments";

export type ActionArgs = { id: string, };

export type AnswerArgs = { org_id: string, id: string, reply: RequirementReply, };

export type AppInfo = { version: string, portal_url: string, 
/**
 * True when the built-in demo portal runs inside the app.
 */
embedded_demo: boolean, 
/**
 * Demo credentials, only when the portal is a demo portal.
 */
demo: DemoInfo | null, 
/**
 * Seconds without input before the app locks; 0: never.
 */
lock_seconds: number, 
/**
 * How the window looks.
 */
theme: Theme, 
/**
 * The window's language (`language` in the config file).
 */
language: Language, };

export type Application = { id: string, org_id: string, 
/**
 * The portal's registration number, once submitted.
 */
number: string | null, service_code: string, title: string, status: ApplicationStatus, 
/**
 * RFC 3339.
 */
created_at: string, updated_at: string, 
/**
 * ISO date (YYYY-MM-DD) the answer is due, once accepted.
 */
deadline: string | null, version: number, 
/**
 * Documents attached to the draft, in the order they were added.
 * (Left out of the JSON when empty, as on most of a big list.)
 */
attachments?: Array<Attachment>, 
/**
 * Given at submission: a digest of the number and of exactly the
 * files sent, for the applicant to quote and compare (`XXXX-XXXX`).
 */
control_code?: string, 
/**
 * The service's form as filled in (left out when empty).
 */
fields?: { [key in string]?: string }, };

export type ApplicationDate = "created" | "updated" | "deadline";

export type ApplicationPage = { items: Array<Application>, 
/**
 * Rows matching the filters, all pages together.
 */
total: number, };

export type ApplicationPageArgs = { org_id: string, query: ApplicationQuery, 
/**
 * Count the rows the filters match (the first page after a filter
 * change); later pages of the same filters skip the count.
 */
count: boolean, };

export type ApplicationQuery = { status: Array<ApplicationStatus>, service_code: string | null, from: string | null, to: string | null, date_by: ApplicationDate, q: string | null, sort: ApplicationSort, 
/**
 * Ascending instead of the natural newest/latest first.
 */
ascending: boolean, offset: number, limit: number, };

export type ApplicationSort = "updated" | "created" | "deadline" | "number";

export type ApplicationStatus = "draft" | "accepted" | "in_progress" | "needs_info" | "completed" | "rejected";

export type AttachArgs = { org_id: string, 
/**
 * The draft.
 */
id: string, 
/**
 * The service's code for the document, or `other`.
 */
kind: string, name: string, 
/**
 * The file's bytes, base64 (the window reads a file the user chose).
 */
content: string, };

export type Attachment = { document_id: string, kind: string, name: string, 
/**
 * Lower-case hex SHA-256 of the content.
 */
sha256: string, };

export type AttachmentView = { 
/**
 * The document's id once the portal has it; before that the id of the
 * outbox action carrying it. Either removes it.
 */
id: string, 
/**
 * The service's code for the document (`charter`, …) or `other`.
 */
kind: string, name: string, sha256: string, size: number, 
/**
 * Still on this computer only.
 */
pending: boolean, 
/**
 * Signers, accepted by the portal or waiting in the outbox.
 */
signers: Array<string>, 
/**
 * Its removal is queued.
 */
removing: boolean, };

export type AuditEntry = { id: string, created_at: string, user_id: string, user_name: string, 
/**
 * The client's address as the portal saw it.
 */
ip: string | null, 
/**
 * A stable code, e.g. `auth.login`, `application.submit`.
 */
action: string, 
/**
 * What it was about, for people (a title, a number).
 */
detail: string, };

export type AuthorityView = { name: string, short_name: string, inn: string, ogrn: string, registry_number: string, 
/**
 * RFC 3339, when its accreditation ended (if it has).
 */
accreditation_ended: string | null, };

export type BankDetails = { bank_name: string, bik: string, 
/**
 * Расчётный счёт, its key checked against the BIK.
 */
account: string, 
/**
 * Корреспондентский счёт, checked against the BIK.
 */
corr_account: string, };

export type CabinetAccess = { state: AccessState, reason: string, since: string, 
/**
 * The latest unblock request, if any.
 */
unblock: UnblockView | null, };

export type CertStateView = "valid" | "expired" | "not_yet_valid" | "revoked" | "unknown";

export type CertificateArgs = { 
/**
 * SHA-256 fingerprint of the certificate.
 */
sha256: string, };

export type CertificateStatus = "valid" | "expires_soon" | "expired" | "not_yet_valid";

export type CertificateView = { holder: string, title: string | null, organization: string | null, inn: string | null, inn_le: string | null, ogrn: string | null, ogrnip: string | null, snils: string | null, issuer: string, serial: string, 
/**
 * RFC 3339.
 */
not_before: string, 
/**
 * RFC 3339.
 */
not_after: string, 
/**
 * Whole days until `not_after` (negative once expired).
 */
days_left: number, status: CertificateStatus, 
/**
 * E.g. "RSA 2048", "ECDSA P-256".
 */
algorithm: string, can_sign: boolean, 
/**
 * SHA-256 fingerprint, upper-case hex.
 */
sha256: string, };

export type ChangePasswordArgs = { current_password: Secret, new_password: Secret, };

export type Charge = { id: string, 
/**
 * Уникальный идентификатор начисления (20 or 25 digits).
 */
uin: string, kind: ChargeKind, title: string, authority: string, 
/**
 * Kopecks.
 */
amount: number, created_at: string, due_date: string, status: ChargeStatus, application_id: string | null, version: number, };

export type ChargeKind = "duty" | "tax" | "fine" | "fee";

export type ChargeStatus = "unpaid" | "paid";

export type CodeArgs = { ticket: string, code: Secret, };

export type CodeSent = { ticket: string, 
/**
 * Where it went, masked: `+7 495 ***-**-21`.
 */
phone: string, expires_at: string, };

export type Comment = { id: string, application_id: string | null, author: string, text: string, created_at: string, reply_to: string | null, };

export type CommentArgs = { org_id: string, application_id: string, comment: NewComment, };

export type Conflict = { 
/**
 * The outbox action (also the conflict's id).
 */
action_id: string, org_id: string, 
/**
 * `profile`, `application`.
 */
entity: string, entity_id: string, 
/**
 * The version the user's change was made on.
 */
base_version: number, 
/**
 * The user's change (for a profile: the edited fields).
 */
mine: unknown, 
/**
 * The entity as the portal holds it now.
 */
theirs: unknown, created_at: string, };

export type ContainerArgs = { 
/**
 * The container's folder.
 */
path: string, };

export type ContainerListing = { searched: Array<string>, containers: Array<ContainerView>, };

export type ContainerLoginArgs = { 
/**
 * The container's folder.
 */
path: string, 
/**
 * Empty when the container has no PIN.
 */
pin: Secret, };

export type ContainerView = { 
/**
 * The container's folder.
 */
path: string, 
/**
 * The name CSP shows.
 */
name: string, 
/**
 * Whether a PIN protects the key.
 */
pin_set: boolean, 
/**
 * The certificate the container holds; `None`: it holds none.
 */
certificate: CertificateView | null, 
/**
 * E.g. «ГОСТ Р 34.10-2012 (256)».
 */
algorithm: string, };

export type ContainersArgs = { 
/**
 * A folder the user chose to search too (a flash drive, a backup).
 */
folder: string | null, };

export type CourtCase = { 
/**
 * «А40-123456/2026».
 */
number: string, court: string, 
/**
 * «Истец», «Ответчик», «Третье лицо».
 */
role: string, subject: string, 
/**
 * «Рассматривается», «Завершено».
 */
status: string, filed_on: string, };

export type Dashboard = { profile: OrganizationProfile, role: string | null, 
/**
 * The user holds the head's role: head-only steps (deactivation) are
 * offered. The portal still checks the person against the register.
 */
is_head: boolean, 
/**
 * Why the cabinet is suspended or blocked; absent while it is open.
 */
access?: CabinetAccess, online: boolean, 
/**
 * RFC 3339 time the profile was last fetched from the portal.
 */
synced_at: string, };

export type DeactivateArgs = { org_id: string, current_password: Secret, };

export type DemoCertificate = { file_name: string, password: string, holder: string, 
/**
 * Russian, e.g. «Руководитель, действующий».
 */
description: string, 
/**
 * Issued already expired, to show how an expired certificate is refused.
 */
expired: boolean, };

export type DemoCertificateFile = { path: string, 
/**
 * Public by design: the demo PKI's passwords are shown on screen.
 */
password: string, holder: string, description: string, expired: boolean, };

export type DemoInfo = { users: Array<DemoUser>, 
/**
 * The demo PKI's .pfx files, at `GET /v1/demo/certificates/{file_name}`.
 */
certificates: Array<DemoCertificate>, };

export type DemoSms = { phone: string, code: string, sent_at: string, };

export type DemoUser = { login: string, password: string, full_name: string, 
/**
 * Russian, e.g. «Бухгалтер».
 */
role: string, };

export type DetachArgs = { org_id: string, 
/**
 * The draft.
 */
id: string, 
/**
 * The file's id as `draft_files` gives it.
 */
file: string, };

export type DisableTotpArgs = { current_password: Secret, };

export type Document = { id: string, org_id: string, name: string, mime: string, size: number, 
/**
 * Lower-case hex; also the content's `ETag`.
 */
sha256: string, created_at: string, 
/**
 * Detached signatures the portal accepted, oldest first.
 */
signatures: Array<DocumentSignature>, };

export type DocumentArgs = { org_id: string, document_id: string, };

export type DocumentContent = { name: string, mime: string, 
/**
 * Text documents, decoded (invalid UTF-8 replaced).
 */
text: string | null, 
/**
 * Images and PDF, base64 for a `data:` URL.
 */
base64: string | null, };

export type DocumentList = { items: Array<DocumentView>, total: number, };

export type DocumentSignature = { id: string, 
/**
 * The signer's name as the certificate gives it.
 */
signer: string, organization: string | null, 
/**
 * RFC 3339, when the portal accepted it.
 */
added_at: string, 
/**
 * Base64 of the DER CMS.
 */
signature: string, };

export type DocumentView = { document: Document, 
/**
 * Signers of signatures made here and not yet accepted by the portal.
 */
pending_signers: Array<string>, 
/**
 * The content is on this computer (readable offline).
 */
cached: boolean, };

export type DocumentsArgs = { org_id: string, 
/**
 * How many of the newest (100 when not given; at most 10,000).
 */
limit: number | null, };

export type DraftFiles = { 
/**
 * The application as the cache holds it now (under the portal's id
 * once its draft has been delivered).
 */
application: Application, files: Array<AttachmentView>, 
/**
 * The documents the service asks for (empty when it is not in the
 * cached catalog): the slots files go into.
 */
required: Array<RequiredDocument>, 
/**
 * Titles of mandatory documents not attached (empty when the
 * service is not in the cached catalog).
 */
missing: Array<string>, };

export type EditProfileArgs = { org_id: string, edit: ProfileEdit, };

export type Employee = { id: string, full_name: string, email: string, 
/**
 * The role's name.
 */
role: string, status: EmployeeStatus, version: number, };

export type EmployeeStatus = "active" | "invited" | "removed";

export type ErrorCode = "application.missing_documents" | "application.too_many_files" | "application.unsigned" | "auth.challenge_expired" | "auth.challenge_invalid" | "auth.invalid_credentials" | "auth.locked" | "auth.otp_expired" | "auth.otp_invalid" | "auth.refresh_invalid" | "auth.required" | "auth.same_password" | "auth.signature_invalid" | "auth.ticket_invalid" | "auth.token_expired" | "auth.token_invalid" | "auth.totp_invalid" | "auth.totp_not_started" | "auth.weak_password" | "auth.wrong_password" | "cache.error" | "cache.locked" | "cache.not_found" | "cache.unsent_actions" | "cert.expired" | "cert.key_usage" | "cert.malformed" | "cert.not_yet_valid" | "cert.revoked" | "cert.unknown_holder" | "cert.unsupported_algorithm" | "cert.untrusted" | "config.invalid" | "conflict.state" | "conflict.version" | "container.damaged" | "container.key_mismatch" | "container.no_certificate" | "container.not_found" | "container.unsupported" | "container.wrong_pin" | "crl.malformed" | "document.changed" | "employee.grant_exceeds" | "employee.head_role" | "export.failed" | "file.bad_name" | "file.duplicate" | "file.empty" | "file.extension" | "file.missing" | "file.not_regular" | "file.not_sent" | "file.read" | "file.too_large" | "file.type_mismatch" | "file.type_not_allowed" | "file.write" | "form.cadastral" | "form.not_a_date" | "form.not_a_number" | "form.not_an_option" | "form.required" | "form.too_long" | "form.unknown_field" | "internal" | "not_found" | "unknown" | "input.action" | "input.application" | "input.attachment" | "input.certificate" | "input.charge" | "input.code" | "input.conflict" | "input.content" | "input.current_password" | "input.document" | "input.document_ids" | "input.email" | "input.email_taken" | "input.employee" | "input.file_name" | "input.format" | "input.from" | "input.full_name" | "input.id" | "input.inn" | "input.kind" | "input.legal_address" | "input.lock_minutes" | "input.login" | "input.message" | "input.name" | "input.org_id" | "input.password" | "input.period" | "input.phone" | "input.prefetch" | "input.profile" | "input.registration" | "input.requirement" | "input.role" | "input.rows" | "input.sha256" | "input.slot" | "input.text" | "input.title" | "input.to" | "input.version" | "key.malformed" | "keychain.unavailable" | "link.already_member" | "link.not_found" | "network.offline" | "org.blocked" | "org.forbidden" | "org.head_only" | "org.not_blocked" | "org.not_found" | "org.permission_denied" | "org.suspended" | "org.unblock_pending" | "pfx.damaged" | "pfx.key_mismatch" | "pfx.no_key" | "pfx.not_pkcs12" | "pfx.unsupported" | "pfx.wrong_password" | "portal.protocol" | "profile.change_pending" | "rate.limited" | "registration.address_mismatch" | "registration.already_registered" | "registration.code_expired" | "registration.code_invalid" | "registration.confirmation_missing" | "registration.document_duplicate" | "registration.document_foreign" | "registration.missing_documents" | "registration.not_in_registry" | "registration.registry_mismatch" | "registration.signer_not_head" | "request.idempotency_conflict" | "request.idempotency_key_required" | "request.invalid" | "request.invalid_field" | "request.method_not_allowed" | "request.too_large" | "session.locked" | "session.not_logged_in" | "session.relogin_required" | "session.unlock_failed" | "sig.broken" | "sig.cert_expired" | "sig.cert_expired_no_proof" | "sig.cert_not_yet_valid" | "sig.content_changed" | "sig.content_mismatch" | "sig.detached" | "sig.long_term_broken" | "sig.malformed" | "sig.no_certificate" | "sig.revoked" | "sig.too_large" | "sig.untrusted" | "sign.failed" | "sign.unsupported_algorithm" | "support.too_large" | "support.too_many_files" | "sync.cursor_expired" | "token.absent" | "token.failed" | "token.module" | "token.no_key" | "token.pin_locked" | "token.wrong_pin" | "trust.not_checked" | "trust.not_accredited" | "trust.chain_expired" | "revocation.unknown" | "revocation.stale" | "trust.crl_unknown" | "trust.crl_unavailable" | "trust.ocsp_unknown" | "tsp.malformed" | "tsp.refused" | "tsp.mismatch" | "tsp.not_tsa" | "tsp.untrusted" | "tsp.unavailable" | "tsl.malformed" | "inn.digits" | "inn.length" | "inn.checksum" | "ogrn.digits" | "ogrn.length" | "ogrn.checksum" | "ogrnip.digits" | "ogrnip.length" | "ogrnip.checksum" | "kpp.length" | "kpp.format" | "uin.digits" | "uin.length" | "uin.checksum" | "bik.digits" | "bik.length" | "bik.format" | "account.digits" | "account.length" | "account.checksum" | "corr_account.digits" | "corr_account.length" | "corr_account.checksum" | "snils.digits" | "snils.length" | "snils.checksum" | "phone.format" | "phone.length" | "legal_address.length" | "email.format" | "bank_name.format" | "head_name.format" | "head_position.format" | "profile.format";

export type ExportAccountingArgs = { org_id: string, part: AccountingPart, format: AccountingFormat, 
/**
 * ISO days, both included; null is open.
 */
from: string | null, to: string | null, 
/**
 * Where the user chose to save it.
 */
path: string, };

export type ExportApplicationsArgs = { org_id: string, 
/**
 * The list's filters and order; its paging is ignored.
 */
query: ApplicationQuery, format: AccountingFormat, 
/**
 * Where the user chose to save it.
 */
path: string, };

export type ExportAuditArgs = { org_id: string, 
/**
 * `csv` or `xlsx`.
 */
format: AccountingFormat, 
/**
 * ISO days, both included; null is open.
 */
from: string | null, to: string | null, 
/**
 * Where the user chose to save it.
 */
path: string, };

export type FaqEntry = { topic: TicketTopic, question: string, answer: string, };

export type FaqView = { items: Array<FaqEntry>, online: boolean, fetched_at: string, };

export type FieldKind = "text" | "multiline" | "inn" | "ogrn" | "snils" | "date" | "number" | "choice" | "cadastral";

export type FinishRecoveryArgs = { ticket: string, code: Secret, new_password: Secret, };

export type FormField = { 
/**
 * Stable key of the value in an application's `fields`.
 */
key: string, 
/**
 * The field's name for people.
 */
label: string, kind: FieldKind, required: boolean, 
/**
 * The choices of a [`FieldKind::Choice`].
 */
options?: Array<string>, 
/**
 * A line of help under the field.
 */
hint?: string, };

export type InviteArgs = { org_id: string, invite: InviteEmployee, };

export type InviteEmployee = { email: string, full_name: string, role: string, };

export type IpcError = { 
/**
 * Stable machine code; the UI maps it to Russian text.
 */
code: ErrorCode, 
/**
 * English, for logs and bug reports; never shown as is.
 */
message: string, field: string | null, locked_until: string | null, attempts_left: number | null, };

export type Language = "ru" | "en";

export type LegalStatus = { id: string, 
/**
 * The register's words: «Действующее», «В процессе ликвидации», …
 */
registration: string, 
/**
 * ЕГРЮЛ or ЕГРИП.
 */
register: string, registered_on: string, registered_by: string, licences: Array<Licence>, restrictions: Array<Restriction>, court_cases: Array<CourtCase>, 
/**
 * When the registers were last checked.
 */
checked_at: string, };

export type Licence = { number: string, activity: string, issued_by: string, issued_on: string, 
/**
 * None: indefinite.
 */
valid_until: string | null, 
/**
 * «Действующая», «Приостановлена», «Прекращена».
 */
status: string, };

export type LinkArgs = { inn: string, };

export type LocalSettings = { 
/**
 * Minutes without input before the app locks; 0: never.
 */
lock_minutes: number, prefetch: PrefetchPolicy, theme: Theme, language: Language, };

export type LoginArgs = { login: string, password: Secret, };

export type LoginStep = { "step": "done", session: SessionView, } | { "step": "need_code", ticket: string, channel: MfaChannel, destination: string | null, expires_at: string, };

export type LogoutArgs = { forget_cache: boolean, };

export type Me = { user_id: string, full_name: string, email: string, inn: string | null, snils: string | null, };

export type MfaChannel = "totp" | "sms";

export type MyCertificate = { certificate: CertificateView, 
/**
 * "pfx" or "token".
 */
source: string, 
/**
 * The .pfx path, or the token's PKCS#11 module.
 */
location: string, 
/**
 * The key's CKA_ID on a token.
 */
key_id: string | null, };

export type NewApplicationArgs = { org_id: string, service_code: string, title: string, 
/**
 * The service's form, by field key.
 */
fields?: { [key in string]?: string }, };

export type NewComment = { text: string, reply_to: string | null, };

export type NewProfileChange = { bank: BankDetails | null, head_name: string | null, head_position: string | null, 
/**
 * Only a legal entity has a KPP.
 */
kpp?: string, };

export type NewTicketArgs = { org_id: string, topic: TicketTopic, message: string, files: Array<TicketFileArgs>, };

export type Notification = { id: string, kind: NotificationKind, title: string, text: string, created_at: string, read: boolean, 
/**
 * What it is about: an entity kind and id.
 */
entity: string | null, entity_id: string | null, };

export type NotificationChannels = { kind: NotificationKind, desktop: boolean, email: boolean, sms: boolean, };

export type NotificationKind = "status" | "requirement" | "charge" | "payment" | "system";

export type NotificationSettings = { items: Array<NotificationChannels>, };

export type NotificationSettingsArgs = { settings: NotificationSettings, };

export type OrgArgs = { org_id: string, };

export type OrgCodeArgs = { org_id: string, ticket: string, code: Secret, };

export type OrgKind = "legal_entity" | "entrepreneur";

export type OrgStatus = "active" | "reorganizing" | "liquidating" | "liquidated";

export type OrganizationProfile = { id: string, kind: OrgKind, full_name: string, short_name: string, inn: string, ogrn: string, kpp: string | null, status: OrgStatus, 
/**
 * ISO date (YYYY-MM-DD).
 */
registered_on: string, legal_address: string, head_name: string, head_position: string, email: string, phone: string, okved: string, 
/**
 * Optimistic-concurrency version (`If-Match`).
 */
version: number, 
/**
 * The account payments go to, once the organization gave one.
 */
bank?: BankDetails, };

export type OrganizationSummary = { id: string, kind: OrgKind, short_name: string, inn: string, 
/**
 * OGRN for a legal entity, OGRNIP for an entrepreneur.
 */
ogrn: string, kpp: string | null, status: OrgStatus, 
/**
 * The user's role in this organization, in Russian.
 */
role: string, 
/**
 * Why the cabinet is suspended or blocked; absent while it is open.
 */
access?: CabinetAccess, };

export type OrganizationsView = { items: Array<OrganizationSummary>, online: boolean, };

export type OutboxItem = { id: string, org_id: string, kind: OutboxKind, 
/**
 * The entity the action is about (a local or portal id).
 */
target: string | null, state: OutboxState, attempts: number, 
/**
 * For a failed action: the portal's code and message.
 */
error_code: ErrorCode | null, error: string | null, created_at: string, 
/**
 * Human summary, e.g. the application's title.
 */
summary: string, };

export type OutboxKind = "create_application" | "submit_application" | "sign_document" | "attach_file" | "detach_file" | "edit_profile" | "support_ticket" | "profile_change" | "accept_requirement" | "answer_requirement" | "mark_read" | "pay_charge" | "comment" | "invite_employee" | "change_role" | "remove_employee" | "create_role" | "edit_role" | "request_extract";

export type OutboxState = "pending" | "failed";

export type OwnRootArgs = { 
/**
 * The certificate file (PEM or DER).
 */
path: string, };

export type PayArgs = { org_id: string, id: string, method: PaymentMethod, };

export type Payment = { id: string, charge_id: string | null, amount: number, method: PaymentMethod, created_at: string, paid_by: string, receipt_document_id: string, };

export type PaymentMethod = "card" | "sbp";

export type Permission = "applications.edit" | "applications.submit" | "documents.sign" | "requirements.answer" | "payments.pay" | "profile.edit" | "employees.manage" | "audit.view";

export type PfxArgs = { path: string, password: Secret, };

export type PrefetchPolicy = { scope: PrefetchScope, cap_bytes: number, };

export type PrefetchScope = { "scope": "all" } | { "scope": "recent", days: number, } | { "scope": "none" };

export type ProfileChange = { id: string, status: ProfileChangeStatus, bank: BankDetails | null, head_name: string | null, head_position: string | null, 
/**
 * A new KPP (a legal entity registered anew with another tax office).
 */
kpp?: string, created_at: string, 
/**
 * Who asked for it.
 */
author: string, decided_at: string | null, 
/**
 * Why it was rejected.
 */
comment: string | null, };

export type ProfileChangeArgs = { org_id: string, change: NewProfileChange, };

export type ProfileChangeStatus = "pending" | "approved" | "rejected";

export type ProfileEdit = { email: string | null, phone: string | null, legal_address: string | null, };

export type ProtocolArgs = { org_id: string, document_id: string, 
/**
 * Where the PDF goes (the user chose it in the save dialog).
 */
path: string, };

export type QueuedFile = { name: string, sha256: string, size: number, };

export type QueuedTicket = { 
/**
 * The outbox action.
 */
id: string, topic: TicketTopic, message: string, files: Array<QueuedFile>, created_at: string, 
/**
 * The portal refused it: why (the action stays in «Исходящие»).
 */
error: string | null, };

export type RecordArgs = { org_id: string, id: string, };

export type RecordPage<T> = { items: Array<RecordView<T>>, 
/**
 * Rows matching the filters, all pages.
 */
total: number, };

export type RecordQuery = { 
/**
 * Records of this application (history, comments, requirements,
 * charges) or charge (payments).
 */
parent: string | null, 
/**
 * Any of these statuses (requirements, charges).
 */
status: Array<string>, 
/**
 * Created on or after / before this day or instant (ISO).
 */
from: string | null, to: string | null, 
/**
 * Full-text: every word as a prefix, ё = е.
 */
text: string | null, 
/**
 * Notifications not yet read.
 */
unread: boolean, sort: RecordSort, offset: number, 
/**
 * 0: all rows.
 */
limit: number, };

export type RecordSort = "newest" | "oldest" | "due";

export type RecordView<T> = { record: T, 
/**
 * Kinds of the queued actions (`accept_requirement`, …), oldest first.
 */
pending: Array<string>, };

export type RecordsArgs = { org_id: string, query: RecordQuery, };

export type RecoveryArgs = { login: string, };

export type RecoveryTicket = { ticket: string, expires_at: string, };

export type Refusal = { 
/**
 * The form field at fault (`inn`, `legal_address`, …).
 */
field?: string, 
/**
 * The document kind at fault.
 */
document?: string, 
/**
 * Stable reason code (`registration.document_foreign`, …).
 */
code: ErrorCode, 
/**
 * The office's words, for the user.
 */
reason: string, };

export type Registration = { id: string, state: RegistrationState, kind: OrgKind, form: RegistrationForm, 
/**
 * From the registry.
 */
full_name: string, short_name: string, head_name: string, 
/**
 * The document kinds this registration needs
 * ([`required_registration_documents`] of its kind).
 */
required_documents: Array<string>, documents: Array<RegistrationDocument>, refusal?: Refusal, history: Array<RegistrationStep>, 
/**
 * The cabinet, once active.
 */
org_id?: string, version: number, };

export type RegistrationArgs = { id: string, };

export type RegistrationCode = { 
/**
 * The phone, masked.
 */
destination: string, expires_at: string, };

export type RegistrationDocument = { 
/**
 * [`CHARTER`] or [`FOUNDING_DECISION`].
 */
kind: string, name: string, sha256: string, size: number, };

export type RegistrationDocumentArgs = { id: string, 
/**
 * `charter` or `founding_decision`.
 */
kind: string, name: string, 
/**
 * Base64.
 */
content: string, };

export type RegistrationForm = { inn: string, 
/**
 * OGRN of a legal entity, OGRNIP of an entrepreneur.
 */
ogrn: string, 
/**
 * Legal entities only.
 */
kpp: string | null, legal_address: string, email: string, 
/**
 * Where the confirmation code goes.
 */
phone: string, };

export type RegistrationFormArgs = { 
/**
 * Absent: a new registration.
 */
id: string | null, 
/**
 * The version the form was edited at (`id` given).
 */
version: number | null, form: RegistrationForm, };

export type RegistrationState = "draft" | "checking" | "verified" | "active" | "refused";

export type RegistrationStep = { state: RegistrationState, 
/**
 * RFC 3339.
 */
at: string, };

export type RequiredDocument = { 
/**
 * Stable code, e.g. `charter`.
 */
code: string, title: string, 
/**
 * `false`: only when it applies.
 */
mandatory: boolean, };

export type Requirement = { id: string, number: string, title: string, text: string, authority: string, 
/**
 * The application it is about, if any.
 */
application_id: string | null, created_at: string, 
/**
 * ISO date the answer is due.
 */
due_date: string, status: RequirementStatus, answer: RequirementAnswer | null, version: number, };

export type RequirementAnswer = { text: string, 
/**
 * Documents of the organization sent with it.
 */
document_ids: Array<string>, answered_at: string, answered_by: string, };

export type RequirementReply = { text: string, document_ids: Array<string>, };

export type RequirementStatus = "new" | "accepted" | "answered" | "closed";

export type Resolution = "keep_mine" | "take_theirs";

export type ResolveConflictArgs = { action_id: string, resolution: Resolution, };

export type Restriction = { kind: string, imposed_by: string, since: string, detail: string, };

export type RevocationView = { 
/**
 * `crl` | `ocsp`.
 */
source: string, issuer: string, 
/**
 * RFC 3339.
 */
this_update: string, next_update: string | null, revoked_at: string | null, 
/**
 * Whole hours between the data's issue and the check.
 */
age_hours: number, };

export type Role = { 
/**
 * The role's name; built-in roles are Russian words.
 */
id: string, permissions: Array<Permission>, builtin: boolean, 
/**
 * The head's role ([`HEAD_ROLE`]): held by the person the register
 * names, never given or taken (see [`Role::marked`]).
 */
head: boolean, version: number, };

export type RoleChangeArgs = { org_id: string, id: string, role: string, };

export type SaveRole = { name: string, permissions: Array<Permission>, };

export type SaveRoleArgs = { org_id: string, 
/**
 * The custom role to change; none: a new role.
 */
existing: string | null, role: SaveRole, };

export type SaveSettingsArgs = { settings: LocalSettings, };

export type SaveSignedArgs = { 
/**
 * An attached signature.
 */
signature: string, 
/**
 * Where the document it holds goes.
 */
target: string, };

export type Secret = string;

export type Security = { 
/**
 * `None`: the password alone (test and service accounts).
 */
second_factor: MfaChannel | null, };

export type Service = { 
/**
 * The `service_code` of applications for it.
 */
code: string, title: string, description: string, kind: ServiceKind, 
/**
 * A theme for people: «Налоги», «Торговля», …
 */
category: string, authority: string, 
/**
 * Can be applied for through the cabinet.
 */
online: boolean, 
/**
 * Can be applied for in person (МФЦ or the authority's office).
 */
in_person: boolean, 
/**
 * Calendar days the authority has.
 */
deadline_days: number, 
/**
 * State duty in kopecks; 0 is free.
 */
cost: number, required_documents: Array<RequiredDocument>, 
/**
 * What the authority needs to know besides the documents, in order.
 */
form?: Array<FormField>, };

export type ServiceKind = "registration" | "license" | "permit" | "extract" | "reporting";

export type ServicesView = { items: Array<Service>, 
/**
 * Fresh from the portal (`false`: the copy kept offline).
 */
online: boolean, 
/**
 * When the portal last confirmed it.
 */
fetched_at: string, };

export type SessionView = { user: Me, portal_url: string, 
/**
 * False when the portal is unreachable and data comes from the cache.
 */
online: boolean, 
/**
 * The organization opened last, to reopen on start.
 */
last_org_id: string | null, };

export type SettingsView = { local: LocalSettings, 
/**
 * Where they are kept.
 */
config_file: string, 
/**
 * The inactivity lock is fixed for this run (`CABINET_LOCK_SECONDS`).
 */
lock_fixed: boolean, };

export type SignDocumentArgs = { org_id: string, document_id: string, 
/**
 * Which of «my certificates» signs.
 */
sha256: string, 
/**
 * The .pfx password or the token PIN.
 */
secret: Secret, };

export type SignDraftArgs = { org_id: string, id: string, 
/**
 * Which of «my certificates» signs.
 */
sha256: string, 
/**
 * The .pfx password or the token PIN.
 */
secret: Secret, };

export type SignFilesArgs = { 
/**
 * Which of «my certificates» signs.
 */
sha256: string, files: Array<string>, 
/**
 * Add a signature to the existing FILE.sig.
 */
cosign: boolean, 
/**
 * The .pfx password or the token PIN, entered once for the batch.
 */
secret: Secret, };

export type SignProgress = { done: number, total: number, 
/**
 * The file just signed.
 */
file: string, };

export type SignatureCheck = { certificate: CertificateView, algorithm: string, 
/**
 * The CAdES form: `bes` | `t` | `c` | `x_long` | `x_long_type1`.
 */
level: string, intact: boolean, trust: TrustView, authority: AuthorityView | null, 
/**
 * RFC 3339: the moment judged (the proven signing time, else the
 * check's time).
 */
judged_at: string, 
/**
 * RFC 3339: when the check was made.
 */
checked_at: string, certificate_at_signing: CertStateView, certificate_now: CertStateView, revocation: RevocationView | null, time: TimeView, verdict: VerdictView, 
/**
 * Why it is not `valid`, most serious first.
 */
problems: Array<ErrorCode>, };

export type SignedFile = { file: string, signature: string, };

export type StatusEvent = { id: string, application_id: string | null, status: ApplicationStatus, created_at: string, 
/**
 * Who made the step: an employee's name or the authority's.
 */
actor: string, };

export type SubmitRegistrationArgs = { id: string, code: Secret, };

export type SubmitRegistrationSignedArgs = { id: string, 
/**
 * Which of «my certificates» signs: the head's.
 */
sha256: string, 
/**
 * The .pfx password or the token PIN.
 */
secret: Secret, };

export type SupportView = { tickets: Array<Ticket>, queued: Array<QueuedTicket>, };

export type SyncPhase = "push" | "pull" | "files" | "done";

export type SyncProgress = { phase: SyncPhase, items_done: number, items_total: number | null, bytes: number, };

export type SyncReport = { pushed: number, failed: number, pulled: number, 
/**
 * The cursor had expired and everything was fetched again.
 */
resynced: boolean, 
/**
 * Actions still waiting (offline, or a 5xx).
 */
pending: number, 
/**
 * Actions refused because the entity changed meanwhile: see
 * [`Store::conflicts`].
 */
conflicts: number, 
/**
 * Document contents fetched ahead for offline review.
 */
prefetched: number, 
/**
 * Document contents removed to keep within the size cap.
 */
evicted: number, online: boolean, };

export type SyncStatus = { 
/**
 * The last exchange with the portal succeeded.
 */
online: boolean, 
/**
 * RFC 3339 time of the last completed pull, if any.
 */
synced_at: string | null, 
/**
 * Actions waiting to be sent.
 */
pending: number, 
/**
 * Actions the portal refused (to fix or discard), conflicts included.
 */
failed: number, 
/**
 * Actions waiting for the user's choice between two versions.
 */
conflicts: number, };

export type Theme = "system" | "light" | "dark";

export type Ticket = { id: string, 
/**
 * What the user quotes on the phone: `ТП-000123`.
 */
number: string, 
/**
 * The member who wrote it; only they see it.
 */
author_id: string, topic: TicketTopic, message: string, files: Array<TicketFile>, status: TicketStatus, created_at: string, 
/**
 * Support's answer, once there is one.
 */
answer: string | null, answered_at: string | null, };

export type TicketArgs = { ticket: string, };

export type TicketFile = { name: string, sha256: string, size: number, media_type: string, };

export type TicketFileArgs = { name: string, 
/**
 * The file's bytes, base64.
 */
content: string, };

export type TicketStatus = "open" | "answered";

export type TicketTopic = "login" | "signature" | "applications" | "payments" | "employees" | "registration" | "other";

export type TimeView = { 
/**
 * `proven` | `claimed`.
 */
kind: string, at: string | null, tsa: string | null, };

export type TokenArgs = { 
/**
 * A PKCS#11 module path; `None`: the first installed known module.
 */
module: string | null, };

export type TokenCertificateView = { 
/**
 * Slot id as text (PKCS#11 ids do not fit a JS number safely).
 */
slot: string, token_label: string, key_id: string, certificate: CertificateView, };

export type TokenListing = { modules: Array<TokenModuleView>, 
/**
 * The module the certificates are from; `None` when none is installed.
 */
module: string | null, certificates: Array<TokenCertificateView>, };

export type TokenLoginArgs = { module: string, slot: string, key_id: string, pin: Secret, };

export type TokenModuleView = { 
/**
 * E.g. «Рутокен».
 */
name: string, path: string, };

export type TotpCodeArgs = { code: Secret, };

export type TotpSetup = { secret: Secret, uri: string, qr_size: number, qr_dark: Array<boolean>, };

export type TrustStatus = { 
/**
 * False until the first sync brought a list: nothing is judged
 * qualified until then.
 */
present: boolean, version: number | null, 
/**
 * RFC 3339: the list's own date.
 */
date: string | null, 
/**
 * RFC 3339: when it was fetched, and last confirmed current.
 */
fetched_at: string | null, checked_at: string | null, 
/**
 * CAs on the list, and of them accredited now.
 */
authorities: number, accredited_now: number, 
/**
 * Revocation lists kept for offline checks.
 */
crls: number, };

export type TrustView = "qualified" | "trusted_by_you" | "untrusted" | "not_checked";

export type UnblockArgs = { org_id: string, text: string, files: Array<TicketFileArgs>, };

export type UnblockStatus = "pending" | "approved" | "refused";

export type UnblockView = { id: string, status: UnblockStatus, created_at: string, 
/**
 * The portal's answer to a refused one.
 */
comment: string | null, };

export type UnlockArgs = { password: Secret, };

export type VerdictView = "valid" | "indeterminate" | "invalid";

export type VerifyArgs = { file: string, 
/**
 * The signature; `None`: FILE.sig beside the file, or FILE itself
 * when it is a signature file (`.sig`, `.p7s`, `.sgn`) holding its
 * document.
 */
signature: string | null, };

/** The app's commands. A rejected promise carries an `IpcError`. */
export const commands = {
  appInfo: () => invoke<AppInfo>("app_info"),
  startupPainted: () => invoke<null>("startup_painted"),
  resumeSession: () => invoke<SessionView | null>("resume_session"),
  loginPassword: (args: LoginArgs) => invoke<LoginStep>("login_password", { args }),
  submitCode: (args: CodeArgs) => invoke<SessionView>("submit_code", { args }),
  demoSms: (args: TicketArgs) => invoke<DemoSms>("demo_sms", { args }),
  organizations: () => invoke<OrganizationsView>("organizations"),
  openOrganization: (args: OrgArgs) => invoke<Dashboard>("open_organization", { args }),
  logout: (args: LogoutArgs) => invoke<null>("logout", { args }),
  demoCertificates: () => invoke<Array<DemoCertificateFile> | null>("demo_certificates"),
  openPfx: (args: PfxArgs) => invoke<CertificateView>("open_pfx", { args }),
  tokenCertificates: (args: TokenArgs) => invoke<TokenListing>("token_certificates", { args }),
  openToken: (args: TokenLoginArgs) => invoke<CertificateView>("open_token", { args }),
  keyContainers: (args: ContainersArgs) => invoke<ContainerListing>("key_containers", { args }),
  openContainer: (args: ContainerLoginArgs) => invoke<CertificateView>("open_container", { args }),
  addContainerCertificate: (args: ContainerArgs) => invoke<MyCertificate>("add_container_certificate", { args }),
  loginCertificate: () => invoke<SessionView>("login_certificate"),
  forgetKey: () => invoke<null>("forget_key"),
  myCertificates: () => invoke<Array<MyCertificate>>("my_certificates"),
  addPfxCertificate: (args: PfxArgs) => invoke<MyCertificate>("add_pfx_certificate", { args }),
  removeCertificate: (args: CertificateArgs) => invoke<null>("remove_certificate", { args }),
  signFiles: (args: SignFilesArgs, onProgress: (progress: SignProgress) => void) =>
    invoke<Array<SignedFile>>("sign_files", { args, progress: new Channel<SignProgress>(onProgress) }),
  verifyFile: (args: VerifyArgs) => invoke<Array<SignatureCheck>>("verify_file", { args }),
  trustStatus: () => invoke<TrustStatus>("trust_status"),
  ownRoots: () => invoke<Array<CertificateView>>("own_roots"),
  addOwnRoot: (args: OwnRootArgs) => invoke<CertificateView>("add_own_root", { args }),
  removeOwnRoot: (args: CertificateArgs) => invoke<null>("remove_own_root", { args }),
  saveSignedContent: (args: SaveSignedArgs) => invoke<number>("save_signed_content", { args }),
  syncOrg: (args: OrgArgs, onProgress: (progress: SyncProgress) => void) =>
    invoke<SyncReport>("sync_org", { args, progress: new Channel<SyncProgress>(onProgress) }),
  applicationPage: (args: ApplicationPageArgs) => invoke<ApplicationPage>("application_page", { args }),
  settings: () => invoke<SettingsView>("settings"),
  about: () => invoke<About>("about"),
  security: () => invoke<Security>("security"),
  startTotp: () => invoke<TotpSetup>("start_totp"),
  confirmTotp: (args: TotpCodeArgs) => invoke<Security>("confirm_totp", { args }),
  disableTotp: (args: DisableTotpArgs) => invoke<Security>("disable_totp", { args }),
  notificationSettings: () => invoke<NotificationSettings>("notification_settings"),
  saveNotificationSettings: (args: NotificationSettingsArgs) => invoke<NotificationSettings>("save_notification_settings", { args }),
  saveSettings: (args: SaveSettingsArgs) => invoke<SettingsView>("save_settings", { args }),
  changePassword: (args: ChangePasswordArgs) => invoke<null>("change_password", { args }),
  exportApplications: (args: ExportApplicationsArgs) => invoke<number>("export_applications", { args }),
  outbox: (args: OrgArgs) => invoke<Array<OutboxItem>>("outbox", { args }),
  retryAction: (args: ActionArgs) => invoke<null>("retry_action", { args }),
  discardAction: (args: ActionArgs) => invoke<null>("discard_action", { args }),
  createApplication: (args: NewApplicationArgs) => invoke<Application>("create_application", { args }),
  submitApplication: (args: ActionArgs) => invoke<null>("submit_application", { args }),
  documents: (args: DocumentsArgs) => invoke<DocumentList>("documents", { args }),
  signDocument: (args: SignDocumentArgs) => invoke<null>("sign_document", { args }),
  verifyDocument: (args: DocumentArgs) => invoke<Array<SignatureCheck>>("verify_document", { args }),
  saveVerificationProtocol: (args: ProtocolArgs) => invoke<number>("save_verification_protocol", { args }),
  syncStatus: (args: OrgArgs) => invoke<SyncStatus>("sync_status", { args }),
  editProfile: (args: EditProfileArgs) => invoke<OrganizationProfile>("edit_profile", { args }),
  conflicts: (args: OrgArgs) => invoke<Array<Conflict>>("conflicts", { args }),
  resolveConflict: (args: ResolveConflictArgs) => invoke<null>("resolve_conflict", { args }),
  lockSession: () => invoke<null>("lock_session"),
  unlockSession: (args: UnlockArgs) => invoke<null>("unlock_session", { args }),
  requirements: (args: RecordsArgs) => invoke<RecordPage<Requirement>>("requirements", { args }),
  notifications: (args: RecordsArgs) => invoke<RecordPage<Notification>>("notifications", { args }),
  permissions: (args: OrgArgs) => invoke<Array<Permission>>("permissions", { args }),
  acceptRequirement: (args: RecordArgs) => invoke<null>("accept_requirement", { args }),
  answerRequirement: (args: AnswerArgs) => invoke<null>("answer_requirement", { args }),
  markRead: (args: RecordArgs) => invoke<null>("mark_read", { args }),
  charges: (args: RecordsArgs) => invoke<RecordPage<Charge>>("charges", { args }),
  payments: (args: RecordsArgs) => invoke<RecordPage<Payment>>("payments", { args }),
  payCharge: (args: PayArgs) => invoke<null>("pay_charge", { args }),
  documentContent: (args: DocumentArgs) => invoke<DocumentContent>("document_content", { args }),
  employees: (args: RecordsArgs) => invoke<RecordPage<Employee>>("employees", { args }),
  roles: (args: RecordsArgs) => invoke<RecordPage<Role>>("roles", { args }),
  auditLog: (args: RecordsArgs) => invoke<RecordPage<AuditEntry>>("audit_log", { args }),
  inviteEmployee: (args: InviteArgs) => invoke<null>("invite_employee", { args }),
  changeEmployeeRole: (args: RoleChangeArgs) => invoke<null>("change_employee_role", { args }),
  removeEmployee: (args: RecordArgs) => invoke<null>("remove_employee", { args }),
  saveRole: (args: SaveRoleArgs) => invoke<null>("save_role", { args }),
  exportAccounting: (args: ExportAccountingArgs) => invoke<number>("export_accounting", { args }),
  services: () => invoke<ServicesView>("services"),
  faq: () => invoke<FaqView>("faq"),
  support: (args: OrgArgs) => invoke<SupportView>("support", { args }),
  fileTicket: (args: NewTicketArgs) => invoke<string>("file_ticket", { args }),
  linkOrganization: (args: LinkArgs) => invoke<CodeSent>("link_organization", { args }),
  confirmLink: (args: CodeArgs) => invoke<OrganizationSummary>("confirm_link", { args }),
  startDeactivation: (args: DeactivateArgs) => invoke<CodeSent>("start_deactivation", { args }),
  confirmDeactivation: (args: OrgCodeArgs) => invoke<null>("confirm_deactivation", { args }),
  requestUnblock: (args: UnblockArgs) => invoke<UnblockView>("request_unblock", { args }),
  profileChanges: (args: RecordsArgs) => invoke<RecordPage<ProfileChange>>("profile_changes", { args }),
  requestProfileChange: (args: ProfileChangeArgs) => invoke<null>("request_profile_change", { args }),
  applicationHistory: (args: RecordsArgs) => invoke<RecordPage<StatusEvent>>("application_history", { args }),
  comments: (args: RecordsArgs) => invoke<RecordPage<Comment>>("comments", { args }),
  addComment: (args: CommentArgs) => invoke<null>("add_comment", { args }),
  legalStatus: (args: RecordsArgs) => invoke<RecordPage<LegalStatus>>("legal_status", { args }),
  requestExtract: (args: OrgArgs) => invoke<null>("request_extract", { args }),
  draftFiles: (args: RecordArgs) => invoke<DraftFiles>("draft_files", { args }),
  attachFile: (args: AttachArgs) => invoke<DraftFiles>("attach_file", { args }),
  detachFile: (args: DetachArgs) => invoke<DraftFiles>("detach_file", { args }),
  signDraft: (args: SignDraftArgs) => invoke<number>("sign_draft", { args }),
  exportAudit: (args: ExportAuditArgs) => invoke<number>("export_audit", { args }),
  registrations: () => invoke<Array<Registration>>("registrations"),
  saveRegistration: (args: RegistrationFormArgs) => invoke<Registration>("save_registration", { args }),
  uploadRegistrationDocument: (args: RegistrationDocumentArgs) => invoke<Registration>("upload_registration_document", { args }),
  sendRegistrationCode: (args: RegistrationArgs) => invoke<RegistrationCode>("send_registration_code", { args }),
  submitRegistration: (args: SubmitRegistrationArgs) => invoke<Registration>("submit_registration", { args }),
  submitRegistrationSigned: (args: SubmitRegistrationSignedArgs) => invoke<Registration>("submit_registration_signed", { args }),
  startRecovery: (args: RecoveryArgs) => invoke<RecoveryTicket>("start_recovery", { args }),
  finishRecovery: (args: FinishRecoveryArgs) => invoke<null>("finish_recovery", { args }),
};
