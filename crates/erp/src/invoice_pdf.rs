//! An invoice as people receive it: a view of the document with the client's letterhead, and
//! that view written as a PDF.
//!
//! [`InvoiceView`] is what both the print page and the PDF show, so the two never disagree.
//! [`render`] is a pure function from the view to the bytes of an A4 PDF, written with
//! `pdf-writer` in the standard Helvetica fonts (every PDF reader has them, so nothing is
//! embedded and the text stays searchable). Content streams are left uncompressed: an invoice's
//! are a few kilobytes, and a reader (or a test) can find its text in them.

use pdf_writer::types::LineCapStyle;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use tenantry_domain::books::decimal::currency_symbol;
use tenantry_domain::books::{Amount, Docstatus, InvoiceKind, Quantity, VatCategory};
use tenantry_store::books::{BookSettings, Party};
use time::Date;

use crate::invoices::InvoiceDoc;

/// A colour as the letterhead uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// The colour used when a client has chosen none.
    pub const DEFAULT: Rgb = Rgb(0x1f, 0x6f, 0xeb);

    /// Reads `#rrggbb` (or `rrggbb`).
    pub fn parse_hex(s: &str) -> Option<Rgb> {
        let h = s.trim().trim_start_matches('#');
        if h.len() != 6 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
        Some(Rgb(byte(0)?, byte(2)?, byte(4)?))
    }

    /// `#rrggbb`, for CSS.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    fn unit(self) -> (f32, f32, f32) {
        (
            f32::from(self.0) / 255.0,
            f32::from(self.1) / 255.0,
            f32::from(self.2) / 255.0,
        )
    }
}

impl Default for Rgb {
    fn default() -> Self {
        Rgb::DEFAULT
    }
}

/// A logo for the letterhead: a baseline or progressive JPEG, placed as it is (PDF readers
/// decode JPEG themselves), with its size in pixels and whether it is greyscale (otherwise
/// colour). [`crate::branding`] stores only JPEGs the domain's checks accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    pub jpeg: Vec<u8>,
    pub width_px: u32,
    pub height_px: u32,
    pub grey: bool,
}

/// What a client's branding adds to its documents: its colour and its logo, as stored by
/// [`crate::branding`]; the default is its name as a text letterhead and the default colour.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Branding {
    pub colour: Rgb,
    pub logo: Option<Logo>,
}

/// The top of every page: who the document is from.
#[derive(Debug, Clone)]
pub struct Letterhead {
    pub company: String,
    pub address: Vec<String>,
    pub tax_id: String,
    pub colour: Rgb,
    pub logo: Option<Logo>,
}

impl Letterhead {
    pub fn new(settings: &BookSettings, branding: Branding) -> Self {
        Letterhead {
            company: settings.name.clone(),
            address: lines_of(&settings.address),
            tax_id: settings.tax_id.clone(),
            colour: branding.colour,
            logo: branding.logo,
        }
    }
}

/// The other party: who is billed (sales) or who billed (purchases).
#[derive(Debug, Clone)]
pub struct PartyBlock {
    pub heading: &'static str,
    pub name: String,
    pub address: Vec<String>,
    pub tax_id: String,
    pub email: String,
}

#[derive(Debug, Clone)]
pub struct LineView {
    pub item_code: String,
    pub description: String,
    pub qty: Quantity,
    pub rate: Amount,
    pub vat_label: &'static str,
    pub vat: Amount,
    pub net: Amount,
}

impl LineView {
    /// The quantity as the documents show it (no trailing zeros).
    pub fn qty_text(&self) -> String {
        InvoiceView::qty(self.qty)
    }
}

/// VAT at one rate: the net it is charged on and the tax.
#[derive(Debug, Clone)]
pub struct VatLine {
    pub label: &'static str,
    pub net: Amount,
    pub vat: Amount,
}

