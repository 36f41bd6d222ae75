//! PDF documents people read and print: a title, a few lines saying what
//! the document is, tables that run over as many pages as they need (the
//! header row repeated on every page), label–value rows (a receipt) and
//! closing lines. Text is set in Noto Sans — the UI's font — embedded as a
//! subset, so Cyrillic looks, copies and searches the same in every
//! reader. Every page carries a footer and «page N of M».
//!
//! The layout is deliberately simple and deterministic: one script at a
//! time needs no shaping (Cyrillic and Latin do not), words wrap inside
//! their cell, column widths follow the content, and the same input gives
//! the same bytes.
//!
//! Callers supply every word of text (column titles, the page label), in
//! the UI's language.

use std::collections::BTreeMap;
use std::io::Write;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

const REGULAR: &[u8] = include_bytes!("../fonts/NotoSans-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/NotoSans-Bold.ttf");

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("embedded font: {0}")]
    Font(String),
    #[error("compression: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    /// Amounts and numbers: their digits line up.
    Right,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub title: String,
    pub align: Align,
}

impl Column {
    pub fn left(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            align: Align::Left,
        }
    }

    pub fn right(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            align: Align::Right,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Block {
    /// A bold line over what follows.
    Heading(String),
    /// Paragraphs, each wrapped to the page's width.
    Text(Vec<String>),
    /// Label and value rows, e.g. a receipt's details.
    Pairs(Vec<(String, String)>),
    /// A table; a row with fewer cells than columns leaves the rest empty.
    Table {
        columns: Vec<Column>,
        rows: Vec<Vec<String>>,
    },
    /// Bold label–value lines under a table, right-aligned: totals.
    Totals(Vec<(String, String)>),
}

#[derive(Debug, Clone)]
pub struct Document {
    pub title: String,
    /// A4 across (wide tables) or upright (receipts).
    pub landscape: bool,
    pub blocks: Vec<Block>,
    /// The left side of every page's footer.
    pub footer: String,
    /// The right side of the footer: `{page}` and `{pages}` are replaced.
    pub page_label: String,
    /// The application named in the file's information.
    pub creator: String,
}

const MARGIN: f32 = 40.0;
/// Room kept at the bottom of each page for the footer.
const FOOTER: f32 = 22.0;
const TABLE_SIZE: f32 = 8.5;
const TEXT_SIZE: f32 = 9.5;
const CELL_PAD: f32 = 4.0;

struct Font {
    face: ttf_parser::Face<'static>,
    data: &'static [u8],
    per_mille: f32,
}

impl Font {
    fn load(data: &'static [u8]) -> Result<Self, PdfError> {
        let face = ttf_parser::Face::parse(data, 0).map_err(|e| PdfError::Font(e.to_string()))?;
        let per_mille = 1000.0 / f32::from(face.units_per_em());
        Ok(Self {
            face,
            data,
            per_mille,
        })
    }

    /// The glyph drawn for `c`: its own, or for a character the font lacks
    /// a space (for space-like ones) or «?» — never an invisible gap.
    fn glyph(&self, c: char) -> u16 {
        let c = match c {
            '\t' | '\n' | '\r' => ' ',
            c => c,
        };
        self.face
            .glyph_index(c)
            .or_else(|| {
                self.face
                    .glyph_index(if c.is_whitespace() { ' ' } else { '?' })
            })
            .map_or(0, |g| g.0)
    }

    /// Advance of a glyph in thousandths of the font size.
    fn advance(&self, gid: u16) -> f32 {
        f32::from(
            self.face
                .glyph_hor_advance(ttf_parser::GlyphId(gid))
                .unwrap_or(0),
        ) * self.per_mille
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advance(self.glyph(c)))
            .sum::<f32>()
            * size
            / 1000.0
    }

    fn scaled(&self, v: i16) -> f32 {
        f32::from(v) * self.per_mille
    }
}

struct Fonts {
    regular: Font,
    bold: Font,
}

impl Fonts {
    fn get(&self, bold: bool) -> &Font {
        if bold {
            &self.bold
        } else {
            &self.regular
        }
    }

    fn width(&self, text: &str, bold: bool, size: f32) -> f32 {
        self.get(bold).width(text, size)
    }

