//! The search form of text, shared by the cache's full-text index (as an
//! SQL function), the list filters and the search box.

/// Latin letters with diacritics, U+00E0..=U+017F after lower-casing, as
/// the letter without them (letters that are not a letter with a mark, like
/// æ or ß, stay themselves).
const LATIN_BASE: &str = concat!(
    "aaaaaaæceeeeiiiiðnooooo÷ouuuuyþy",
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiĳĳjjkkĸllllllllllnnnnnnnŋŋ",
    "ooooooœœrrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs",
);

/// The search form of a text: lower case, ё as е, Latin letters without
/// diacritics, and each word (a run of letters and digits) after one space
/// (" выписка из егрюл 2026 000100"). Applications store it in
/// `search_text`: their full-text index is built from it, and a list may
/// look for ` word` in it instead, with the same meaning — a word that
/// starts so.
pub fn search_form(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    let mut in_word = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'ё' => 'е',
            '\u{e0}'..='\u{17f}' => LATIN_BASE.chars().nth(c as usize - 0xe0).unwrap_or(c),
            c => c,
        };
        if c.is_alphanumeric() {
            if !in_word {
                out.push(' ');
                in_word = true;
            }
            out.push(c);
        } else {
            in_word = false;
        }
    }
    out
}

/// The words of `text` in their search form.
pub(crate) fn search_words(text: &str) -> Vec<String> {
    search_form(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// An FTS5 query: each word of `text`, in its search form, as a quoted
/// prefix term. `None` when there is no word to look for.
pub(crate) fn fts_terms(text: &str) -> Option<String> {
    let terms: Vec<String> = search_words(text)
        .iter()
        .map(|t| format!("\"{t}\"*"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_form_folds_case_yo_and_latin_marks_into_spaced_words() {
        assert_eq!(LATIN_BASE.chars().count(), 0x17f - 0xe0 + 1);
        assert_eq!(
            search_form("Выписка из ЕГРЮЛ для «Ёлки» №2026-000100"),
            " выписка из егрюл для елки 2026 000100"
        );
        assert_eq!(
            search_form("Café Łódź, ÆSIR & Straße; Ÿ"),
            " cafe lodz æsir straße y"
        );
        assert_eq!(search_form(" — … "), "");
        assert_eq!(search_words("ЁЛКА-2"), ["елка", "2"]);
        assert_eq!(fts_terms("ЁЛКА-2").unwrap(), "\"елка\"* \"2\"*");
    }
}
