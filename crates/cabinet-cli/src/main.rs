//! `cabinet`: the OrgCabinet core from a terminal, for scripts and cron.
//!
//! Exit codes: 0 success, 1 an error (an invalid requisite included) (printed as `ошибка [code]: …`),
//! 2 bad usage, 3 not logged in.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use cabinet_api::Secret;
use cabinet_core::secrets::Keychain;
use cabinet_core::view::LoginStep;
use cabinet_core::{Cabinet, CabinetConfig, CoreError};
use clap::{Parser, Subcommand};

mod shown;
mod signing;

use shown::shown;

#[derive(Parser)]
#[command(name = "cabinet", version, about = "OrgCabinet from the terminal")]
struct Cli {
    /// Portal base URL (else CABINET_PORTAL_URL, else portal_url in the config file).
    #[arg(long, global = true, value_name = "URL")]
    portal: Option<String>,
    /// Data directory (else CABINET_DATA_DIR, else the XDG data dir).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Portal(PortalCommand),
    #[command(flatten)]
    Local(LocalCommand),
}

/// How much a signature carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Level {
    /// CAdES-BES: the signature and its signed attributes.
    Bes,
    /// CAdES-T: with a time stamp of the signature value.
    T,
    /// CAdES-X Long Type 1: time-stamped, with the CA chain and the CRL
    /// inside and a time stamp over their references — it verifies
    /// offline after the certificate expires.
    Xl1,
}

/// `cabinet trust update | show`.
#[derive(Subcommand)]
enum TrustCommand {
    /// Fetch the list when it changed and the kept CRLs past their next
    /// update.
    Update {
        /// Also fetch every CRL the list names (for checks offline).
        #[arg(long)]
        crls: bool,
        #[arg(long)]
        json: bool,
    },
    /// What is kept: the list's version and date, when it was fetched.
    Show {
        #[arg(long)]
        json: bool,
    },
}