    /// `text` broken into lines no wider than `width` at ordinary spaces
    /// (never inside a number's thin or non-breaking spaces); a word wider
    /// than a line is broken between letters.
    fn wrap(&self, text: &str, bold: bool, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, bold, size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                for c in word.chars() {
                    line.push(c);
                    if self.width(&line, bold, size) > width && line.chars().count() > 1 {
                        line.pop();
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    }
                }
            }
            lines.push(line);
        }
        lines
    }
}

#[derive(Clone, Copy)]
struct Style {
    bold: bool,
    size: f32,
    /// 0 black … 1 white.
    gray: f32,
}

const BODY: Style = Style {
    bold: false,
    size: TEXT_SIZE,
    gray: 0.0,
};

struct Run {
    x: f32,
    /// Baseline.
    y: f32,
    style: Style,
    text: String,
}

#[derive(Default)]
struct Page {
    fills: Vec<([f32; 4], f32)>,
    rules: Vec<([f32; 4], f32)>,
    runs: Vec<Run>,
}

struct Layout<'f> {
    fonts: &'f Fonts,
    width: f32,
    height: f32,
    pages: Vec<Page>,
    /// The top of the free space on the current page.
    y: f32,
}

fn line_height(size: f32) -> f32 {
    size * 1.32
}

/// Baseline of a line whose box starts at `top`.
fn baseline(top: f32, size: f32) -> f32 {
    top - size * 1.02
}

impl<'f> Layout<'f> {
    fn new(fonts: &'f Fonts, landscape: bool) -> Self {
        let (width, height) = if landscape {
            (842.0, 595.0)
        } else {
            (595.0, 842.0)
        };
        let mut layout = Self {
            fonts,
            width,
            height,
            pages: Vec::new(),
            y: 0.0,
        };
        layout.new_page();
        layout
    }