/// An invoice as its print page and its PDF show it. Money is held exactly and formatted with
/// [`InvoiceView::money`].
#[derive(Debug, Clone)]
pub struct InvoiceView {
    pub letterhead: Letterhead,
    /// "Invoice", "Credit note", "Purchase invoice", "Debit note".
    pub title: &'static str,
    pub number: String,
    /// A word to stamp on a document that is not a plain submitted one ("Draft", "Cancelled").
    pub stamp: Option<&'static str>,
    pub status: &'static str,
    pub posting_date: Date,
    pub due_date: Date,
    pub return_against: Option<String>,
    pub party: PartyBlock,
    pub currency: String,
    pub currency_symbol: String,
    pub lines: Vec<LineView>,
    pub vat_lines: Vec<VatLine>,
    pub net_total: Amount,
    pub vat_total: Amount,
    pub grand_total: Amount,
    pub paid: Amount,
    pub outstanding: Amount,
    pub remarks: String,
}

fn lines_of(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl InvoiceView {
    pub fn new(
        doc: &InvoiceDoc,
        party: &Party,
        settings: &BookSettings,
        branding: Branding,
    ) -> Self {
        let inv = &doc.invoice;
        let title = match (inv.kind, inv.is_return) {
            (InvoiceKind::Sales, false) => "Invoice",
            (InvoiceKind::Sales, true) => "Credit note",
            (InvoiceKind::Purchase, false) => "Purchase invoice",
            (InvoiceKind::Purchase, true) => "Debit note",
        };
        let stamp = match inv.docstatus {
            Docstatus::Draft => Some("Draft"),
            Docstatus::Cancelled => Some("Cancelled"),
            Docstatus::Submitted => None,
        };
        let mut address: Vec<String> = [&party.address_line1, &party.address_line2]
            .into_iter()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        let town = [party.city.trim(), party.postcode.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !town.is_empty() {
            address.push(town);
        }
        if !party.country.trim().is_empty() {
            address.push(party.country.trim().to_owned());
        }
        let vat_lines = VatCategory::ALL
            .into_iter()
            .filter_map(|c| {
                let of: Vec<_> = doc.lines.iter().filter(|l| l.vat_category == c).collect();
                (!of.is_empty()).then(|| VatLine {
                    label: c.label(),
                    net: of.iter().map(|l| l.net).sum(),
                    vat: of.iter().map(|l| l.vat).sum(),
                })
            })
            .collect();
        let outstanding = if inv.docstatus == Docstatus::Submitted {
            inv.outstanding
        } else {
            inv.grand_total
        };
        InvoiceView {
            letterhead: Letterhead::new(settings, branding),
            title,
            number: doc.name.clone(),
            stamp,
            status: doc.status.label(),
            posting_date: inv.posting_date,
            due_date: inv.due_date,
            return_against: inv.return_against.clone(),
            party: PartyBlock {
                heading: match inv.kind {
                    InvoiceKind::Sales => "Bill to",
                    InvoiceKind::Purchase => "From supplier",
                },
                name: party.name.clone(),
                address,
                tax_id: party.tax_id.clone(),
                email: party.email.clone(),
            },
            currency: settings.currency.clone(),
            currency_symbol: currency_symbol(&settings.currency),
            lines: doc
                .lines
                .iter()
                .map(|l| LineView {
                    item_code: l.item_code.clone(),
                    description: if l.description.trim().is_empty() {
                        l.item_name.clone()
                    } else {
                        l.description.clone()
                    },
                    qty: l.qty,
                    rate: l.rate,
                    vat_label: l.vat_category.label(),
                    vat: l.vat,
                    net: l.net,
                })
                .collect(),
            vat_lines,
            net_total: inv.net_total,
            vat_total: inv.vat_total,
            grand_total: inv.grand_total,
            paid: inv.grand_total - outstanding,
            outstanding,
            remarks: inv.remarks.clone(),
        }
    }

    /// An amount with the currency's symbol: `£1,234.50`, `-£3.00`.
    pub fn money(&self, a: impl std::borrow::Borrow<Amount>) -> String {
        a.borrow().with_symbol(&self.currency_symbol)
    }

    /// A quantity without trailing zeros: `2`, `1.5`, `0.125`.
    pub fn qty(q: Quantity) -> String {
        q.plain()
    }
}

// ---- the PDF ----

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const RIGHT: f32 = PAGE_W - MARGIN;
const ROW: f32 = 17.0;
/// Below this the page's rows stop (the footer sits beneath).
const BOTTOM: f32 = 80.0;

const REGULAR: Name = Name(b"F1");
const BOLD: Name = Name(b"F2");
const LOGO: Name = Name(b"Im1");

const INK: (f32, f32, f32) = (0.11, 0.15, 0.2);
const MUTED: (f32, f32, f32) = (0.36, 0.4, 0.46);
const RULE: (f32, f32, f32) = (0.82, 0.84, 0.87);

/// Helvetica's advance widths (thousandths of the font size) for ASCII 32–126, from Adobe's
/// metrics; characters outside that range count as 556 (a digit's width).
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/// Text in the fonts' WinAnsi encoding; what it cannot hold becomes `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '‚' => 0x82,
            '„' => 0x84,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '™' => 0x99,
            '\t' | '\n' | '\r' => b' ',
            _ => b'?',
        })
        .collect()
}

