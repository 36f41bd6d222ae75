//! Desktop notifications: what a sync brought (a status change, a
//! requirement, a reminder, a charge) is announced through the system's
//! notification service, so it is seen with the window in the background.
//! A sync that brings many at once gives one summary instead of a flood.

use cabinet_api::Notification;

/// More than this many at once are summed up in one.
const SEPARATE: usize = 3;

/// The desktop's own words, per language (the notifications themselves
/// come worded by the portal).
pub struct Texts {
    pub many: fn(usize) -> String,
}

pub const RU: Texts = Texts {
    many: |n| format!("Новых уведомлений: {n}"),
};

/// (title, body) of each system notification for `fresh`.
pub fn messages(fresh: &[Notification], texts: &Texts) -> Vec<(String, String)> {
    if fresh.len() <= SEPARATE {
        return fresh
            .iter()
            .map(|n| (n.title.clone(), n.text.clone()))
            .collect();
    }
    let mut body: Vec<&str> = fresh
        .iter()
        .take(SEPARATE)
        .map(|n| n.title.as_str())
        .collect();
    body.push("…");
    vec![((texts.many)(fresh.len()), body.join("\n"))]
}

/// Shows `fresh` on the desktop; a missing notification service is logged,
/// never an error for the sync that brought them.
pub fn announce(app: &tauri::AppHandle, fresh: &[Notification]) {
    use tauri_plugin_notification::NotificationExt;
    for (title, body) in messages(fresh, &RU) {
        if let Err(e) = app.notification().builder().title(title).body(body).show() {
            tracing::warn!(error = %e, "desktop notification not shown");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(i: usize) -> Notification {
        Notification {
            id: format!("n{i}"),
            kind: cabinet_api::NotificationKind::Status,
            title: format!("Заявление № 2026-00000{i}: Принято"),
            text: format!("Заявление {i}"),
            created_at: "2026-11-23T10:00:00Z".into(),
            read: false,
            entity: None,
            entity_id: None,
        }
    }

    #[test]
    fn a_few_one_by_one_many_summed_up() {
        let few: Vec<_> = (1..=3).map(n).collect();
        let m = messages(&few, &RU);
        assert_eq!(m.len(), 3);
        assert_eq!(
            m[0],
            (
                "Заявление № 2026-000001: Принято".into(),
                "Заявление 1".into()
            )
        );
        let many: Vec<_> = (1..=7).map(n).collect();
        let m = messages(&many, &RU);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].0, "Новых уведомлений: 7");
        assert!(m[0].1.starts_with("Заявление № 2026-000001: Принято\n"));
        assert!(m[0].1.ends_with('…'));
        assert!(messages(&[], &RU).is_empty());
    }
}
