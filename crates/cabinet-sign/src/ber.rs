//! BER in, DER out: the reader in front of every CMS parse.
//!
//! CryptoPro CSP, ViPNet CSP, the Gosuslugi plug-in and `openssl cms -sign
//! -stream` write SignedData in BER: indefinite lengths closed by an
//! end-of-contents marker, and the content (sometimes the signature value
//! too) as a constructed OCTET STRING of chunks. The `der` crate reads DER
//! only, so a signature goes through [`to_der`] first, which rewrites it
//! with definite lengths and primitive strings. A subtree that is already
//! DER comes out byte for byte as it went in, so certificates and signed
//! attributes are checked over exactly what was signed.
//!
//! The reader is written for hostile input: lengths are checked against the
//! bytes that are left before anything is read or allocated, nesting is
//! bounded by [`MAX_DEPTH`], and the whole input by the caller's size limit.

use crate::SignError;

/// The largest signature read: an attached signature holds its document,
/// and the portal takes documents of up to 50 MB; anything far past that is
/// not a signature someone sends.
pub const MAX_INPUT: usize = 256 * 1024 * 1024;

/// Deeper than any CMS structure (a SignedData with certificates and
/// attributes nests about 15 levels).
pub const MAX_DEPTH: usize = 64;

const CONSTRUCTED: u8 = 0x20;

/// Universal string types that BER lets a writer split into chunks
/// (X.690 8.21: BIT STRING, OCTET STRING and the restricted strings).
fn is_string_type(number: u32) -> bool {
    matches!(number, 3 | 4 | 12 | 18..=22 | 25..=28 | 30)
}

fn malformed(what: impl Into<String>) -> SignError {
    SignError::MalformedSignature(what.into())
}

/// `input` as DER: the same value with definite lengths and primitive
/// strings. Fails with `sig.malformed` on anything that is not one whole
/// BER element (truncated, trailing bytes, nesting past [`MAX_DEPTH`],
/// larger than [`MAX_INPUT`]).
///
/// The output is written as the input is read, each length put in front of
/// its content once the content is known, so memory stays within the size
/// of the output whatever the input's shape.
pub fn to_der(input: &[u8]) -> Result<Vec<u8>, SignError> {
    if input.len() > MAX_INPUT {
        return Err(malformed(format!(
            "{} bytes, more than a signature may have ({MAX_INPUT})",
            input.len()
        )));
    }
    let mut reader = Reader { input, pos: 0 };
    let mut out = Vec::with_capacity(input.len());
    reader.element(0, &mut out)?;
    if reader.pos != input.len() {
        return Err(malformed(format!(
            "{} bytes after the signature",
            input.len() - reader.pos
        )));
    }
    Ok(out)
}

pub(crate) fn length_octets(n: usize) -> Vec<u8> {
    if n < 0x80 {
        vec![n as u8]
    } else {
        let bytes = n.to_be_bytes();
        let skip = n.leading_zeros() as usize / 8;
        let mut out = vec![0x80 | (bytes.len() - skip) as u8];
        out.extend_from_slice(&bytes[skip..]);
        out
    }
}

/// Puts the DER length of everything written since `content_start` in
/// front of it.
fn close(out: &mut Vec<u8>, content_start: usize) {
    let len = length_octets(out.len() - content_start);
    out.splice(content_start..content_start, len);
}

/// The length octets of an element.
enum Length {
    Definite(usize),
    Indefinite,
}