fn width(text: &[u8], bold: bool, size: f32) -> f32 {
    let table = if bold { &HELVETICA_BOLD } else { &HELVETICA };
    let units: u32 = text
        .iter()
        .map(|b| match b {
            32..=126 => u32::from(table[usize::from(b - 32)]),
            0x97 => 1000,
            _ => 556,
        })
        .sum();
    units as f32 * size / 1000.0
}

/// `text` cut to fit `max` points, with an ellipsis where it was cut.
fn fit(text: &str, bold: bool, size: f32, max: f32) -> Vec<u8> {
    let mut bytes = win_ansi(text);
    if width(&bytes, bold, size) <= max {
        return bytes;
    }
    let ellipsis = width(&[0x85], bold, size);
    while !bytes.is_empty() && width(&bytes, bold, size) + ellipsis > max {
        bytes.pop();
    }
    bytes.push(0x85);
    bytes
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}

/// The pages as they are drawn, top to bottom.
struct Pages {
    pages: Vec<Content>,
    /// The page being drawn on.
    at: usize,
    y: f32,
}

impl Pages {
    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.at = self.pages.len() - 1;
        self.y = PAGE_H - MARGIN - 10.0;
    }

    fn page(&mut self) -> &mut Content {
        if self.pages.is_empty() {
            self.pages.push(Content::new());
        }
        let at = self.at.min(self.pages.len() - 1);
        &mut self.pages[at]
    }

    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        x: f32,
        y: f32,
        text: &str,
        bold: bool,
        size: f32,
        colour: (f32, f32, f32),
        align: Align,
        max: f32,
    ) {
        let bytes = fit(text, bold, size, max);
        let x = match align {
            Align::Left => x,
            Align::Right => x - width(&bytes, bold, size),
        };
        let c = self.page();
        c.begin_text();
        c.set_font(if bold { BOLD } else { REGULAR }, size);
        c.set_fill_rgb(colour.0, colour.1, colour.2);
        c.next_line(x, y);
        c.show(Str(&bytes));
        c.end_text();
    }

    fn rule(&mut self, y: f32, colour: (f32, f32, f32), w: f32) {
        let c = self.page();
        c.set_stroke_rgb(colour.0, colour.1, colour.2);
        c.set_line_width(w);
        c.set_line_cap(LineCapStyle::ButtCap);
        c.move_to(MARGIN, y);
        c.line_to(RIGHT, y);
        c.stroke();
    }

    fn fill(&mut self, x: f32, y: f32, w: f32, h: f32, colour: (f32, f32, f32)) {
        let c = self.page();
        c.set_fill_rgb(colour.0, colour.1, colour.2);
        c.rect(x, y, w, h);
        c.fill_nonzero();
    }
}

/// Where the line table's columns are: description from the left margin, the rest right-aligned
/// at these x positions (VAT's label left-aligned).
const COL_QTY: f32 = 330.0;
const COL_RATE: f32 = 405.0;
const COL_VAT: f32 = 415.0;
const COL_NET: f32 = RIGHT - 6.0;

