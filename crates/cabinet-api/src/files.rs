//! Files attached to applications: which kinds are accepted and how a file
//! is recognised. The type is read from the content, never trusted from the
//! name or the declared MIME type, so a renamed program is refused. The
//! portal and the client check with this same code.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The largest attachment: 10 MB.
pub const MAX_ATTACHMENT: usize = 10 * 1024 * 1024;

/// At most this many files on one application.
pub const MAX_ATTACHMENTS_PER_APPLICATION: usize = 20;

/// A type an attachment may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Pdf,
    Docx,
    Jpeg,
    Png,
}

impl FileKind {
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
        }
    }

    /// The kind a file name's extension claims, if it is one we accept.
    pub fn from_extension(name: &str) -> Option<Self> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "pdf" => Some(FileKind::Pdf),
            "docx" => Some(FileKind::Docx),
            "jpg" | "jpeg" => Some(FileKind::Jpeg),
            "png" => Some(FileKind::Png),
            _ => None,
        }
    }
}

/// Why a file is not accepted; each has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {MAX_ATTACHMENT} bytes")]
    TooLarge,
    /// The content is none of PDF, DOCX, JPEG, PNG (whatever the name says).
    #[error("the content is not a PDF, DOCX, JPEG or PNG file")]
    NotAllowed,
    /// The name claims one accepted type and the content is another.
    #[error("the name says {claimed:?} but the content is {actual:?}")]
    Mismatch { claimed: FileKind, actual: FileKind },
    #[error("the file name is empty, too long, a path or holds control characters")]
    BadName,
    /// No extension of an accepted type, or another one hidden before it
    /// (`счёт.exe.pdf`).
    #[error("the file name needs one extension of its type (.pdf, .docx, .jpg, .png)")]
    Extension,
}

impl FileError {
    pub fn code(&self) -> crate::ErrorCode {
        use crate::ErrorCode as C;
        match self {
            FileError::Empty => C::FileEmpty,
            FileError::TooLarge => C::FileTooLarge,
            FileError::NotAllowed => C::FileTypeNotAllowed,
            FileError::Mismatch { .. } => C::FileTypeMismatch,
            FileError::BadName => C::FileBadName,
            FileError::Extension => C::FileExtension,
        }
    }

    /// The HTTP status the portal answers with.
    pub fn status(&self) -> u16 {
        match self {
            FileError::TooLarge => 413,
            FileError::NotAllowed | FileError::Mismatch { .. } => 415,
            FileError::Empty | FileError::BadName | FileError::Extension => 422,
        }
    }
}

/// What the content is, by its leading bytes (and, for DOCX, by the parts
/// the ZIP container holds).
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(b"%PDF-") && ends_like_a_pdf(bytes) {
        Some(FileKind::Pdf)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if bytes.starts_with(b"PK\x03\x04") && is_word_document(bytes) {
        Some(FileKind::Docx)
    } else {
        None
    }
}

/// A PDF ends with its end-of-file marker; readers allow some bytes
/// after it, so it is looked for in the last kilobyte. A file that only
/// starts like a PDF is not one.
fn ends_like_a_pdf(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    tail.windows(5).any(|w| w == b"%%EOF")
}

/// Extensions that, hidden before the last one, make a name lie about
/// what the file is (`договор.exe.pdf`, `скан.pdf.docx`).
const HIDDEN_EXTENSIONS: &[&str] = &[
    "exe", "com", "scr", "bat", "cmd", "msi", "js", "jse", "vbs", "vbe", "wsf", "ps1", "sh", "jar",
    "lnk", "hta", "html", "htm", "zip", "rar", "7z", "pdf", "doc", "docx", "xls", "xlsx", "jpg",
    "jpeg", "png",
];

/// A file's name as it is stored and compared: trimmed, in Unicode NFC.
/// macOS and some archivers write «й» as «и» and a combining breve; the same
/// name in both forms would otherwise be two names that look alike.
pub fn file_name(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    name.trim().nfc().collect()
}