    fn content_width(&self) -> f32 {
        self.width - 2.0 * MARGIN
    }

    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a page")
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = self.height - MARGIN;
    }

    /// Starts a new page unless `h` more points fit on this one; says
    /// whether it did.
    fn room(&mut self, h: f32) -> bool {
        let started = self.y < self.height - MARGIN;
        if started && self.y - h < MARGIN + FOOTER {
            self.new_page();
            return true;
        }
        false
    }

    fn run(&mut self, x: f32, y: f32, style: Style, text: &str) {
        if !text.is_empty() {
            self.page().runs.push(Run {
                x,
                y,
                style,
                text: text.to_owned(),
            });
        }
    }

    fn gap(&mut self, h: f32) {
        self.y -= h;
    }

    fn paragraph(&mut self, text: &str, style: Style) {
        let lines = self
            .fonts
            .wrap(text, style.bold, style.size, self.content_width());
        for line in lines {
            let h = line_height(style.size);
            self.room(h);
            let y = baseline(self.y, style.size);
            self.run(MARGIN, y, style, &line);
            self.y -= h;
        }
    }

    fn pairs(&mut self, pairs: &[(String, String)]) {
        let label = Style { gray: 0.38, ..BODY };
        let widest = pairs
            .iter()
            .map(|(l, _)| self.fonts.width(l, false, BODY.size))
            .fold(0.0, f32::max);
        let label_w = (widest + 14.0).min(self.content_width() * 0.45);
        let value_w = self.content_width() - label_w;
        for (l, v) in pairs {
            let labels = self.fonts.wrap(l, false, BODY.size, label_w - 14.0);
            let values = self.fonts.wrap(v, false, BODY.size, value_w);
            let lines = labels.len().max(values.len());
            let h = lines as f32 * line_height(BODY.size) + 4.0;
            self.room(h);
            for (i, t) in labels.iter().enumerate() {
                let y = baseline(self.y - i as f32 * line_height(BODY.size), BODY.size);
                self.run(MARGIN, y, label, t);
            }
            for (i, t) in values.iter().enumerate() {
                let y = baseline(self.y - i as f32 * line_height(BODY.size), BODY.size);
                self.run(MARGIN + label_w, y, BODY, t);
            }
            self.y -= h;
        }
    }

    fn totals(&mut self, totals: &[(String, String)]) {
        let style = Style { bold: true, ..BODY };
        let right = MARGIN + self.content_width();
        let value_w = totals
            .iter()
            .map(|(_, v)| self.fonts.width(v, true, style.size))
            .fold(0.0, f32::max);
        for (l, v) in totals {
            let h = line_height(style.size) + 2.0;
            self.room(h);
            let y = baseline(self.y, style.size);
            let vw = self.fonts.width(v, true, style.size);
            self.run(right - vw, y, style, v);
            let lw = self.fonts.width(l, true, style.size);
            self.run(right - value_w - 12.0 - lw, y, style, l);
            self.y -= h;
        }
    }

    /// Column widths from the content: every column gets its natural width
    /// when the table fits (the spare room shared in proportion); when it
    /// does not, narrow columns keep theirs and the wide ones share the
    /// rest equally, wrapping.
    fn column_widths(&self, columns: &[Column], rows: &[Vec<String>]) -> Vec<f32> {
        let avail = self.content_width();
        let natural: Vec<f32> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let head = self.fonts.width(&c.title, true, TABLE_SIZE);
                let cells = rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|t| self.fonts.width(t, false, TABLE_SIZE))
                    .fold(0.0, f32::max);
                head.max(cells) + 2.0 * CELL_PAD + 0.5
            })
            .collect();
        let total: f32 = natural.iter().sum();
        if total <= avail {
            return natural.iter().map(|w| w * avail / total).collect();
        }
        let mut widths = vec![0.0; natural.len()];
        let mut open: Vec<usize> = (0..natural.len()).collect();
        let mut remaining = avail;
        loop {
            let share = remaining / open.len().max(1) as f32;
            let (fits, wide): (Vec<usize>, Vec<usize>) =
                open.iter().partition(|&&i| natural[i] <= share);
            if fits.is_empty() {
                for i in wide {
                    widths[i] = share;
                }
                break;
            }
            for i in fits {
                widths[i] = natural[i];
                remaining -= natural[i];
            }
            open = wide;
            if open.is_empty() {
                break;
            }
        }
        widths
    }

    fn table(&mut self, columns: &[Column], rows: &[Vec<String>]) {
        let widths = self.column_widths(columns, rows);
        let lead = line_height(TABLE_SIZE);
        let wrap_row = |layout: &Self, cells: &[&str], bold: bool| -> Vec<Vec<String>> {
            widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let text = cells.get(i).copied().unwrap_or("");
                    layout
                        .fonts
                        .wrap(text, bold, TABLE_SIZE, w - 2.0 * CELL_PAD)
                })
                .collect()
        };
        let height = |cells: &[Vec<String>]| {
            cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * lead + 2.0 * CELL_PAD
        };
        let titles: Vec<&str> = columns.iter().map(|c| c.title.as_str()).collect();
        let header = wrap_row(self, &titles, true);
        let header_h = height(&header);
        let draw = |layout: &mut Self, cells: &[Vec<String>], h: f32, bold: bool, fill: f32| {
            let top = layout.y;
            let left = MARGIN;
            let full = layout.content_width();
            if fill < 1.0 {
                layout.page().fills.push(([left, top - h, full, h], fill));
            }
            let style = Style {
                bold,
                size: TABLE_SIZE,
                gray: 0.0,
            };
            let mut x = left;
            for (i, lines) in cells.iter().enumerate() {
                let w = widths[i];
                for (n, line) in lines.iter().enumerate() {
                    let y = baseline(top - CELL_PAD - n as f32 * lead, TABLE_SIZE);
                    let tx = match columns[i].align {
                        Align::Left => x + CELL_PAD,
                        Align::Right => {
                            x + w - CELL_PAD - layout.fonts.width(line, bold, TABLE_SIZE)
                        }
                    };
                    layout.run(tx, y, style, line);
                }
                x += w;
            }
            let rule_gray = if bold { 0.55 } else { 0.85 };
            layout
                .page()
                .rules
                .push(([left, top - h, left + full, top - h], rule_gray));
            layout.y -= h;
        };
        let first = rows
            .first()
            .map(|r| {
                height(&wrap_row(
                    self,
                    &r.iter().map(String::as_str).collect::<Vec<_>>(),
                    false,
                ))
            })
            .unwrap_or(0.0);
        self.room(header_h + first);
        draw(self, &header, header_h, true, 0.91);
        for (n, row) in rows.iter().enumerate() {
            let cells: Vec<&str> = row.iter().map(String::as_str).collect();
            let wrapped = wrap_row(self, &cells, false);
            let h = height(&wrapped);
            if self.room(h) {
                draw(self, &header, header_h, true, 0.91);
            }
            let fill = if n % 2 == 1 { 0.965 } else { 1.0 };
            draw(self, &wrapped, h, false, fill);
        }
    }

    fn footers(&mut self, footer: &str, label: &str) {
        let style = Style {
            bold: false,
            size: 7.5,
            gray: 0.45,
        };
        let count = self.pages.len();
        let right = self.width - MARGIN;
        let y = MARGIN - 4.0;
        for n in 0..count {
            let text = label
                .replace("{page}", &(n + 1).to_string())
                .replace("{pages}", &count.to_string());
            let w = self.fonts.width(&text, false, style.size);
            let page = &mut self.pages[n];
            page.rules.push(([MARGIN, y + 10.0, right, y + 10.0], 0.8));
            page.runs.push(Run {
                x: MARGIN,
                y,
                style,
                text: footer.to_owned(),
            });
            page.runs.push(Run {
                x: right - w,
                y,
                style,
                text,
            });
        }
    }
}

