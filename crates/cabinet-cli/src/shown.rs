//! Text from the portal or a file, printed for a person: a character that
//! would drive the terminal (an escape sequence repainting the screen, a
//! bell, a carriage return overwriting the line) or reorder what is shown
//! (bidi overrides and isolates) is replaced by �. JSON output is left to
//! serde_json, which escapes control characters.

use std::borrow::Cow;

pub fn shown(s: &str) -> Cow<'_, str> {
    if cabinet_api::text::is_clean(s, false) && !s.contains('\t') {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if c != '\t' && cabinet_api::text::allowed_char(c, false) {
                    c
                } else {
                    '\u{fffd}'
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn terminal_controls_and_bidi_become_replacement_characters() {
        assert_eq!(shown("Выписка из ЕГРЮЛ"), "Выписка из ЕГРЮЛ");
        assert_eq!(
            shown("\u{1b}[2J\u{1b}[31mВзломано\u{7}\r"),
            "\u{fffd}[2J\u{fffd}[31mВзломано\u{fffd}\u{fffd}"
        );
        assert_eq!(shown("invoice\u{202e}gpj.exe"), "invoice\u{fffd}gpj.exe");
        assert_eq!(shown("a\tb\nc"), "a\u{fffd}b\u{fffd}c");
    }
}
