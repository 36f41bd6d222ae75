//! TypeScript bindings of the UI commands and their types, generated from
//! the Rust types (ts-rs). `cargo xtask bindings` rewrites
//! `ui/src/lib/bindings.ts`; the test below fails when that file is stale.
//!
//! Each command is listed once with its argument and result types; a
//! compile-time check ties the list to the real command functions, so the
//! list cannot drift from them.

use cabinet_api::Application;
use cabinet_api::LegalStatus;
use cabinet_api::Requirement;
use cabinet_api::{AuditEntry, Employee, Role};
use cabinet_api::{Charge, Payment};
use cabinet_api::{CodeSent, UnblockView};
use cabinet_api::{Comment, StatusEvent};
use cabinet_api::{DemoSms, Security};
use cabinet_api::{Notification, NotificationSettings, Permission};
use cabinet_api::{OrganizationProfile, OrganizationSummary, ProfileChange};
use cabinet_api::{RecoveryTicket, Registration, RegistrationCode};
use cabinet_core::attachments::DraftFiles;
use cabinet_core::cabinet::TrustStatus;
use cabinet_core::certificates::{CertificateView, ContainerListing, TokenListing};
use cabinet_core::lists::ApplicationPage;
use cabinet_core::records::RecordPage;
use cabinet_core::signing::{SignProgress, SignedFile};
use cabinet_core::support::{FaqView, SupportView};
use cabinet_core::sync::{
    Conflict, DocumentList, OutboxItem, SyncProgress, SyncReport, SyncStatus,
};
use cabinet_core::verdict::SignatureCheck;
use cabinet_core::view::{
    AppInfo, Dashboard, DemoCertificateFile, LoginStep, MyCertificate, OrganizationsView,
    ServicesView, SessionView,
};
use ts_rs::TS;

// The types declared beside their commands, whatever their topic.
use crate::commands::*;
use crate::ipc::IpcError;

/// Path of the generated file, relative to the workspace root.
pub const BINDINGS_PATH: &str = "ui/src/lib/bindings.ts";

struct Command {
    name: &'static str,
    arg: Option<String>,
    /// What the command streams to the window while it runs (a
    /// `tauri::ipc::Channel` argument named `progress`).
    stream: Option<String>,
    ret: String,
}

#[allow(dead_code)]
fn any<T>() -> T {
    unreachable!("type-level only")
}

macro_rules! commands {
    ($( $module:ident :: $name:ident ( $($arg:ty)? $(, streams $event:ty)? ) -> $ret:ty ; )*) => {
        /// Every type a command takes, streams or answers, and what they use.
        fn visit_command_types(v: &mut Declarations) {
            use ts_rs::TypeVisitor;
            $( $( v.visit::<$arg>(); )? $( v.visit::<$event>(); )? v.visit::<$ret>(); )*
        }

        fn commands() -> Vec<Command> {
            vec![$( Command {
                name: stringify!($name),
                arg: commands!(@arg $($arg)?),
                stream: commands!(@arg $($event)?),
                ret: <$ret as TS>::name(),
            } ),*]
        }

        // Never called: it only has to type-check, which it does when every
        // listed signature matches its command function.
        #[allow(dead_code, clippy::diverging_sub_expression)]
        fn signatures_match(st: tauri::State<'_, crate::Desktop>) {
            $( let _signature = async {
                let _r: Result<$ret, IpcError> =
                    crate::commands::$module::$name(
                        st.clone()
                        $(, any::<$arg>())?
                        $(, any::<tauri::ipc::Channel<$event>>())?
                    ).await;
            }; )*
        }
    };
    (@arg $arg:ty) => { Some(<$arg as TS>::name()) };
    (@arg) => { None };
}

crate::command_list::with_commands!(commands);

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The whole generated TypeScript file.
/// The declarations of the types `visit` reaches, each once, by name (the
/// order ts-rs visits dependencies in changes from one build to the next,
/// and TypeScript does not need a type declared before its use).
pub(crate) struct Declarations {
    out: std::collections::BTreeMap<String, String>,
}

impl ts_rs::TypeVisitor for Declarations {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Built-in types (numbers, strings, arrays, options) have no
        // declaration of their own; their parameters may.
        T::visit_generics(self);
        if T::output_path().is_none() || self.out.contains_key(&T::ident()) {
            return;
        }
        self.out.insert(T::ident(), T::decl());
        T::visit_dependencies(self);
    }
}

/// The whole generated TypeScript file.
pub fn typescript() -> String {
    use ts_rs::TypeVisitor;
    let mut found = Declarations {
        out: Default::default(),
    };
    visit_command_types(&mut found);
    // What the window gets outside a command's answer and stream: the
    // error of a rejected call.
    found.visit::<IpcError>();
    let decls = found.out.into_values();
    let mut out = String::from(
        "// Generated from the Rust types by `cargo xtask bindings`. Do not edit.\n\
         import { Channel, invoke } from \"@tauri-apps/api/core\";\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(d.trim());
        out.push_str("\n\n");
    }
    out.push_str("/** The app's commands. A rejected promise carries an `IpcError`. */\nexport const commands = {\n");
    for c in commands() {
        let f = camel(c.name);
        let (ret, name) = (&c.ret, c.name);
        let line = match (&c.arg, &c.stream) {
            (Some(arg), Some(event)) => format!(
                "  {f}: (args: {arg}, onProgress: (progress: {event}) => void) =>\n    \
                 invoke<{ret}>(\"{name}\", {{ args, progress: new Channel<{event}>(onProgress) }}),\n"
            ),
            (Some(arg), None) => {
                format!("  {f}: (args: {arg}) => invoke<{ret}>(\"{name}\", {{ args }}),\n")
            }
            (None, _) => format!("  {f}: () => invoke<{ret}>(\"{name}\"),\n"),
        };
        out.push_str(&line);
    }
    out.push_str("};\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_bindings_are_fresh() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(BINDINGS_PATH);
        let fresh = typescript();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).unwrap();
            return;
        }
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == fresh,
            "{} is stale: run `cargo xtask bindings` and commit the result",
            BINDINGS_PATH
        );
    }

    #[test]
    fn every_command_is_granted_through_the_generated_set() {
        // build.rs writes the set from the same list this file reads.
        let set = include_str!("../permissions/app-commands.toml");
        let capability = include_str!("../capabilities/default.json");
        assert!(capability.contains("\"app-commands\""));
        let granted: Vec<&str> = set
            .lines()
            .filter_map(|l| l.trim().strip_prefix("\"allow-"))
            .map(|l| l.trim_end_matches("\","))
            .collect();
        let declared: Vec<String> = commands()
            .iter()
            .map(|c| c.name.replace('_', "-"))
            .collect();
        assert_eq!(granted, declared, "permissions/app-commands.toml is stale");
        // Nothing else of the app is granted one by one.
        assert!(!capability.contains("\"allow-"), "{capability}");
    }
}