/// Commands that talk to the portal (or read its offline cache).
#[derive(Subcommand)]
enum PortalCommand {
    /// Log in with a login (INN, OGRN or e-mail), a password and a code; or
    /// with a signature certificate (--pfx, --container or --pkcs11).
    Login {
        #[arg(long, conflicts_with_all = ["pfx", "pkcs11", "container"])]
        login: Option<String>,
        #[command(flatten)]
        key: signing::KeySource,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// On a demo portal, take the SMS code from the portal's demo phone.
        #[arg(long)]
        demo_code: bool,
    },
    /// Who is logged in, and whether the portal is reachable.
    Whoami,
    /// The organizations of the logged-in user.
    Orgs {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// The portal's list of accredited CAs that signatures are judged by:
    /// `update` fetches it (when it changed) and refreshes kept CRLs past
    /// their next update; `show` tells what is kept (offline too).
    #[command(subcommand)]
    Trust(TrustCommand),
    /// Sync an organization's cache with the portal: send the outbox, then
    /// fetch the changes.
    Sync {
        /// Organization id or INN (default: the one opened last).
        #[arg(long)]
        org: Option<String>,
    },
    /// Applications of an organization, from the offline cache.
    #[command(subcommand)]
    Applications(ApplicationsCommand),
    /// Export from the offline cache.
    Export {
        #[arg(value_enum)]
        what: ExportWhat,
        /// csv (the default for tables), xlsx, json (the default, and the
        /// only format, for accounting).
        #[arg(long, value_enum)]
        format: Option<ExportFormat>,
        #[arg(long)]
        org: Option<String>,
        /// Rows from this day (YYYY-MM-DD): charges by their date, payments
        /// by when paid, applications by when created, audit by when done.
        #[arg(long)]
        from: Option<String>,
        /// … to this day, included.
        #[arg(long)]
        to: Option<String>,
        /// Write here instead of standard output (needed for xlsx on a
        /// terminal).
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
    /// Actions waiting to reach the portal; retry or discard a failed one.
    Outbox {
        #[arg(long)]
        org: Option<String>,
        #[arg(long, value_name = "ID", conflicts_with = "discard")]
        retry: Option<String>,
        #[arg(long, value_name = "ID")]
        discard: Option<String>,
    },
    /// Check the offline cache of the last session (SQLite integrity check);
    /// works without the network. Exit 0 when sound.
    CheckCache,
    /// Log out; with --forget-cache also delete this profile's offline cache
    /// (of this data directory only), refused while it holds unsent actions
    /// unless --discard-outbox.
    Logout {
        #[arg(long)]
        forget_cache: bool,
        /// With --forget-cache: delete the cache even with actions not sent.
        #[arg(long, requires = "forget_cache")]
        discard_outbox: bool,
    },
}

#[derive(Subcommand)]
enum ApplicationsCommand {
    /// List, filtered; newest change first.
    List {
        #[arg(long)]
        org: Option<String>,
        /// draft, accepted, in_progress, needs_info, completed, rejected.
        #[arg(long)]
        status: Option<String>,
        /// On or after this day (YYYY-MM-DD), by the date --date-by names.
        #[arg(long)]
        from: Option<String>,
        /// On or before this day (YYYY-MM-DD).
        #[arg(long)]
        to: Option<String>,
        /// The date --from and --to bound: created (default), updated,
        /// deadline.
        #[arg(long, default_value = "created")]
        date_by: String,
        /// Words of the title, number or service, as prefixes (any case, ё = е).
        #[arg(long)]
        q: Option<String>,
        /// Service code, e.g. egrul-extract.
        #[arg(long)]
        service: Option<String>,
        /// Order: updated (default), created, deadline, number.
        #[arg(long, default_value = "updated")]
        sort: String,
        /// Oldest / smallest first.
        #[arg(long)]
        asc: bool,
        /// At most this many rows (default: all).
        #[arg(long)]
        limit: Option<u32>,
        #[arg(long, default_value_t = 0)]
        offset: u32,
        #[arg(long)]
        json: bool,
    },
    /// A new draft (works offline; sent at the next sync).
    New {
        #[arg(long)]
        org: Option<String>,
        #[arg(long)]
        service: String,
        #[arg(long)]
        title: String,
        /// A field of the service's form, `KEY=VALUE` (repeatable).
        #[arg(long = "field", value_name = "KEY=VALUE")]
        fields: Vec<String>,
    },
    /// Queue the submission of a draft.
    Submit { id: String },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportWhat {
    Applications,
    /// Charges issued in the period (--from/--to).
    Charges,
    /// Payments made in the period.
    Payments,
    /// Charges and payments of the period as one JSON document for
    /// 1C-style import.
    Accounting,
    /// The audit log of the period (roles that may see it).
    Audit,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    Csv,
    Xlsx,
    Json,
    /// A printable report (charges and payments only).
    Pdf,
}

/// Commands that work on local files only, with no portal.
#[derive(Subcommand)]
enum LocalCommand {
    /// Sign files with a .pfx, a CryptoPro container or a token: CAdES-BES `FILE.sig` beside each
    /// file (or in --out), detached unless --attached. One password or PIN
    /// entry for the whole batch, from CABINET_PFX_PASSWORD / CABINET_PIN
    /// or a prompt, never from arguments. A certificate that is expired,
    /// not yet valid or not for signatures is refused (exit 1).
    Sign {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        key: signing::KeySource,
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Add a signature to an existing FILE.sig instead of replacing it.
        #[arg(long, conflicts_with_all = ["raw", "attached"])]
        cosign: bool,
        /// Write an attached signature: FILE.sig holds the file itself.
        #[arg(long, conflicts_with = "raw")]
        attached: bool,
        /// GOST keys only: write the raw signature value instead of CMS,
        /// reversed as ESIA's client_secret expects (64 or 128 bytes), to
        /// FILE.raw, and print it in base64url.
        #[arg(long)]
        raw: bool,
        /// `bes` (the default); `t`: CAdES-T, each signature with an RFC
        /// 3161 time stamp of its value, so its time is proven; `xl1`:
        /// CAdES-X Long Type 1, also carrying the CA chain and CRL of the
        /// trust list (--tsl, else the one `cabinet trust update --crls`
        /// kept) and a time stamp over them, so it verifies offline for
        /// years.
        #[arg(long, value_enum, default_value = "bes", conflicts_with = "raw")]
        level: Level,
        /// The time-stamping service (RFC 3161 over HTTP) for `--level t`
        /// and `xl1`; by default the configured portal's.
        #[arg(long, value_name = "URL")]
        tsp: Option<String>,
        /// `--level xl1`: the list of accredited CAs (XML) to take the
        /// chain from, instead of the kept one.
        #[arg(long, value_name = "FILE.xml")]
        tsl: Option<PathBuf>,
        /// `--level xl1`: a CRL (PEM or DER) to carry; repeatable. The kept
        /// CRLs are used too.
        #[arg(long, value_name = "CRL")]
        crl: Vec<PathBuf>,
    },
    /// Verify a signature (DER or BER, or base64): `verify FILE SIG` for a
    /// detached one, or an attached one that must hold FILE; `verify SIG`
    /// for an attached one alone. Each signer is judged: intact, issued by
    /// an accredited CA (the trust list: --tsl, else the one `cabinet trust
    /// update` saved) or by one you trust (--trust), not revoked (--crl and
    /// the saved CRLs) at the moment judged. Exit 0 only when every signer
    /// is valid; 4 when a signature is intact but its validity is not
    /// established; 1 when it is invalid or cannot be read.
    Verify {
        /// [FILE] SIG
        #[arg(num_args = 1..=2, required = true, value_name = "FILE")]
        paths: Vec<PathBuf>,
        /// Write the document an attached signature holds to this file
        /// (only when no FILE is given).
        #[arg(long, value_name = "FILE")]
        extract: Option<PathBuf>,
        /// A certificate you trust on purpose (PEM or DER); repeatable.
        #[arg(long, value_name = "CA")]
        trust: Vec<PathBuf>,
        /// Certificate revocation list (PEM or DER); repeatable.
        #[arg(long, value_name = "CRL")]
        crl: Vec<PathBuf>,
        /// The Ministry's list of accredited CAs (XML) to judge by, instead
        /// of the one saved by `cabinet trust update`.
        #[arg(long, value_name = "FILE.xml")]
        tsl: Option<PathBuf>,
        /// Also write «Протокол проверки» — the document, its hash, each
        /// signer's certificate, the checks and their sources, the verdict —
        /// as a PDF.
        #[arg(long, value_name = "FILE.pdf")]
        protocol: Option<PathBuf>,
        /// Print each signer's judgement as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show the certificates of a .pfx, of a CryptoPro container or of a token.
    Certs {
        #[command(flatten)]
        key: signing::KeySource,
        #[arg(long)]
        json: bool,
    },
    /// Check a requisite; exit code 0 when valid, 1 when not (with the code).
    Validate {
        kind: ValidateKind,
        value: String,
        /// The bank's BIK, for `account` and `corr-account`.
        #[arg(long)]
        bik: Option<String>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ValidateKind {
    /// INN of a legal entity (10 digits) or a person (12).
    Inn,
    Ogrn,
    Ogrnip,
    Kpp,
    Bik,
    /// Settlement account; needs --bik.
    Account,
    /// Correspondent account; needs --bik.
    CorrAccount,
    Snils,
    Phone,
    Email,
}

/// Prints the normalised value of a valid requisite.
fn validate(kind: ValidateKind, value: &str, bik: Option<&str>) -> Result<String, Failure> {
    use cabinet_api::requisites as r;
    let value = value.trim();
    let need_bik = || bik.ok_or_else(|| Failure::Usage("для счёта нужен --bik".into()));
    let result = match kind {
        ValidateKind::Inn => r::validate_inn(value),
        ValidateKind::Ogrn => r::validate_ogrn(value),
        ValidateKind::Ogrnip => r::validate_ogrnip(value),
        ValidateKind::Kpp => r::validate_kpp(value),
        ValidateKind::Bik => r::validate_bik(value),
        ValidateKind::Account => r::validate_settlement_account(value, need_bik()?),
        ValidateKind::CorrAccount => r::validate_correspondent_account(value, need_bik()?),
        ValidateKind::Snils => r::validate_snils(value),
        ValidateKind::Email => r::validate_email(value),
        ValidateKind::Phone => return r::normalize_phone(value).map_err(Failure::Requisite),
    };
    result
        .map(|()| value.to_owned())
        .map_err(Failure::Requisite)
}

enum Failure {
    Core(CoreError),
    Sign(cabinet_sign::SignError),
    Requisite(cabinet_api::requisites::RequisiteError),
    Usage(String),
    NotLoggedIn,
    /// A signature judged not valid (already printed).
    Verdict(signing::Verified),
}

impl From<cabinet_sign::SignError> for Failure {
    fn from(e: cabinet_sign::SignError) -> Self {
        Failure::Sign(e)
    }
}

impl From<CoreError> for Failure {
    fn from(e: CoreError) -> Self {
        Failure::Core(e)
    }
}

/// Reads one line of `input` into `line` (cleared first), after `prompt`
/// on a terminal; without its line end.
fn prompted_line(prompt: &str, input: &mut impl BufRead, line: &mut String) -> Result<(), Failure> {
    if std::io::stdin().is_terminal() {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
    }
    line.clear();
    input
        .read_line(line)
        .map_err(|e| Failure::Usage(format!("stdin: {e}")))?;
    line.truncate(line.trim_end_matches(['\r', '\n']).len());
    Ok(())
}

/// A password or a code from standard input: wiped when dropped, never
/// printed (the raw line is wiped too).
pub(crate) fn read_secret(prompt: &str, input: &mut impl BufRead) -> Result<Secret, Failure> {
    let mut line = zeroize::Zeroizing::new(String::new());
    prompted_line(prompt, input, &mut line)?;
    Ok(Secret::new(line.as_str()))
}

fn read_line(prompt: &str, input: &mut impl BufRead) -> Result<String, Failure> {
    let mut line = String::new();
    prompted_line(prompt, input, &mut line)?;
    Ok(line)
}

async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Local(command) => {
            local(command, cli.portal.as_deref(), cli.data_dir.as_deref()).await
        }
        Command::Portal(command) => {
            portal(cli.portal.as_deref(), cli.data_dir.as_deref(), command).await
        }
    }
}

async fn local(
    command: LocalCommand,
    portal_url: Option<&str>,
    data_dir: Option<&std::path::Path>,
) -> Result<(), Failure> {
    match command {
        LocalCommand::Validate { kind, value, bik } => {
            println!("{}", validate(kind, &value, bik.as_deref())?);
            Ok(())
        }
        LocalCommand::Sign {
            files,
            key,
            out,
            cosign,
            attached,
            raw,
            level,
            tsp,
            tsl,
            crl,
        } => {
            use cabinet_core::signing::SignAs;
            let mode = match (raw, cosign, attached) {
                (true, _, _) => signing::SignMode::Raw,
                (false, true, _) => signing::SignMode::Cms(SignAs::Cosign),
                (false, false, true) => signing::SignMode::Cms(SignAs::Attached),
                (false, false, false) => signing::SignMode::Cms(SignAs::Detached),
            };
            if level != Level::Xl1 && (tsl.is_some() || !crl.is_empty()) {
                return Err(Failure::Usage(
                    "--tsl и --crl нужны только для --level xl1".into(),
                ));
            }
            if level == Level::Bes && tsp.is_some() {
                return Err(Failure::Usage(
                    "--tsp нужен только для --level t или xl1".into(),
                ));
            }
            let config = match level {
                Level::Bes => None,
                _ => Some(CabinetConfig::resolve(portal_url, data_dir)?),
            };
            let tsa = match (level, tsp, &config) {
                (Level::Bes, _, _) => None,
                (_, Some(url), _) => Some(url),
                (_, None, config) => {
                    let portal = config
                        .as_ref()
                        .and_then(|c| c.portal_url.clone())
                        .ok_or_else(|| {
                            Failure::Usage(
                                "--level t/xl1: укажите службу штампов времени --tsp URL или портал"
                                    .into(),
                            )
                        })?;
                    Some(format!("{}/v1/tsp", portal.as_str().trim_end_matches('/')))
                }
            };
            // XL1 needs the chain and a CRL before anything is signed.
            let long_term = match (level, &config) {
                (Level::Xl1, Some(config)) => {
                    Some(signing::long_term_evidence(config, tsl.as_deref(), &crl)?)
                }
                _ => None,
            };
            let written = signing::sign(&files, &key, out.as_deref(), mode)?;
            if let Some(url) = tsa {
                let tsa = |request: Vec<u8>| {
                    let url = url.clone();
                    async move { cabinet_core::signing::post_to_tsa(&url, request).await }
                };
                for path in written {
                    let sig = cabinet_core::signing::read_regular_file(
                        &path,
                        cabinet_core::signing::MAX_SIGNATURE_FILE,
                    )?;
                    let upgraded = match &long_term {
                        Some((list, crls)) => {
                            let evidence = cabinet_sign::assess::Evidence {
                                tsl: list.as_ref(),
                                own_roots: &[],
                                crls,
                                certificates: &[],
                                ocsp: &[],
                                now: chrono::Utc::now(),
                            };
                            cabinet_core::signing::add_long_term_data(&sig, &evidence, tsa).await?
                        }
                        None => cabinet_core::signing::add_timestamps(&sig, tsa).await?,
                    };
                    cabinet_core::signing::write_atomically(&path, &upgraded)?;
                    match long_term {
                        Some(_) => println!(
                            "CAdES-X Long Type 1 (штампы времени, цепочка и список отзыва): {}",
                            path.display()
                        ),
                        None => println!("штамп времени: {}", path.display()),
                    }
                }
            }
            Ok(())
        }
        LocalCommand::Verify {
            paths,
            extract,
            trust,
            crl,
            tsl,
            protocol,
            json,
        } => {
            let (file, sig) = match &paths[..] {
                [sig] => (None, sig),
                [file, sig] => (Some(file.as_path()), sig),
                _ => unreachable!("clap takes one or two"),
            };
            // Without --tsl: the list `cabinet trust update` (or the app's
            // sync) kept for the configured portal, with its CRLs. The
            // certificates trusted on purpose in the window count too.
            let config = CabinetConfig::resolve(portal_url, data_dir).ok();
            let own_roots = config
                .as_ref()
                .map(|c| cabinet_core::trust_store::OwnRoots::new(&c.data_dir).list())
                .unwrap_or_default();
            let store = match (&tsl, config) {
                (None, Some(config)) => config.portal_url.map(|url| {
                    cabinet_core::trust_store::TrustStore::new(&config.data_dir, url.as_str())
                }),
                _ => None,
            };
            let stored = match &store {
                Some(s) => s.list()?,
                None => None,
            };
            if let (Some(s), false) = (&stored, json) {
                println!("{}", trust_line(&s.list, &s.meta));
            }
            let stored_fetched_at = stored.as_ref().and_then(|s| s.meta.fetched_at.clone());
            let with = signing::VerifyEvidence {
                stored_fetched_at,
                protocol: protocol.as_deref(),
                tsl: tsl.as_deref(),
                stored: stored.map(|s| (*s.list).clone()),
                trust: &trust,
                own_roots,
                crl: &crl,
                stored_crls: store.map(|s| s.crls()).unwrap_or_default(),
            };
            match signing::verify(file, sig, extract.as_deref(), with, json)? {
                signing::Verified::Valid => Ok(()),
                other => Err(Failure::Verdict(other)),
            }
        }
        LocalCommand::Certs { key, json } => signing::certs(&key, json),
    }
}

async fn portal(
    portal_url: Option<&str>,
    data_dir: Option<&std::path::Path>,
    command: PortalCommand,
) -> Result<(), Failure> {
    let config = CabinetConfig::resolve(portal_url, data_dir)?;
    let url = config.portal_url.clone().ok_or_else(|| {
        Failure::Usage("портал не задан: укажите --portal URL или CABINET_PORTAL_URL".into())
    })?;
    let cab = Cabinet::new(url, &config.data_dir, Keychain::detect())?
        .with_cache_encryption(config.encrypt_cache)
        .with_prefetch(config.prefetch);
    match command {
        PortalCommand::Login { key, .. } if key.given() => {
            let key = key.open()?;
            let session = cab.login_certificate(key.as_ref()).await?;
            println!(
                "Вход по сертификату выполнен: {} <{}>",
                session.user.full_name, session.user.email
            );
        }
        PortalCommand::Login {
            login,
            password_stdin,
            demo_code,
            ..
        } => {
            let stdin = std::io::stdin();
            let mut input = stdin.lock();
            let login = match login {
                Some(l) => l,
                None => read_line("Логин (ИНН, ОГРН или e-mail): ", &mut input)?,
            };
            let password = if password_stdin || !std::io::stdin().is_terminal() {
                read_secret("", &mut input)?
            } else {
                return Err(Failure::Usage(
                    "пароль читается из стандартного ввода: --password-stdin".into(),
                ));
            };
            let session = match cab.login_password(&login, &password).await? {
                LoginStep::Done { session } => session,
                LoginStep::NeedCode {
                    ticket,
                    destination,
                    ..
                } => {
                    let code = if demo_code {
                        Secret::new(cab.demo_sms(&ticket).await?.code)
                    } else {
                        let prompt = match destination {
                            Some(d) => format!("Код из SMS на {d}: "),
                            None => "Код из приложения-аутентификатора: ".to_owned(),
                        };
                        read_secret(&prompt, &mut input)?
                    };
                    cab.submit_code(&ticket, &code).await?
                }
            };
            println!(
                "Вход выполнен: {} <{}>",
                shown(&session.user.full_name),
                shown(&session.user.email)
            );
        }
        PortalCommand::Whoami => {
            let s = cab.resume().await?.ok_or(Failure::NotLoggedIn)?;
            println!("{} <{}>", shown(&s.user.full_name), shown(&s.user.email));
            println!(
                "портал: {} ({})",
                s.portal_url,
                if s.online {
                    "в сети"
                } else {
                    "нет связи"
                }
            );
        }
        PortalCommand::Orgs { json } => {
            cab.resume().await?.ok_or(Failure::NotLoggedIn)?;
            let view = cab.organizations().await?;
            if json {
                let out = serde_json::to_string_pretty(&view.items)
                    .map_err(|e| Failure::Usage(e.to_string()))?;
                println!("{out}");
            } else {
                if !view.online {
                    eprintln!("нет связи с порталом: показан сохранённый список");
                }
                for o in &view.items {
                    println!(
                        "{:<12} {:<15} {:<9} {:<14} {}",
                        o.inn,
                        o.ogrn,
                        o.kpp.as_deref().unwrap_or("—"),
                        shown(&o.role),
                        shown(&o.short_name)
                    );
                }
            }
        }
        PortalCommand::Trust(what) => {
            let (status, json) = match what {
                TrustCommand::Update { crls, json } => (cab.refresh_trust(crls).await?, json),
                TrustCommand::Show { json } => (cab.trust_status()?, json),
            };
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&status)
                        .map_err(|e| Failure::Usage(e.to_string()))?
                );
            } else if !status.present {
                println!("Список аккредитованных УЦ не получен: выполните `cabinet trust update`.");
            } else {
                println!(
                    "Список аккредитованных УЦ, версия {}, от {}; получен {}, проверен {}",
                    status.version.unwrap_or_default(),
                    status.date.as_deref().unwrap_or("—"),
                    status.fetched_at.as_deref().unwrap_or("—"),
                    status.checked_at.as_deref().unwrap_or("—"),
                );
                println!(
                    "УЦ в списке: {}, аккредитованы сейчас: {}; списков отзыва сохранено: {}",
                    status.authorities, status.accredited_now, status.crls
                );
            }
        }
        PortalCommand::Sync { org } => {
            let org = resolve_org(&cab, org).await?;
            let terminal = std::io::stderr().is_terminal();
            let r = cab
                .sync_with_progress(&org, &|p| {
                    if terminal {
                        eprint!("\r\x1b[K{}", progress_line(&p));
                        let _ = std::io::stderr().flush();
                    }
                })
                .await?;
            if terminal {
                eprintln!();
            }
            if !r.online {
                eprintln!(
                    "нет связи с порталом: действия ждут отправки ({})",
                    r.pending
                );
            }
            println!(
                "отправлено {}, с ошибкой {}, получено изменений {}, ждут отправки {}{}",
                r.pushed,
                r.failed,
                r.pulled,
                r.pending,
                if r.resynced {
                    " (полная пересинхронизация)"
                } else {
                    ""
                }
            );
            if !r.online {
                return Err(Failure::Core(CoreError::Offline(
                    "portal unreachable".into(),
                )));
            }
        }
        PortalCommand::Applications(command) => applications(&cab, command).await?,
        PortalCommand::Export {
            what,
            format,
            org,
            from,
            to,
            out,
        } => {
            use cabinet_core::accounting::{AccountingFormat, AccountingPart};
            use std::io::{IsTerminal, Write};
            let format = match (what, format) {
                (ExportWhat::Accounting, None | Some(ExportFormat::Json)) => ExportFormat::Json,
                (ExportWhat::Accounting, Some(_)) => return Err(Failure::Usage(
                    "выгрузка для 1С — только JSON; таблицы: `export charges` и `export payments`"
                        .into(),
                )),
                (ExportWhat::Audit, Some(ExportFormat::Json | ExportFormat::Pdf)) => {
                    return Err(Failure::Usage("журнал выгружается в CSV или XLSX".into()))
                }
                (ExportWhat::Applications, Some(ExportFormat::Pdf)) => {
                    return Err(Failure::Usage(
                        "заявления выгружаются в CSV, XLSX или JSON".into(),
                    ))
                }
                (_, f) => f.unwrap_or(ExportFormat::Csv),
            };
            if matches!(format, ExportFormat::Xlsx | ExportFormat::Pdf)
                && out.is_none()
                && std::io::stdout().is_terminal()
            {
                let ext = if matches!(format, ExportFormat::Pdf) {
                    "PDF — двоичный файл: укажите --out ФАЙЛ.pdf"
                } else {
                    "XLSX — двоичный файл: укажите --out ФАЙЛ.xlsx"
                };
                return Err(Failure::Usage(ext.into()));
            }
            let org = resolve_org(&cab, org).await?;
            let (bytes, what_ru) = if let ExportWhat::Applications = what {
                let format = match format {
                    ExportFormat::Xlsx => AccountingFormat::Xlsx,
                    ExportFormat::Json => AccountingFormat::Json,
                    _ => AccountingFormat::Csv,
                };
                let query = cabinet_core::lists::ApplicationQuery {
                    from: from.clone(),
                    to: to.clone(),
                    ..Default::default()
                };
                let (bytes, count) = cab.export_applications(&org, &query, format).await?;
                (bytes, format!("заявлений: {count}"))
            } else if let ExportWhat::Audit = what {
                let format = match format {
                    ExportFormat::Xlsx => AccountingFormat::Xlsx,
                    _ => AccountingFormat::Csv,
                };
                let bytes = cab
                    .export_audit(&org, format, from.as_deref(), to.as_deref())
                    .await?;
                (bytes, "журнал действий".to_owned())
            } else {
                let (part, what_ru) = match what {
                    ExportWhat::Payments => (AccountingPart::Payments, "платежи"),
                    ExportWhat::Charges => (AccountingPart::Charges, "начисления"),
                    _ => (AccountingPart::Charges, "начисления и платежи для 1С"),
                };
                let format = match format {
                    ExportFormat::Csv => AccountingFormat::Csv,
                    ExportFormat::Xlsx => AccountingFormat::Xlsx,
                    ExportFormat::Json => AccountingFormat::Json,
                    ExportFormat::Pdf => AccountingFormat::Pdf,
                };
                let bytes = cab
                    .export_accounting(&org, part, format, from.as_deref(), to.as_deref())
                    .await?;
                (bytes, what_ru.to_owned())
            };
            match out {
                Some(path) => {
                    cabinet_core::export::write_whole(&path, &bytes)?;
                    eprintln!("Выгружено {what_ru} → {}", path.display());
                }
                None => std::io::stdout()
                    .write_all(&bytes)
                    .map_err(|e| Failure::Usage(e.to_string()))?,
            }
        }
        PortalCommand::Outbox {
            org,
            retry,
            discard,
        } => {
            let org = resolve_org(&cab, org).await?;
            if let Some(id) = retry {
                cab.retry_action(&id).await?;
                println!("Действие {id} будет отправлено при следующей синхронизации");
            } else if let Some(id) = discard {
                cab.discard_action(&id).await?;
                println!("Действие {id} отменено");
            } else {
                for i in cab.outbox(&org).await? {
                    println!(
                        "{} {:<8} {:<20} {}{}",
                        i.id,
                        if i.state == cabinet_core::sync::OutboxState::Failed {
                            "ошибка"
                        } else {
                            "ждёт"
                        },
                        i.kind,
                        shown(&i.summary),
                        i.error_code
                            .map(|c| format!(" [{c}] {}", shown(&i.error.unwrap_or_default())))
                            .unwrap_or_default()
                    );
                }
            }
        }
        PortalCommand::CheckCache => {
            let report = cab.check_cache().await?;
            println!("{report}");
            if report != "ok" {
                return Err(Failure::Core(CoreError::Store(format!(
                    "integrity check failed: {report}"
                ))));
            }
        }
        PortalCommand::Logout {
            forget_cache,
            discard_outbox,
        } => {
            cab.resume().await?;
            cab.logout(forget_cache, discard_outbox).await?;
            println!("Выход выполнен");
        }
    }
    Ok(())
}

/// `--org` as an id or an INN; without it, the organization opened last.
async fn resolve_org(cab: &Cabinet, org: Option<String>) -> Result<String, Failure> {
    let session = cab.resume().await?.ok_or(Failure::NotLoggedIn)?;
    let orgs = cab.organizations().await?.items;
    match org {
        Some(o) => orgs
            .into_iter()
            .find(|x| x.id == o || x.inn == o)
            .map(|x| x.id)
            .ok_or_else(|| Failure::Usage(format!("организация {o} не найдена среди ваших"))),
        None => session
            .last_org_id
            .or_else(|| (orgs.len() == 1).then(|| orgs[0].id.clone()))
            .ok_or_else(|| Failure::Usage("укажите --org ИНН".into())),
    }
}

async fn applications(cab: &Cabinet, command: ApplicationsCommand) -> Result<(), Failure> {
    match command {
        ApplicationsCommand::List {
            org,
            status,
            from,
            to,
            date_by,
            q,
            service,
            sort,
            asc,
            limit,
            offset,
            json,
        } => {
            use cabinet_core::lists::{ApplicationDate, ApplicationQuery, ApplicationSort};
            let org = resolve_org(cab, org).await?;
            let status = status
                .map(|list| {
                    list.split(',')
                        .map(|s| {
                            cabinet_api::ApplicationStatus::parse(s.trim())
                                .ok_or_else(|| Failure::Usage(format!("неизвестный статус {s}")))
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?
                .unwrap_or_default();
            let sort = match sort.as_str() {
                "updated" => ApplicationSort::Updated,
                "created" => ApplicationSort::Created,
                "deadline" => ApplicationSort::Deadline,
                "number" => ApplicationSort::Number,
                other => return Err(Failure::Usage(format!("неизвестный порядок {other}"))),
            };
            let date_by = match date_by.as_str() {
                "created" => ApplicationDate::Created,
                "updated" => ApplicationDate::Updated,
                "deadline" => ApplicationDate::Deadline,
                other => {
                    return Err(Failure::Usage(format!(
                        "неизвестная дата {other}: created, updated или deadline"
                    )))
                }
            };
            let query = ApplicationQuery {
                status,
                service_code: service,
                from,
                to,
                date_by,
                q,
                sort,
                ascending: asc,
                offset,
                limit: limit
                    .unwrap_or(u32::MAX)
                    .min(cabinet_core::lists::MAX_LIMIT),
            };
            // Page through the cache until the limit or the end.
            let mut list = Vec::new();
            let wanted = limit.map_or(usize::MAX, |l| l as usize);
            let mut page_query = query.clone();
            loop {
                let rows = cab.application_rows(&org, &page_query).await?;
                let n = rows.len();
                list.extend(rows);
                if n < page_query.limit as usize || list.len() >= wanted {
                    break;
                }
                page_query.offset += page_query.limit;
            }
            list.truncate(wanted);
            if !json && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                let total = cab.application_page(&org, &query).await?.total;
                eprintln!("Найдено: {total}; показано: {}", list.len());
            }
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&list)
                        .map_err(|e| Failure::Usage(e.to_string()))?
                );
            } else {
                for a in &list {
                    println!(
                        "{:<12} {:<22} {:<11} {}",
                        a.number.as_deref().unwrap_or("—"),
                        a.status.name_ru(),
                        a.created_at.get(..10).unwrap_or(""),
                        shown(&a.title)
                    );
                }
            }
        }
        ApplicationsCommand::New {
            org,
            service,
            title,
            fields,
        } => {
            let fields = fields
                .iter()
                .map(|f| match f.split_once('=') {
                    Some((k, v)) => Ok((k.trim().to_owned(), v.to_owned())),
                    None => Err(Failure::Usage(format!("--field {f}: нужно КЛЮЧ=ЗНАЧЕНИЕ"))),
                })
                .collect::<Result<_, _>>()?;
            let org = resolve_org(cab, org).await?;
            let a = cab
                .create_application(&org, &service, &title, fields)
                .await?;
            println!("{}", a.id);
        }
        ApplicationsCommand::Submit { id } => {
            cab.resume().await?.ok_or(Failure::NotLoggedIn)?;
            cab.submit_application(&id).await?;
            println!("Подача поставлена в очередь: отправится при синхронизации");
        }
    }
    Ok(())
}

/// `Получение изменений [#########-----------]  4500/10000  1.2 МБ`.
fn progress_line(p: &cabinet_core::sync::SyncProgress) -> String {
    use cabinet_core::sync::SyncPhase;
    let what = match p.phase {
        SyncPhase::Push => "Отправка действий",
        SyncPhase::Pull => "Получение изменений",
        SyncPhase::Files => "Загрузка документов для работы без сети",
        SyncPhase::Done => "Готово",
    };
    let bar = match p.items_total {
        Some(total) if total > 0 => {
            const WIDTH: u32 = 24;
            let filled =
                (u64::from(p.items_done.min(total)) * u64::from(WIDTH) / u64::from(total)) as usize;
            format!(
                " [{}{}] {:>6}/{}",
                "#".repeat(filled),
                "-".repeat(WIDTH as usize - filled),
                p.items_done,
                total
            )
        }
        _ => format!(" {}", p.items_done),
    };
    let size = if p.bytes > 0 {
        format!("  {:.1} МБ", p.bytes as f64 / 1_048_576.0)
    } else {
        String::new()
    };
    format!("{what}{bar}{size}")
}

/// Which stored list a verification judges by.
fn trust_line(
    list: &cabinet_sign::tsl::TrustList,
    meta: &cabinet_core::trust_store::ListMeta,
) -> String {
    format!(
        "Проверка по списку аккредитованных УЦ версии {} (получен {})",
        list.version,
        meta.fetched_at.as_deref().unwrap_or("—")
    )
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CABINET_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ошибка: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Core(e)) => {
            eprintln!("ошибка [{}]: {e}", e.code());
            ExitCode::from(1)
        }
        Err(Failure::Sign(e)) => {
            eprintln!("ошибка [{}]: {e}", e.code());
            ExitCode::from(1)
        }
        Err(Failure::Requisite(e)) => {
            eprintln!("ошибка [{}]: {e}", e.code());
            ExitCode::from(1)
        }
        Err(Failure::Usage(m)) => {
            eprintln!("ошибка: {m}");
            ExitCode::from(2)
        }
        Err(Failure::Verdict(signing::Verified::Invalid)) => {
            eprintln!("подпись недействительна");
            ExitCode::from(1)
        }
        Err(Failure::Verdict(_)) => {
            eprintln!("действительность подписи не установлена");
            ExitCode::from(4)
        }
        Err(Failure::NotLoggedIn) => {
            eprintln!(
                "ошибка [session.not_logged_in]: вход не выполнен, запустите `cabinet login`"
            );
            ExitCode::from(3)
        }
    }
}