fn table_header(p: &mut Pages, v: &InvoiceView) {
    let colour = v.letterhead.colour.unit();
    let y = p.y;
    p.fill(MARGIN, y - 6.0, RIGHT - MARGIN, ROW + 2.0, colour);
    let white = (1.0, 1.0, 1.0);
    p.text(
        MARGIN + 6.0,
        y,
        "Description",
        true,
        9.0,
        white,
        Align::Left,
        200.0,
    );
    p.text(COL_QTY, y, "Qty", true, 9.0, white, Align::Right, 60.0);
    p.text(
        COL_RATE,
        y,
        "Unit price",
        true,
        9.0,
        white,
        Align::Right,
        70.0,
    );
    p.text(COL_VAT, y, "VAT", true, 9.0, white, Align::Left, 60.0);
    p.text(COL_NET, y, "Net", true, 9.0, white, Align::Right, 70.0);
    p.y -= ROW + 4.0;
}

/// Starts a following page: a short heading naming the document, then the table's header.
fn continuation(p: &mut Pages, v: &InvoiceView) {
    p.new_page();
    let colour = v.letterhead.colour.unit();
    let label = format!("{} {} (continued)", v.title, v.number);
    p.text(
        MARGIN,
        p.y,
        &v.letterhead.company,
        true,
        12.0,
        colour,
        Align::Left,
        300.0,
    );
    p.text(RIGHT, p.y, &label, false, 9.0, MUTED, Align::Right, 240.0);
    p.y -= 30.0;
    table_header(p, v);
}

fn header(p: &mut Pages, v: &InvoiceView) {
    let colour = v.letterhead.colour.unit();
    p.fill(0.0, PAGE_H - 8.0, PAGE_W, 8.0, colour);
    let top = PAGE_H - MARGIN;
    // The letterhead: the logo when the client has one, otherwise its name as text.
    let mut y = top;
    match &v.letterhead.logo {
        Some(logo) if logo.width_px > 0 && logo.height_px > 0 => {
            let h = 48.0_f32;
            let w = (h * logo.width_px as f32 / logo.height_px as f32).min(220.0);
            let c = p.page();
            c.save_state();
            c.transform([w, 0.0, 0.0, h, MARGIN, top - h + 12.0]);
            c.x_object(LOGO);
            c.restore_state();
            y -= h;
        }
        _ => {
            p.text(
                MARGIN,
                y,
                &v.letterhead.company,
                true,
                18.0,
                colour,
                Align::Left,
                300.0,
            );
            y -= 18.0;
        }
    }
    for line in &v.letterhead.address {
        p.text(MARGIN, y, line, false, 9.0, MUTED, Align::Left, 280.0);
        y -= 12.0;
    }
    if !v.letterhead.tax_id.is_empty() {
        let vat = format!("VAT number {}", v.letterhead.tax_id);
        p.text(MARGIN, y, &vat, false, 9.0, MUTED, Align::Left, 280.0);
        y -= 12.0;
    }

    // The document's title and facts, on the right.
    let mut r = top;
    p.text(
        RIGHT,
        r,
        &v.title.to_uppercase(),
        true,
        20.0,
        colour,
        Align::Right,
        220.0,
    );
    r -= 24.0;
    let mut facts: Vec<(&str, String)> = vec![
        ("Number", v.number.clone()),
        ("Date", v.posting_date.to_string()),
        ("Due", v.due_date.to_string()),
    ];
    if let Some(against) = &v.return_against {
        facts.push(("Against", against.clone()));
    }
    for (label, value) in facts {
        p.text(
            RIGHT - 120.0,
            r,
            label,
            false,
            9.0,
            MUTED,
            Align::Right,
            80.0,
        );
        p.text(RIGHT, r, &value, true, 9.0, INK, Align::Right, 115.0);
        r -= 13.0;
    }
    if let Some(stamp) = v.stamp {
        p.text(
            RIGHT,
            r - 4.0,
            &stamp.to_uppercase(),
            true,
            14.0,
            (0.72, 0.1, 0.1),
            Align::Right,
            200.0,
        );
        r -= 20.0;
    }

    // The party.
    let mut y = y.min(r) - 22.0;
    p.text(
        MARGIN,
        y,
        &v.party.heading.to_uppercase(),
        true,
        8.0,
        MUTED,
        Align::Left,
        200.0,
    );
    y -= 14.0;
    p.text(
        MARGIN,
        y,
        &v.party.name,
        true,
        11.0,
        INK,
        Align::Left,
        300.0,
    );
    y -= 13.0;
    for line in &v.party.address {
        p.text(MARGIN, y, line, false, 9.0, INK, Align::Left, 300.0);
        y -= 12.0;
    }
    if !v.party.tax_id.is_empty() {
        let vat = format!("VAT number {}", v.party.tax_id);
        p.text(MARGIN, y, &vat, false, 9.0, MUTED, Align::Left, 300.0);
        y -= 12.0;
    }
    p.y = y - 18.0;
}