/// The glyphs one embedded font draws, renumbered for its subset, and the
/// character each stands for (for copying and searching).
struct Used {
    remapper: subsetter::GlyphRemapper,
    chars: BTreeMap<u16, char>,
}

fn deflate(bytes: &[u8]) -> Result<Vec<u8>, PdfError> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes)?;
    Ok(z.finish()?)
}

/// The document as PDF bytes.
pub fn render(doc: &Document) -> Result<Vec<u8>, PdfError> {
    let fonts = Fonts {
        regular: Font::load(REGULAR)?,
        bold: Font::load(BOLD)?,
    };
    let mut layout = Layout::new(&fonts, doc.landscape);
    layout.paragraph(
        &doc.title,
        Style {
            bold: true,
            size: 15.0,
            gray: 0.0,
        },
    );
    layout.gap(6.0);
    for block in &doc.blocks {
        match block {
            Block::Heading(h) => {
                layout.gap(8.0);
                layout.room(line_height(11.0) + 3.0 * line_height(TABLE_SIZE));
                layout.paragraph(
                    h,
                    Style {
                        bold: true,
                        size: 11.0,
                        gray: 0.0,
                    },
                );
                layout.gap(3.0);
            }
            Block::Text(paragraphs) => {
                for p in paragraphs {
                    layout.paragraph(p, BODY);
                }
                layout.gap(4.0);
            }
            Block::Pairs(pairs) => layout.pairs(pairs),
            Block::Table { columns, rows } => {
                layout.table(columns, rows);
                layout.gap(6.0);
            }
            Block::Totals(totals) => layout.totals(totals),
        }
    }
    layout.footers(&doc.footer, &doc.page_label);
    let (width, height, pages) = (layout.width, layout.height, layout.pages);

    // [regular, bold]
    let mut used: [Used; 2] = std::array::from_fn(|_| Used {
        remapper: subsetter::GlyphRemapper::new(),
        chars: BTreeMap::new(),
    });
    for run in pages.iter().flat_map(|p| &p.runs) {
        let font = fonts.get(run.style.bold);
        let u = &mut used[usize::from(run.style.bold)];
        for c in run.text.chars() {
            let cid = u.remapper.remap(font.glyph(c));
            u.chars.entry(cid).or_insert(c);
        }
    }

    let mut pdf = Pdf::new();
    let mut next = 0;
    let mut alloc = || {
        next += 1;
        Ref::new(next)
    };
    let catalog = alloc();
    let tree = alloc();
    let info = alloc();
    let font_refs = [alloc(), alloc()];
    let page_refs: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();

    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_refs.iter().map(|(p, _)| *p))
        .count(i32::try_from(page_refs.len()).unwrap_or(i32::MAX));
    pdf.document_info(info)
        .title(TextStr(&doc.title))
        .creator(TextStr(&doc.creator))
        .producer(TextStr("OrgCabinet"));

    let names = [Name(b"F1"), Name(b"F2")];
    for (page, (page_ref, content_ref)) in pages.iter().zip(&page_refs) {
        let mut content = Content::new();
        for ([x, y, w, h], gray) in &page.fills {
            content
                .set_fill_gray(*gray)
                .rect(*x, *y, *w, *h)
                .fill_nonzero();
        }
        content.set_line_width(0.5);
        for ([x1, y1, x2, y2], gray) in &page.rules {
            content
                .set_stroke_gray(*gray)
                .move_to(*x1, *y1)
                .line_to(*x2, *y2)
                .stroke();
        }
        content.begin_text();
        for run in &page.runs {
            let bold = run.style.bold;
            let font = fonts.get(bold);
            let u = &used[usize::from(bold)];
            let encoded: Vec<u8> = run
                .text
                .chars()
                .flat_map(|c| u.remapper.get(font.glyph(c)).unwrap_or(0).to_be_bytes())
                .collect();
            content
                .set_font(names[usize::from(bold)], run.style.size)
                .set_fill_gray(run.style.gray)
                .set_text_matrix([1.0, 0.0, 0.0, 1.0, run.x, run.y])
                .show(Str(&encoded));
        }
        content.end_text();
        let stream = deflate(&content.finish())?;
        pdf.stream(*content_ref, &stream)
            .filter(Filter::FlateDecode);

        let mut p = pdf.page(*page_ref);
        p.media_box(Rect::new(0.0, 0.0, width, height))
            .parent(tree)
            .contents(*content_ref);
        let mut resources = p.resources();
        let mut dict = resources.fonts();
        for (i, font_ref) in font_refs.iter().enumerate() {
            dict.pair(names[i], *font_ref);
        }
        dict.finish();
        resources.finish();
        p.finish();
    }

    let base_names = [
        "OCRGAA+NotoSans-Regular".as_bytes(),
        "OCRGAB+NotoSans-Bold".as_bytes(),
    ];
    for (i, font) in [&fonts.regular, &fonts.bold].into_iter().enumerate() {
        let u = &used[i];
        let cid_ref = alloc();
        let descriptor_ref = alloc();
        let file_ref = alloc();
        let cmap_ref = alloc();
        let base = Name(base_names[i]);
        pdf.type0_font(font_refs[i])
            .base_font(base)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_ref)
            .to_unicode(cmap_ref);
        let system = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        let mut cid = pdf.cid_font(cid_ref);
        cid.subtype(CidFontType::Type2)
            .base_font(base)
            .system_info(system)
            .font_descriptor(descriptor_ref)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let advances: Vec<f32> = u
            .remapper
            .remapped_gids()
            .map(|gid| font.advance(gid))
            .collect();
        cid.widths().consecutive(0, advances);
        cid.finish();

        let face = &font.face;
        let bbox = face.global_bounding_box();
        pdf.font_descriptor(descriptor_ref)
            .name(base)
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                font.scaled(bbox.x_min),
                font.scaled(bbox.y_min),
                font.scaled(bbox.x_max),
                font.scaled(bbox.y_max),
            ))
            .italic_angle(0.0)
            .ascent(font.scaled(face.ascender()))
            .descent(font.scaled(face.descender()))
            .cap_height(font.scaled(face.capital_height().unwrap_or(face.ascender())))
            .stem_v(if i == 1 { 140.0 } else { 80.0 })
            .font_file2(file_ref);

        let subset = subsetter::subset(font.data, 0, &u.remapper)
            .map_err(|e| PdfError::Font(e.to_string()))?;
        let packed = deflate(&subset)?;
        pdf.stream(file_ref, &packed)
            .filter(Filter::FlateDecode)
            .pair(
                Name(b"Length1"),
                i32::try_from(subset.len()).unwrap_or(i32::MAX),
            );

        let mut cmap = UnicodeCmap::new(Name(b"OrgCabinet-UTF16"), system);
        for (cid, c) in &u.chars {
            cmap.pair(*cid, *c);
        }
        pdf.cmap(cmap_ref, &cmap.finish());
    }
    Ok(pdf.finish())
}

