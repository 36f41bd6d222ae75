//! Text a person typed that others will read (titles, names, role names,
//! comments, answers): no characters that hide or disguise what is shown.
//! C0 controls (but tab, and line breaks where a field has lines), DEL, C1
//! controls and the bidirectional embeddings, overrides and isolates are
//! refused — `invoice\u{202e}gpj.exe` would show as «invoiceexe.jpg». The
//! same rule runs on the portal and in the client before anything is
//! queued.

/// Whether `c` may appear in shown text; line breaks only when `lines`.
pub fn allowed_char(c: char, lines: bool) -> bool {
    match c {
        '\t' => true,
        '\n' | '\r' => lines,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => false,
        // LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI.
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => false,
        _ => true,
    }
}

/// Whether `s` holds only characters [`allowed_char`] lets through.
pub fn is_clean(s: &str, lines: bool) -> bool {
    s.chars().all(|c| allowed_char(c, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_and_disguising_characters_are_refused() {
        assert!(is_clean("Выписка из ЕГРЮЛ — «Ёлка» №2\tкопия", false));
        assert!(is_clean("две\nстроки", true));
        for bad in [
            "nul\u{0}",
            "две\nстроки",
            "esc\u{1b}[31m",
            "del\u{7f}",
            "c1\u{85}",
            "invoice\u{202e}gpj.exe",
            "iso\u{2066}late",
        ] {
            assert!(!is_clean(bad, false), "{bad:?}");
        }
        assert!(!is_clean("text\u{202d}", true));
    }
}