fn line_row(p: &mut Pages, v: &InvoiceView, l: &LineView) {
    let y = p.y;
    let description = if l.description == l.item_code || l.item_code.is_empty() {
        l.description.clone()
    } else {
        format!("{} — {}", l.item_code, l.description)
    };
    p.text(
        MARGIN + 6.0,
        y,
        &description,
        false,
        9.0,
        INK,
        Align::Left,
        COL_QTY - 70.0 - MARGIN,
    );
    p.text(
        COL_QTY,
        y,
        &InvoiceView::qty(l.qty),
        false,
        9.0,
        INK,
        Align::Right,
        60.0,
    );
    p.text(
        COL_RATE,
        y,
        &v.money(l.rate),
        false,
        9.0,
        INK,
        Align::Right,
        70.0,
    );
    p.text(
        COL_VAT,
        y,
        l.vat_label,
        false,
        9.0,
        MUTED,
        Align::Left,
        60.0,
    );
    p.text(
        COL_NET,
        y,
        &v.money(l.net),
        false,
        9.0,
        INK,
        Align::Right,
        80.0,
    );
    p.rule(y - 6.0, RULE, 0.5);
    p.y -= ROW;
}

fn totals(p: &mut Pages, v: &InvoiceView) {
    let colour = v.letterhead.colour.unit();
    let label_x = RIGHT - 130.0;
    let mut rows: Vec<(String, Amount, bool)> = vec![("Net total".into(), v.net_total, false)];
    if v.vat_lines.len() > 1 {
        for l in &v.vat_lines {
            rows.push((format!("{} on {}", l.label, v.money(l.net)), l.vat, false));
        }
    }
    rows.push(("VAT".into(), v.vat_total, false));
    rows.push(("Total".into(), v.grand_total, true));
    if v.stamp.is_none() && !v.paid.is_zero() {
        rows.push(("Paid".into(), v.paid, false));
        rows.push(("Amount due".into(), v.outstanding, true));
    }
    p.y -= 6.0;
    for (label, amount, strong) in rows {
        let ink = if strong { colour } else { INK };
        p.text(
            label_x,
            p.y,
            &label,
            strong,
            if strong { 11.0 } else { 9.0 },
            if strong { ink } else { MUTED },
            Align::Right,
            200.0,
        );
        p.text(
            RIGHT - 6.0,
            p.y,
            &v.money(amount),
            strong,
            if strong { 11.0 } else { 9.0 },
            ink,
            Align::Right,
            110.0,
        );
        p.y -= if strong { 17.0 } else { 14.0 };
    }
    if !v.remarks.trim().is_empty() {
        p.y -= 10.0;
        p.text(MARGIN, p.y, "NOTES", true, 8.0, MUTED, Align::Left, 200.0);
        p.y -= 13.0;
        for line in v
            .remarks
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .take(8)
        {
            p.text(
                MARGIN,
                p.y,
                line,
                false,
                9.0,
                INK,
                Align::Left,
                RIGHT - MARGIN,
            );
            p.y -= 12.0;
        }
    }
}

/// Rows of totals and notes the last page needs below the lines.
fn totals_height(v: &InvoiceView) -> f32 {
    let notes = v
        .remarks
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(8)
        .count() as f32;
    6.0 + 17.0 * 3.0
        + 14.0 * (2 + v.vat_lines.len()) as f32
        + if notes > 0.0 {
            23.0 + 12.0 * notes
        } else {
            0.0
        }
}

fn footer(p: &mut Pages, v: &InvoiceView, page: usize, pages: usize) {
    p.at = page - 1;
    let mut who = v.letterhead.company.clone();
    if !v.letterhead.tax_id.is_empty() {
        who.push_str(&format!(" · VAT number {}", v.letterhead.tax_id));
    }
    p.rule(BOTTOM - 30.0, RULE, 0.5);
    p.text(
        MARGIN,
        BOTTOM - 44.0,
        &who,
        false,
        8.0,
        MUTED,
        Align::Left,
        380.0,
    );
    let n = format!("{} · page {page} of {pages}", v.number);
    p.text(
        RIGHT,
        BOTTOM - 44.0,
        &n,
        false,
        8.0,
        MUTED,
        Align::Right,
        160.0,
    );
}