/// PDF files read back by poppler's command-line tools (`pdfinfo`,
/// `pdftotext`; poppler-utils, installed by scripts/setup-debian.sh): an
/// independent reader for tests. A missing tool is a panic, never a pass.
pub mod poppler {
    use std::io::Write;
    use std::process::{Command, Stdio};

    /// Runs `tool` on the PDF given on its standard input.
    fn run(tool: &str, args: &[&str], pdf: &[u8]) -> String {
        let mut child = Command::new(tool)
            .args(args)
            .arg("-")
            .args(if tool == "pdftotext" {
                &["-"][..]
            } else {
                &[][..]
            })
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{tool} (poppler-utils, scripts/setup-debian.sh): {e}"));
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(pdf)
            .expect("the PDF given");
        let out = child.wait_with_output().expect("the tool's output");
        assert!(
            out.status.success(),
            "{tool}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// `pdfinfo`: title, page count, page size.
    pub fn info(pdf: &[u8]) -> String {
        run("pdfinfo", &["-enc", "UTF-8"], pdf)
    }

    /// The page count `pdfinfo` reads.
    pub fn pages(pdf: &[u8]) -> usize {
        let info = info(pdf);
        info.lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no page count in {info}"))
    }

    /// `pdftotext -layout`: the pages' text, separated by form feeds.
    pub fn text(pdf: &[u8]) -> String {
        run("pdftotext", &["-enc", "UTF-8", "-layout"], pdf)
    }

    /// The text as words: spaces of any kind and width (thin, no-break,
    /// layout) as one.
    pub fn words(pdf: &[u8]) -> String {
        text(pdf).split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Fonts {
        Fonts {
            regular: Font::load(REGULAR).unwrap(),
            bold: Font::load(BOLD).unwrap(),
        }
    }

    #[test]
    fn words_wrap_at_spaces_and_long_words_between_letters() {
        let f = fonts();
        let lines = f.wrap("Госпошлина за выдачу выписки", false, 10.0, 70.0);
        assert!(lines.len() > 1, "{lines:?}");
        for l in &lines {
            assert!(f.width(l, false, 10.0) <= 70.0, "{l}");
        }
        assert_eq!(lines.join(" "), "Госпошлина за выдачу выписки");
        let long = f.wrap("18810177260000000001", false, 10.0, 40.0);
        assert!(long.len() > 1);
        assert_eq!(long.concat(), "18810177260000000001");
        // A thin space inside an amount is not a place to break.
        let amount = f.wrap("301\u{2009}662,00\u{a0}₽", false, 10.0, 500.0);
        assert_eq!(amount, ["301\u{2009}662,00\u{a0}₽"]);
    }

    #[test]
    fn the_same_document_gives_the_same_bytes_and_starts_as_a_pdf() {
        let doc = Document {
            title: "Начисления".into(),
            landscape: true,
            blocks: vec![Block::Table {
                columns: vec![Column::left("УИН"), Column::right("Сумма, ₽")],
                rows: vec![vec!["1".into(), "10,00".into()]],
            }],
            footer: "OrgCabinet".into(),
            page_label: "Страница {page} из {pages}".into(),
            creator: "OrgCabinet".into(),
        };
        let a = render(&doc).unwrap();
        let b = render(&doc).unwrap();
        assert_eq!(a, b);
        assert!(a.starts_with(b"%PDF-"));
        assert!(
            a.len() < 60_000,
            "subset fonts, not whole files: {}",
            a.len()
        );
    }

    #[test]
    fn a_long_table_takes_more_pages_and_repeats_its_header() {
        let f = fonts();
        let mut layout = Layout::new(&f, true);
        let rows: Vec<Vec<String>> = (0..200)
            .map(|i| vec![format!("{i}"), "строка".into()])
            .collect();
        layout.table(&[Column::left("Номер"), Column::left("Текст")], &rows);
        assert!(layout.pages.len() >= 4, "{}", layout.pages.len());
        for page in &layout.pages {
            assert!(page.runs.iter().any(|r| r.text == "Номер" && r.style.bold));
            for run in &page.runs {
                assert!(
                    run.y > MARGIN + FOOTER - TABLE_SIZE,
                    "{} at {}",
                    run.text,
                    run.y
                );
            }
        }
    }
}