struct Header<'a> {
    /// The identifier octets as written.
    tag: &'a [u8],
    constructed: bool,
    /// Universal class and its number, for the string rule.
    universal: Option<u32>,
    length: Length,
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, SignError> {
        let b = *self
            .input
            .get(self.pos)
            .ok_or_else(|| malformed("truncated"))?;
        self.pos += 1;
        Ok(b)
    }

    fn header(&mut self) -> Result<Header<'a>, SignError> {
        let start = self.pos;
        let first = self.byte()?;
        let mut number = u32::from(first & 0x1f);
        if number == 0x1f {
            // High tag number: base-128 digits, the last without bit 8.
            number = 0;
            loop {
                let b = self.byte()?;
                if number > (u32::MAX >> 7) {
                    return Err(malformed("tag number too large"));
                }
                number = (number << 7) | u32::from(b & 0x7f);
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        let tag = &self.input[start..self.pos];
        let constructed = first & CONSTRUCTED != 0;
        let universal = (first & 0xc0 == 0).then_some(number);
        let length = match self.byte()? {
            0x80 => Length::Indefinite,
            n if n < 0x80 => Length::Definite(usize::from(n)),
            0xff => return Err(malformed("reserved length octet")),
            n => {
                let mut value: usize = 0;
                for _ in 0..(n & 0x7f) {
                    let b = self.byte()?;
                    if value > (usize::MAX >> 8) {
                        return Err(malformed("length too large"));
                    }
                    value = (value << 8) | usize::from(b);
                }
                Length::Definite(value)
            }
        };
        match length {
            // Never trust a length further than the bytes that are there.
            Length::Definite(n) if n > self.input.len() - self.pos => {
                return Err(malformed("truncated: a length runs past the end"))
            }
            Length::Indefinite if !constructed => {
                return Err(malformed("indefinite length on a primitive value"))
            }
            _ => {}
        }
        if tag == [0] {
            return Err(malformed("end-of-contents marker out of place"));
        }
        Ok(Header {
            tag,
            constructed,
            universal,
            length,
        })
    }

    /// Reads the children of a constructed element whose header was just
    /// read, calling `child` for each with a reader that ends where the
    /// parent does.
    fn children(
        &mut self,
        length: Length,
        mut child: impl FnMut(&mut Reader<'a>) -> Result<(), SignError>,
    ) -> Result<(), SignError> {
        match length {
            Length::Definite(n) => {
                let end = self.pos + n;
                // A child may not run past its parent's end.
                let mut inner = Reader {
                    input: &self.input[..end],
                    pos: self.pos,
                };
                while inner.pos < end {
                    child(&mut inner)?;
                }
                self.pos = end;
            }
            Length::Indefinite => loop {
                match self.input.get(self.pos..self.pos + 2) {
                    Some([0, 0]) => {
                        self.pos += 2;
                        break;
                    }
                    Some(_) => child(self)?,
                    None => return Err(malformed("truncated: no end-of-contents marker")),
                }
            },
        }
        Ok(())
    }

    fn element(&mut self, depth: usize, out: &mut Vec<u8>) -> Result<(), SignError> {
        if depth > MAX_DEPTH {
            return Err(malformed(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        let header = self.header()?;
        if !header.constructed {
            let Length::Definite(n) = header.length else {
                unreachable!("refused in header")
            };
            out.extend_from_slice(header.tag);
            out.extend(length_octets(n));
            out.extend_from_slice(&self.input[self.pos..self.pos + n]);
            self.pos += n;
            return Ok(());
        }
        if let Some(number) = header.universal.filter(|n| is_string_type(*n)) {
            // The same tag, primitive now (a tag number may be written in
            // the long form, so every identifier octet is kept).
            out.push(header.tag[0] & !CONSTRUCTED);
            out.extend_from_slice(&header.tag[1..]);
            let content_start = out.len();
            let mut unused = None;
            if number == 3 {
                out.push(0);
            }
            self.chunks(header.length, number, depth + 1, out, &mut unused)?;
            if let Some(bits) = unused {
                out[content_start] = bits;
            }
            close(out, content_start);
            return Ok(());
        }
        out.extend_from_slice(header.tag);
        let content_start = out.len();
        self.children(header.length, |r| r.element(depth + 1, out))?;
        close(out, content_start);
        Ok(())
    }

    /// Appends the value of a chunked string of universal type `number`:
    /// its chunks, strings of the same type, possibly chunked again. A BIT
    /// STRING chunk starts with its count of unused bits, which only the
    /// last chunk may have; `unused` carries the last one seen.
    fn chunks(
        &mut self,
        length: Length,
        number: u32,
        depth: usize,
        out: &mut Vec<u8>,
        unused: &mut Option<u8>,
    ) -> Result<(), SignError> {
        if depth > MAX_DEPTH {
            return Err(malformed(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        self.children(length, |r| {
            let header = r.header()?;
            if header.universal != Some(number) || header.tag.len() != 1 {
                return Err(malformed("a chunk of a string has another type"));
            }
            if header.constructed {
                return r.chunks(header.length, number, depth + 1, out, unused);
            }
            let Length::Definite(n) = header.length else {
                unreachable!("refused in header")
            };
            let mut content = &r.input[r.pos..r.pos + n];
            r.pos += n;
            if number == 3 {
                let (&bits, rest) = content
                    .split_first()
                    .ok_or_else(|| malformed("a BIT STRING chunk without its unused-bits octet"))?;
                if bits > 7 || unused.is_some_and(|u| u != 0) {
                    return Err(malformed("unused bits in a BIT STRING chunk"));
                }
                *unused = Some(bits);
                content = rest;
            }
            out.extend_from_slice(content);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_passes_through_unchanged() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa];
        assert_eq!(to_der(&der).unwrap(), der);
    }

    #[test]
    fn indefinite_lengths_and_chunked_strings_become_der() {
        // SEQUENCE (indef) { OCTET STRING (indef) { "ab", "", "c" } }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x00, 0x04, 0x01, b'c', 0x00,
            0x00, 0x00, 0x00,
        ];
        assert_eq!(
            to_der(&ber).unwrap(),
            [0x30, 0x05, 0x04, 0x03, b'a', b'b', b'c']
        );
    }

    #[test]
    fn nested_chunks_and_long_form_lengths_are_joined() {
        // OCTET STRING (definite, long form 0x81 0x09) { OCTET STRING (indef) { "x" }, "yz" }
        let ber = [
            0x24, 0x81, 0x0b, 0x24, 0x80, 0x04, 0x01, b'x', 0x00, 0x00, 0x04, 0x02, b'y', b'z',
        ];
        assert_eq!(to_der(&ber).unwrap(), [0x04, 0x03, b'x', b'y', b'z']);
    }

    #[test]
    fn bit_string_chunks_keep_the_last_unused_bits() {
        let ber = [
            0x23, 0x80, 0x03, 0x02, 0x00, 0xff, 0x03, 0x02, 0x04, 0xf0, 0x00, 0x00,
        ];
        assert_eq!(to_der(&ber).unwrap(), [0x03, 0x03, 0x04, 0xff, 0xf0]);
        let early_unused = [
            0x23, 0x80, 0x03, 0x02, 0x04, 0xf0, 0x03, 0x02, 0x00, 0xff, 0x00, 0x00,
        ];
        assert!(to_der(&early_unused).is_err());
    }

    #[test]
    fn a_non_minimal_length_is_rewritten() {
        assert_eq!(
            to_der(&[0x04, 0x81, 0x01, 0x07]).unwrap(),
            [0x04, 0x01, 0x07]
        );
    }

    #[test]
    fn hostile_input_is_refused_without_panic() {
        let cases: &[&[u8]] = &[
            &[],
            &[0x30],
            &[0x30, 0x80],
            &[0x30, 0x80, 0x00],
            &[0x04, 0x80, 0x00, 0x00],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9],
            &[0x30, 0xff],
            &[0x24, 0x80, 0x30, 0x00, 0x00, 0x00],
            &[0x24, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00],
            &[0x00, 0x00],
            &[0x30, 0x00, 0x00],
            &[0x30, 0x03, 0x04, 0x05, 0x00],
            &[0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00],
        ];
        for case in cases {
            assert!(to_der(case).is_err(), "{case:02x?} accepted");
        }
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut bomb = Vec::new();
        for _ in 0..10_000 {
            bomb.extend([0x30, 0x80]);
        }
        let err = to_der(&bomb).unwrap_err();
        assert!(err.to_string().contains("nested deeper"), "{err}");
        let mut fine = Vec::new();
        for _ in 0..MAX_DEPTH {
            fine.extend([0x30, 0x80]);
        }
        fine.extend(std::iter::repeat_n(0, 2 * MAX_DEPTH));
        to_der(&fine).unwrap();
    }
}