/// A file's name as shown and stored: not a path, no control or
/// text-direction characters, and one extension of an accepted type.
fn check_name(name: &str) -> Result<FileKind, FileError> {
    if name.is_empty()
        || name.chars().count() > 255
        || name.contains(['/', '\\'])
        || name.starts_with('.')
        || !crate::text::is_clean(name, false)
        || name.contains('\t')
    {
        return Err(FileError::BadName);
    }
    let claimed = FileKind::from_extension(name).ok_or(FileError::Extension)?;
    let stem = name.rsplit_once('.').map_or("", |(stem, _)| stem);
    let hidden = stem
        .rsplit_once('.')
        .is_some_and(|(_, ext)| HIDDEN_EXTENSIONS.contains(&ext.trim().to_lowercase().as_str()));
    if hidden || stem.trim().is_empty() {
        return Err(FileError::Extension);
    }
    Ok(claimed)
}

/// Checks an attachment: a sane name with one extension of an accepted
/// type, not empty, at most [`MAX_ATTACHMENT`], content of that same type
/// (as its bytes show, start and end).
pub fn check(name: &str, bytes: &[u8]) -> Result<FileKind, FileError> {
    let name = name.trim();
    let claimed = check_name(name)?;
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    if bytes.len() > MAX_ATTACHMENT {
        return Err(FileError::TooLarge);
    }
    let actual = sniff(bytes).ok_or(FileError::NotAllowed)?;
    if claimed != actual {
        return Err(FileError::Mismatch { claimed, actual });
    }
    Ok(actual)
}

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?) as usize)
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// A ZIP whose central directory names `word/document.xml` and
/// `[Content_Types].xml`: a Word document, not a workbook or an archive.
fn is_word_document(bytes: &[u8]) -> bool {
    // The end-of-central-directory record is in the last 22 + 65535 bytes.
    const EOCD: &[u8] = b"PK\x05\x06";
    let from = bytes.len().saturating_sub(22 + 0xFFFF);
    let Some(eocd) = bytes[from..]
        .windows(4)
        .rposition(|w| w == EOCD)
        .map(|p| from + p)
    else {
        return false;
    };
    let (Some(entries), Some(offset)) = (u16_at(bytes, eocd + 10), u32_at(bytes, eocd + 16)) else {
        return false;
    };
    let (mut at, mut word, mut types) = (offset, false, false);
    for _ in 0..entries {
        if bytes.get(at..at + 4) != Some(b"PK\x01\x02".as_slice()) {
            return false;
        }
        let (Some(name_len), Some(extra), Some(comment)) = (
            u16_at(bytes, at + 28),
            u16_at(bytes, at + 30),
            u16_at(bytes, at + 32),
        ) else {
            return false;
        };
        match bytes.get(at + 46..at + 46 + name_len) {
            Some(b"word/document.xml") => word = true,
            Some(b"[Content_Types].xml") => types = true,
            Some(_) => {}
            None => return false,
        }
        at += 46 + name_len + extra + comment;
    }
    word && types
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored (uncompressed) ZIP with these entries, as a ZIP tool writes it.
    pub(crate) fn zip(names: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for name in names {
            let offset = out.len() as u32;
            let body = b"<x/>";
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&0u32.to_le_bytes()); // crc (not checked)
            out.extend_from_slice(&(body.len() as u32).to_le_bytes());
            out.extend_from_slice(&(body.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(body);
            central.extend_from_slice(b"PK\x01\x02");
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&0u32.to_le_bytes());
            central.extend_from_slice(&(body.len() as u32).to_le_bytes());
            central.extend_from_slice(&(body.len() as u32).to_le_bytes());
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let cd_offset = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06");
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&(names.len() as u16).to_le_bytes());
        out.extend_from_slice(&(names.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn accepted_kinds_are_recognised_by_content() {
        assert_eq!(
            check("устав.pdf", b"%PDF-1.7\n...\n%%EOF\n"),
            Ok(FileKind::Pdf)
        );
        assert_eq!(
            check("скан.PNG", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Ok(FileKind::Png)
        );
        assert_eq!(
            check("фото.jpeg", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]),
            Ok(FileKind::Jpeg)
        );
        let docx = zip(&["[Content_Types].xml", "_rels/.rels", "word/document.xml"]);
        assert_eq!(check("решение.docx", &docx), Ok(FileKind::Docx));
        // Dates in a name are not extensions.
        assert_eq!(
            check("Договор № 7 от 01.12.2026.pdf", b"%PDF-1.4\n%%EOF"),
            Ok(FileKind::Pdf)
        );
    }

    #[test]
    fn names_are_stored_in_one_unicode_form() {
        // «й» as «и» + combining breve (U+0306), as macOS writes it.
        let decomposed = "  Догово\u{0438}\u{0306}.pdf ";
        assert_eq!(file_name(decomposed), "Договой.pdf");
        assert_eq!(file_name(decomposed), file_name("Договой.pdf"));
        assert_eq!(file_name("акт.pdf"), "акт.pdf");
        // A lone combining mark stays (the name check decides on it).
        assert_eq!(file_name("\u{0306}.pdf"), "\u{0306}.pdf");
    }

    #[test]
    fn names_that_hide_or_lie_are_refused() {
        let pdf = b"%PDF-1.4\n%%EOF\n";
        for bad in [
            "invoice\u{202e}gpj.pdf",
            "счёт\r\n.pdf",
            "..",
            ".pdf",
            "a\u{0}.pdf",
            "dir/a.pdf",
            "dir\\a.pdf",
        ] {
            assert_eq!(check(bad, pdf), Err(FileError::BadName), "{bad:?}");
        }
        for bad in ["скан", "счёт.exe.pdf", "договор.PDF.pdf", "акт.txt"] {
            assert_eq!(
                check(bad, pdf).unwrap_err().code(),
                "file.extension",
                "{bad:?}"
            );
        }
        // Only the start of a PDF: not a PDF.
        assert_eq!(
            check("a.pdf", b"%PDF-1.4\nMZ..."),
            Err(FileError::NotAllowed)
        );
    }

    #[test]
    fn disguised_and_unknown_content_is_refused() {
        let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff";
        assert_eq!(check("устав.pdf", exe), Err(FileError::NotAllowed));
        assert_eq!(
            check("устав.pdf", exe).unwrap_err().code(),
            "file.type_not_allowed"
        );
        assert_eq!(
            check("устав.pdf", b"\x89PNG\r\n\x1a\n"),
            Err(FileError::Mismatch {
                claimed: FileKind::Pdf,
                actual: FileKind::Png
            })
        );
        // A workbook and a plain archive are ZIPs, not Word documents.
        let xlsx = zip(&["[Content_Types].xml", "xl/workbook.xml"]);
        assert_eq!(check("отчёт.docx", &xlsx), Err(FileError::NotAllowed));
        assert_eq!(
            check("a.docx", b"PK\x03\x04garbage"),
            Err(FileError::NotAllowed)
        );
        assert_eq!(check("a.txt", b"hello"), Err(FileError::Extension));
    }

    #[test]
    fn size_and_name_limits() {
        assert_eq!(check("a.pdf", b""), Err(FileError::Empty));
        let mut big = b"%PDF-1.7\n".to_vec();
        big.resize(MAX_ATTACHMENT - 6, b' ');
        big.extend(b"%%EOF\n");
        assert_eq!(check("a.pdf", &big), Ok(FileKind::Pdf));
        big.push(b' ');
        let err = check("a.pdf", &big).unwrap_err();
        assert_eq!((err.code().as_str(), err.status()), ("file.too_large", 413));
        assert_eq!(check("", b"%PDF-"), Err(FileError::BadName));
        assert_eq!(check("../a.pdf", b"%PDF-"), Err(FileError::BadName));
        let long = format!("{}.pdf", "я".repeat(252));
        assert_eq!(check(&long, b"%PDF-\n%%EOF"), Err(FileError::BadName));
    }
}