/// The invoice as an A4 PDF.
pub fn render(v: &InvoiceView) -> Vec<u8> {
    let mut p = Pages {
        pages: vec![Content::new()],
        at: 0,
        y: PAGE_H - MARGIN,
    };
    header(&mut p, v);
    table_header(&mut p, v);
    for line in &v.lines {
        if p.y - ROW < BOTTOM {
            continuation(&mut p, v);
        }
        line_row(&mut p, v, line);
    }
    if p.y - totals_height(v) < BOTTOM {
        p.new_page();
    }
    totals(&mut p, v);

    let count = p.pages.len();
    for page in 1..=count {
        footer(&mut p, v, page, count);
    }

    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let logo_ref = Ref::new(6);
    let first_page = 7;
    let page_refs: Vec<Ref> = (0..count)
        .map(|i| Ref::new(first_page + 2 * i as i32))
        .collect();

    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_refs.iter().copied())
        .count(count as i32);
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    let title = format!("{} {}", v.title, v.number);
    pdf.document_info(info)
        .title(TextStr(&title))
        .author(TextStr(&v.letterhead.company))
        .creator(TextStr("Tenantry"));
    let logo = v
        .letterhead
        .logo
        .as_ref()
        .filter(|l| l.width_px > 0 && l.height_px > 0);
    if let Some(l) = logo {
        let mut image = pdf.image_xobject(logo_ref, &l.jpeg);
        image.filter(Filter::DctDecode);
        image.width(l.width_px as i32);
        image.height(l.height_px as i32);
        image.color_space_name(Name(if l.grey {
            b"DeviceGray".as_slice()
        } else {
            b"DeviceRGB".as_slice()
        }));
        image.bits_per_component(8);
        image.finish();
    }
    for (i, content) in p.pages.into_iter().enumerate() {
        let page_ref = page_refs[i];
        let content_ref = Ref::new(page_ref.get() + 1);
        let mut page = pdf.page(page_ref);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(content_ref);
        let mut resources = page.resources();
        resources.fonts().pair(REGULAR, regular).pair(BOLD, bold);
        if logo.is_some() && i == 0 {
            resources.x_objects().pair(LOGO, logo_ref);
        }
        resources.finish();
        page.finish();
        pdf.stream(content_ref, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use time::macros::date;

    fn view(lines: usize) -> InvoiceView {
        let line = |i: usize| LineView {
            item_code: format!("ITEM-{i}"),
            description: format!("Widget number {i} (blue)"),
            qty: Quantity(1_500),
            rate: Amount(1_000),
            vat_label: "VAT 20%",
            vat: Amount(300),
            net: Amount(1_500),
        };
        let n = lines as i64;
        InvoiceView {
            letterhead: Letterhead {
                company: "ACME Corp".into(),
                address: vec!["1 High Street".into(), "Leeds LS1 1AA".into()],
                tax_id: "GB123456789".into(),
                colour: Rgb::DEFAULT,
                logo: None,
            },
            title: "Invoice",
            number: "SINV-2026-00042".into(),
            stamp: None,
            status: "Unpaid",
            posting_date: date!(2026 - 03 - 01),
            due_date: date!(2026 - 03 - 31),
            return_against: None,
            party: PartyBlock {
                heading: "Bill to",
                name: "Café Übel & Söhne".into(),
                address: vec!["2 Low Road".into()],
                tax_id: String::new(),
                email: String::new(),
            },
            currency: "GBP".into(),
            currency_symbol: "£".into(),
            lines: (1..=lines).map(line).collect(),
            vat_lines: vec![VatLine {
                label: "VAT 20%",
                net: Amount(1_500 * n),
                vat: Amount(300 * n),
            }],
            net_total: Amount(1_500 * n),
            vat_total: Amount(300 * n),
            grand_total: Amount(1_800 * n),
            paid: Amount::ZERO,
            outstanding: Amount(1_800 * n),
            remarks: "Thank you (really)\nPay by transfer".into(),
        }
    }

    /// Every string shown in the PDF's content streams, decoded from WinAnsi, in order.
    fn shown_text(pdf: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < pdf.len() {
            match pdf[i] {
                b'(' => {
                    let mut s = Vec::new();
                    let mut depth = 1;
                    i += 1;
                    while i < pdf.len() {
                        match pdf[i] {
                            b'\\' => {
                                i += 1;
                                match pdf[i] {
                                    b'n' => s.push(b'\n'),
                                    b'0'..=b'7' => {
                                        let mut v = 0u32;
                                        let mut k = 0;
                                        while k < 3 && (b'0'..=b'7').contains(&pdf[i]) {
                                            v = v * 8 + u32::from(pdf[i] - b'0');
                                            i += 1;
                                            k += 1;
                                        }
                                        i -= 1;
                                        s.push(v as u8);
                                    }
                                    c => s.push(c),
                                }
                            }
                            b'(' => {
                                depth += 1;
                                s.push(b'(');
                            }
                            b')' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                                s.push(b')');
                            }
                            c => s.push(c),
                        }
                        i += 1;
                    }
                    out.push(s);
                }
                b'<' if pdf.get(i + 1) != Some(&b'<')
                    && pdf.get(i.wrapping_sub(1)) != Some(&b'<') =>
                {
                    let end = pdf[i..].iter().position(|b| *b == b'>').unwrap() + i;
                    let hex: Vec<u8> = pdf[i + 1..end]
                        .iter()
                        .copied()
                        .filter(u8::is_ascii_hexdigit)
                        .collect();
                    let bytes = hex
                        .chunks(2)
                        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
                        .collect();
                    out.push(bytes);
                    i = end;
                }
                _ => {}
            }
            i += 1;
        }
        out.into_iter()
            .map(|b| {
                b.into_iter()
                    .map(|c| match c {
                        0x85 => '…',
                        0x96 => '–',
                        0x97 => '—',
                        0x80 => '€',
                        c => char::from(c),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn money_is_grouped_with_its_symbol() {
        let v = view(1);
        assert_eq!(v.money(Amount(123_456_789)), "£1,234,567.89");
        assert_eq!(v.money(Amount(-300)), "-£3.00");
        assert_eq!(v.money(Amount(5)), "£0.05");
        assert_eq!(InvoiceView::qty(Quantity(1_500)), "1.5");
        assert_eq!(InvoiceView::qty(Quantity(2_000)), "2");
        assert_eq!(Rgb::parse_hex("#1F6FEB"), Some(Rgb::DEFAULT));
        assert_eq!(Rgb::DEFAULT.hex(), "#1f6feb");
        assert_eq!(Rgb::parse_hex("#12345"), None);
    }

    #[test]
    fn the_pdf_holds_the_number_party_lines_and_totals() {
        let v = view(3);
        let pdf = render(&v);
        assert!(pdf.starts_with(b"%PDF-1."), "a PDF header");
        let tail = String::from_utf8_lossy(&pdf[pdf.len() - 64..]).into_owned();
        assert!(
            tail.contains("startxref") && tail.trim_end().ends_with("%%EOF"),
            "{tail}"
        );
        let raw = String::from_utf8_lossy(&pdf);
        assert!(raw.contains("/BaseFont /Helvetica"));
        assert!(raw.contains("/Type /Page"));
        assert_eq!(
            raw.matches("/Type /Page\n").count() + raw.matches("/Type /Page ").count(),
            1
        );
        let text = shown_text(&pdf);
        let has = |s: &str| text.iter().any(|t| t.contains(s));
        for expected in [
            "ACME Corp",
            "1 High Street",
            "VAT number GB123456789",
            "INVOICE",
            "SINV-2026-00042",
            "2026-03-01",
            "2026-03-31",
            "Café Übel & Söhne",
            "ITEM-2 — Widget number 2 (blue)",
            "1.5",
            "£10.00",
            "£15.00",
            "£45.00",
            "£9.00",
            "£54.00",
            "Thank you (really)",
            "page 1 of 1",
        ] {
            assert!(has(expected), "{expected:?} not in {text:?}");
        }
        assert!(!has("DRAFT"));
    }

    /// The cross-reference table points at each object, and `startxref` at the table: what a
    /// reader needs to open the file.
    #[test]
    fn the_cross_reference_table_points_at_every_object() {
        let pdf = render(&view(40));
        let text = String::from_utf8_lossy(&pdf).into_owned();
        let at = text.rfind("startxref").unwrap();
        let offset: usize = text[at + 9..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            pdf[offset..].starts_with(b"xref"),
            "startxref points at the table"
        );
        let table = String::from_utf8_lossy(&pdf[offset..]).into_owned();
        let mut lines = table.lines().skip(1);
        let header: Vec<usize> = lines
            .next()
            .unwrap()
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        let (first, count) = (header[0], header[1]);
        assert!(count > 5);
        for (i, entry) in lines.take(count).enumerate() {
            let fields: Vec<&str> = entry.split_whitespace().collect();
            if fields[2] != "n" {
                continue;
            }
            let object_at: usize = fields[0].parse().unwrap();
            let expected = format!("{} 0 obj", first + i);
            assert!(
                pdf[object_at..].starts_with(expected.as_bytes()),
                "object {} is where the table says",
                first + i
            );
        }
    }

    /// Where poppler's pdftotext is installed (Debian's poppler-utils), it reads the text back
    /// as a reader would; elsewhere this says so and checks nothing more.
    #[test]
    fn pdftotext_reads_it_where_installed() {
        let file =
            std::env::temp_dir().join(format!("tenantry-invoice-{}.pdf", std::process::id()));
        std::fs::write(&file, render(&view(2))).unwrap();
        let out = std::process::Command::new("pdftotext")
            .arg(&file)
            .arg("-")
            .output();
        let _ = std::fs::remove_file(&file);
        match out {
            Err(_) => eprintln!("pdftotext is not installed: skipped"),
            Ok(out) => {
                assert!(out.status.success());
                let text = String::from_utf8_lossy(&out.stdout);
                for expected in ["SINV-2026-00042", "Café Übel & Söhne", "£30.00", "£36.00"] {
                    assert!(text.contains(expected), "{expected:?} not in {text}");
                }
            }
        }
    }

    #[test]
    fn long_invoices_run_over_pages_and_drafts_are_stamped() {
        let mut v = view(120);
        v.stamp = Some("Draft");
        let pdf = render(&v);
        let text = shown_text(&pdf);
        let has = |s: &str| text.iter().any(|t| t.contains(s));
        assert!(has("DRAFT"));
        assert!(has("ITEM-120 — Widget number 120 (blue)"));
        assert!(has("Invoice SINV-2026-00042 (continued)"));
        let pages = text.iter().filter(|t| t.contains(" · page ")).count();
        assert!(pages >= 3, "{pages} pages");
        assert!(has(&format!("page {pages} of {pages}")));
        assert!(has("£2,160.00"), "the grand total of 120 lines");
    }

    #[test]
    fn text_outside_win_ansi_is_replaced_and_long_text_is_cut() {
        assert_eq!(win_ansi("a€b✓"), vec![b'a', 0x80, b'b', b'?']);
        let cut = fit(&"W".repeat(200), false, 9.0, 100.0);
        assert_eq!(cut.last(), Some(&0x85));
        assert!(width(&cut, false, 9.0) <= 100.0);
    }

    #[test]
    fn a_logo_is_placed_when_there_is_one() {
        let mut v = view(1);
        v.letterhead.logo = Some(Logo {
            jpeg: vec![0xff, 0xd8, 0xff, 0xd9],
            width_px: 200,
            height_px: 100,
            grey: false,
        });
        let raw = String::from_utf8_lossy(&render(&v)).into_owned();
        assert!(raw.contains("/Subtype /Image"));
        assert!(raw.contains("/Filter /DCTDecode"));
        assert!(raw.contains("/ColorSpace /DeviceRGB"));
        assert!(raw.contains("/Im1 Do"));
        if let Some(l) = v.letterhead.logo.as_mut() {
            l.grey = true;
        }
        let raw = String::from_utf8_lossy(&render(&v)).into_owned();
        assert!(raw.contains("/ColorSpace /DeviceGray"));
    }
}
