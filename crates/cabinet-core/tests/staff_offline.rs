//! Employees and roles managed offline by the demo administrator: an
//! invitation, a role change, a removal and a custom role queued while the
//! portal is away reach it exactly once, also when a reply is lost after
//! the portal committed; the invitee's account, made later, turns the
//! invitation into a member under the new user's id. Nothing a role may
//! not do, or that is already under way, is queued.

mod support;

use cabinet_api::{Employee, EmployeeStatus, InviteEmployee, Permission, Role, SaveRole};
use cabinet_core::records::RecordQuery;
use cabinet_core::secrets::{Keychain, KeychainBackend};
use cabinet_core::Cabinet;
use cabinet_portal::{MfaMode, NewUser};
use support::proxy::{FaultProxy, DOWN, LOSE_NEXT_WRITE_REPLY, PASS};

fn invite(email: &str, name: &str, role: &str) -> InviteEmployee {
    InviteEmployee {
        email: email.into(),
        full_name: name.into(),
        role: role.into(),
    }
}

async fn staff(cab: &Cabinet, org: &str) -> Vec<Employee> {
    cab.records::<Employee>(org, &RecordQuery::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|v| v.record)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_changes_made_offline_reach_the_portal_once() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let proxy = FaultProxy::start(portal.addr(), 7).await;
    let cab = Cabinet::new(
        proxy.url.parse().unwrap(),
        &dir.path().join("admin"),
        Keychain::new(KeychainBackend::Keyutils),
    )
    .unwrap()
    .with_network(
        std::time::Duration::from_secs(5),
        support::quick_retries(2, 20),
    )
    .unwrap();
    support::log_in(
        &cab,
        cabinet_portal::ADMIN_LOGIN,
        cabinet_portal::ADMIN_PASSWORD,
    )
    .await;
    let org = support::romashka(&cab).await;
    cab.sync(&org).await.unwrap();
    assert!(cab
        .permissions(&org)
        .await
        .unwrap()
        .contains(&Permission::EmployeesManage));
    let before = staff(&cab, &org).await;
    let by_role = |role: &str| before.iter().find(|e| e.role == role).unwrap().clone();
    let (operator, manager) = (by_role("Оператор"), by_role("Менеджер"));

    // Offline: invite, change a role, remove someone, make a role.
    proxy.set(DOWN);
    cab.invite_employee(
        &org,
        invite(" Novikov@Example.RU ", "Новиков  Илья", "Менеджер"),
    )
    .await
    .unwrap();
    // Bad input and a second action on the same person never queue.
    let code = |r: Result<(), cabinet_core::CoreError>| r.unwrap_err().code();
    assert_eq!(
        code(
            cab.invite_employee(&org, invite("not-an-email", "Кто-то", "Менеджер"))
                .await
        ),
        "input.email"
    );
    assert_eq!(
        code(
            cab.invite_employee(&org, invite(&manager.email, "Дубль", "Менеджер"))
                .await
        ),
        "input.email_taken"
    );
    assert_eq!(
        code(
            cab.invite_employee(&org, invite("x@example.ru", "Кто-то", "Нет такой"))
                .await
        ),
        "input.role"
    );
    // Authority, checked offline as the portal checks it: the head's role
    // is not given or taken, and nothing beyond what the administrator
    // holds is given.
    let head = by_role("Руководитель");
    assert_eq!(
        code(
            cab.invite_employee(&org, invite("y@example.ru", "Кто-то", "Руководитель"))
                .await
        ),
        "employee.head_role"
    );
    assert_eq!(
        code(
            cab.change_employee_role(&org, &head.id, "Наблюдатель")
                .await
        ),
        "employee.head_role"
    );
    assert_eq!(
        code(cab.remove_employee(&org, &head.id).await),
        "employee.head_role"
    );
    assert_eq!(
        code(
            cab.change_employee_role(&org, &operator.id, "Бухгалтер")
                .await
        ),
        "employee.grant_exceeds"
    );
    assert_eq!(
        code(
            cab.save_role(
                &org,
                None,
                SaveRole {
                    name: "Казначей".into(),
                    permissions: vec![Permission::PaymentsPay],
                },
            )
            .await
        ),
        "employee.grant_exceeds"
    );
    cab.change_employee_role(&org, &operator.id, "Наблюдатель")
        .await
        .unwrap();
    assert_eq!(
        code(cab.remove_employee(&org, &operator.id).await),
        "input.employee"
    );
    cab.remove_employee(&org, &manager.id).await.unwrap();
    cab.save_role(
        &org,
        None,
        SaveRole {
            name: "Кассир".into(),
            // An administrator gives only what she holds (audit, not payments).
            permissions: vec![Permission::AuditView, Permission::AuditView],
        },
    )
    .await
    .unwrap();
    assert_eq!(
        code(
            cab.save_role(
                &org,
                Some("Бухгалтер"),
                SaveRole {
                    name: String::new(),
                    permissions: vec![]
                }
            )
            .await
        ),
        "input.role",
        "built-in roles stay as they are"
    );
    let outbox = cab.outbox(&org).await.unwrap();
    assert_eq!(outbox.len(), 4);
    assert!(outbox
        .iter()
        .any(|o| o.summary == "Новиков Илья <novikov@example.ru>"));

    // Back; the first reply is lost after the portal committed.
    proxy.set(LOSE_NEXT_WRITE_REPLY);
    let _ = cab.sync(&org).await;
    proxy.set(PASS);
    let report = cab.sync(&org).await.unwrap();
    assert_eq!((report.pending, report.failed), (0, 0), "{report:?}");

    let held: Vec<Employee> = portal.admin().records(&org).await.unwrap();
    let invited: Vec<&Employee> = held
        .iter()
        .filter(|e| e.email == "novikov@example.ru")
        .collect();
    assert_eq!(invited.len(), 1, "invited exactly once: {held:?}");
    assert_eq!(
        (
            invited[0].status,
            invited[0].role.as_str(),
            invited[0].full_name.as_str()
        ),
        (EmployeeStatus::Invited, "Менеджер", "Новиков Илья")
    );
    let op = held.iter().find(|e| e.id == operator.id).unwrap();
    assert_eq!(
        (op.role.as_str(), op.version),
        ("Наблюдатель", operator.version + 1)
    );
    let gone = held.iter().find(|e| e.id == manager.id).unwrap();
    assert_eq!(gone.status, EmployeeStatus::Removed);
    let roles: Vec<Role> = portal.admin().records(&org).await.unwrap();
    let cashier = roles.iter().find(|r| r.id == "Кассир").unwrap();
    assert_eq!(cashier.permissions, [Permission::AuditView]);
    assert!(!cashier.builtin);
    // The cache holds what the portal holds.
    let mut cached = staff(&cab, &org).await;
    let mut held = held;
    cached.sort_by(|a, b| a.id.cmp(&b.id));
    held.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(cached, held);

    // The invitee makes an account: the invitation becomes a member.
    let user = portal
        .admin()
        .create_user(NewUser {
            email: "novikov@example.ru".into(),
            full_name: "Новиков Илья".into(),
            password: "Novikov-pass-1".into(),
            inn: None,
            snils: None,
            ogrnip: None,
            phone: "+79990001122".into(),
            mfa: MfaMode::None,
        })
        .await
        .unwrap();
    cab.sync(&org).await.unwrap();
    let now = staff(&cab, &org).await;
    let member: Vec<&Employee> = now
        .iter()
        .filter(|e| e.email == "novikov@example.ru")
        .collect();
    assert_eq!(member.len(), 1, "{now:?}");
    assert_eq!(
        (
            member[0].id.as_str(),
            member[0].status,
            member[0].role.as_str()
        ),
        (user.as_str(), EmployeeStatus::Active, "Менеджер")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_accountant_queues_no_staff_changes() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let cab = support::accountant(
        &portal.url(),
        &dir.path().join("app"),
        support::quick_retries(2, 20),
    )
    .await;
    let org = support::romashka(&cab).await;
    cab.sync(&org).await.unwrap();
    let someone = staff(&cab, &org).await.remove(0);
    let code = |r: Result<(), cabinet_core::CoreError>| r.unwrap_err().code();
    assert_eq!(
        code(
            cab.invite_employee(&org, invite("a@example.ru", "Кто-то", "Оператор"))
                .await
        ),
        "org.permission_denied"
    );
    assert_eq!(
        code(cab.remove_employee(&org, &someone.id).await),
        "org.permission_denied"
    );
    assert!(cab.outbox(&org).await.unwrap().is_empty());
}
