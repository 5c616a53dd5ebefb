//! Human-readable tables that fit the terminal.
//!
//! Every table is drawn for a width ([`width`]: `COLUMNS` when set, else
//! the terminal's when standard output is one, else 80). Columns holding
//! ids (issue types, factors, checks) are as wide as their widest value and
//! never cut; one column of prose per table (a catalog title, a name)
//! takes the room left and wraps, or moves under its row when too little is
//! left. Values from input are escaped and bounded ([`posture_core::echo`])
//! before they reach a cell. An empty result says so in words, never with
//! a blank line.

use posture::{Catalog, Improvement, Scorecard};
use posture_core::echo;
use rust_decimal::Decimal;
use std::fmt::Write;
use std::io::IsTerminal;

/// Width of a score bar in cells.
const BAR: usize = 20;

/// Width used when standard output is not a terminal and `COLUMNS` is not
/// set (contracts: 80 columns).
pub const DEFAULT_WIDTH: usize = 80;

/// Narrowest width drawn for: below it, tables keep this layout and lines
/// may run over.
const MIN_WIDTH: usize = 40;

/// Widest width drawn for.
const MAX_WIDTH: usize = 400;

/// Narrowest a wrapping column may get beside its row; with less room its
/// text moves under the row.
const MIN_FLEX: usize = 18;

/// The width tables are drawn for: `COLUMNS` when it is set to a number,
/// else the terminal's when standard output is one, else
/// [`DEFAULT_WIDTH`]; kept within 40..=400.
pub fn width() -> usize {
    let from_env = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0);
    let w = from_env.unwrap_or_else(|| {
        let stdout = std::io::stdout();
        if stdout.is_terminal() {
            terminal_size::terminal_size_of(&stdout)
                .map_or(DEFAULT_WIDTH, |(w, _)| usize::from(w.0))
        } else {
            DEFAULT_WIDTH
        }
    });
    w.clamp(MIN_WIDTH, MAX_WIDTH)
}

/// A bar of `BAR` cells filled in proportion to `fraction` (0..=1).
pub fn bar(fraction: Decimal) -> String {
    let cells = (fraction * Decimal::from(BAR as u32 * 8))
        .round()
        .to_string()
        .parse::<usize>()
        .unwrap_or(0)
        .min(BAR * 8);
    let full = cells / 8;
    let part = cells % 8;
    let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let mut s = "█".repeat(full);
    if full < BAR {
        s.push_str(partials[part]);
        let used = full + usize::from(part > 0);
        s.push_str(&"·".repeat(BAR - used));
    }
    s
}

/// A value from input as cell text: escaped and bounded.
pub fn cell(s: &str) -> String {
    echo(s).to_string()
}

/// Display width of `s` (one column per character: the tables' own
/// glyphs, ids and catalog text are all narrow).
fn cols(s: &str) -> usize {
    s.chars().count()
}

/// `text` in lines of at most `width` columns, broken at spaces; a word
/// longer than a line is split (never dropped). At least one line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word: &str = word;
        loop {
            let need = cols(word) + usize::from(!line.is_empty());
            if cols(&line) + need <= width {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                break;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word wider than a whole line: split it.
            let cut = word
                .char_indices()
                .nth(width)
                .map_or(word.len(), |(i, _)| i);
            let (head, rest) = word.split_at(cut);
            lines.push(head.to_owned());
            if rest.is_empty() {
                break;
            }
            word = rest;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` after `lead`, wrapped to `width` columns, each continuation line
/// indented as far as `lead` is long. `text` is escaped first.
pub fn wrapped(lead: &str, text: &str, width: usize) -> String {
    let indent = cols(lead);
    let room = width.saturating_sub(indent).max(20);
    let mut out = String::new();
    for (i, line) in wrap(&posture_core::escape_controls(text), room)
        .iter()
        .enumerate()
    {
        if i == 0 {
            out.push_str(lead);
        } else {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// How a column is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// As wide as its widest value, padded on the right (ids, words).
    Left,
    /// As wide as its widest value, padded on the left (numbers).
    Right,
    /// Prose: takes the room left and wraps (one per table).
    Wrap,
}

/// One column of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub struct Col {
    head: &'static str,
    kind: Kind,
}

/// A left-aligned column.
pub const fn left(head: &'static str) -> Col {
    Col {
        head,
        kind: Kind::Left,
    }
}

/// A right-aligned column.
pub const fn right(head: &'static str) -> Col {
    Col {
        head,
        kind: Kind::Right,
    }
}

/// The wrapping column.
pub const fn prose(head: &'static str) -> Col {
    Col {
        head,
        kind: Kind::Wrap,
    }
}

/// Rows under column heads, laid out for a width by [`Table::layout`].
#[derive(Debug)]
pub struct Table {
    indent: usize,
    cols: Vec<Col>,
    heads: bool,
    rows: Vec<Vec<String>>,
}

/// Column gap.
const GAP: &str = "  ";

impl Table {
    /// A table indented by `indent` columns; heads are printed when any
    /// column has one.
    pub fn new(indent: usize, cols: &[Col]) -> Table {
        Table {
            indent,
            cols: cols.to_vec(),
            heads: cols.iter().any(|c| !c.head.is_empty()),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are empty).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Whether it has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Column widths for `width`, from every row.
    pub fn layout(&self, width: usize) -> Layout {
        let natural: Vec<usize> = self
            .cols
            .iter()
            .enumerate()
            .map(|(i, c)| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|s| cols(s))
                    .chain(std::iter::once(if self.heads { cols(c.head) } else { 0 }))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let flex = self.cols.iter().position(|c| c.kind == Kind::Wrap);
        let fixed: usize = natural
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != flex)
            .map(|(_, w)| *w)
            .sum();
        let shown = self.cols.len() - usize::from(flex.is_some());
        let gaps = GAP.len() * shown.saturating_sub(1);
        let mut widths = natural.clone();
        let mut below = None;
        if let Some(f) = flex {
            let used = self.indent + fixed + gaps + GAP.len() * usize::from(shown > 0);
            let room = width.saturating_sub(used);
            if room >= natural[f] {
                widths[f] = natural[f];
            } else if room >= MIN_FLEX {
                widths[f] = room;
            } else {
                // Too little room beside the row: the prose goes under it,
                // indented a little more than the row.
                let indent = self.indent + 4;
                below = Some((indent, width.saturating_sub(indent).max(MIN_FLEX)));
                widths[f] = 0;
            }
        }
        Layout {
            indent: self.indent,
            cols: self.cols.clone(),
            widths,
            flex,
            below,
        }
    }

    /// The heads (when there are any) and every row, for `width`.
    pub fn render(&self, width: usize) -> String {
        let layout = self.layout(width);
        let mut s = String::new();
        if self.heads {
            s.push_str(&layout.heads());
        }
        for r in &self.rows {
            s.push_str(&layout.row(r));
        }
        s
    }
}

/// A [`Table`]'s widths, to draw its rows (or rows in its shape) one by one.
#[derive(Debug, Clone)]
pub struct Layout {
    indent: usize,
    cols: Vec<Col>,
    widths: Vec<usize>,
    flex: Option<usize>,
    /// Where the prose goes when it is not beside its row: its indent and
    /// width.
    below: Option<(usize, usize)>,
}

impl Layout {
    /// The heads line.
    pub fn heads(&self) -> String {
        let heads: Vec<String> = self
            .cols
            .iter()
            .enumerate()
            .map(|(i, c)| {
                // Prose under its row has no head of its own.
                if Some(i) == self.flex && self.below.is_some() {
                    String::new()
                } else {
                    c.head.to_owned()
                }
            })
            .collect();
        self.row(&heads)
    }

    /// One row, wrapped where its prose needs more than one line.
    pub fn row(&self, cells: &[String]) -> String {
        let empty = String::new();
        let get = |i: usize| cells.get(i).unwrap_or(&empty);
        let prose: Vec<String> = match (self.flex, self.below) {
            (Some(f), None) => wrap(get(f), self.widths[f].max(1)),
            _ => vec![String::new()],
        };
        let mut out = String::new();
        for (n, text) in prose.iter().enumerate() {
            let mut line = " ".repeat(self.indent);
            let mut first = true;
            for (i, c) in self.cols.iter().enumerate() {
                if Some(i) == self.flex && self.below.is_some() {
                    continue;
                }
                if !first {
                    line.push_str(GAP);
                }
                first = false;
                let w = self.widths[i];
                let value: &str = if Some(i) == self.flex {
                    text
                } else if n == 0 {
                    get(i)
                } else {
                    ""
                };
                let pad = " ".repeat(w.saturating_sub(cols(value)));
                if c.kind == Kind::Right {
                    line.push_str(&pad);
                    line.push_str(value);
                } else {
                    line.push_str(value);
                    line.push_str(&pad);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        if let (Some(f), Some((indent, w))) = (self.flex, self.below) {
            let text = get(f);
            if !text.is_empty() {
                for l in wrap(text, w) {
                    let _ = writeln!(out, "{}{l}", " ".repeat(indent));
                }
            }
        }
        out
    }
}

/// An instant for people: to the second (JSON keeps full precision).
pub fn when(t: posture::Timestamp) -> String {
    t.0.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A decimal with two places: `+0.00`, not `+0`.
fn two_places(d: Decimal) -> Decimal {
    let mut d = d.round_dp(2);
    d.rescale(2);
    d
}

fn opt(d: Option<Decimal>) -> String {
    d.map_or_else(|| "—".to_owned(), |d| d.to_string())
}

/// A count of things: `1 asset`, `3 assets`.
pub fn count(n: impl Into<u128>, one: &str, many: &str) -> String {
    let n: u128 = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The catalog title of `issue` (escaped and bounded), or nothing.
fn title(catalog: Option<&Catalog>, issue: &str) -> String {
    catalog
        .and_then(|c| c.get(issue))
        .map(|(_, t)| cell(&t.title))
        .unwrap_or_default()
}

/// A heading line: `left` wrapped in the room `right` leaves, `right` at
/// the end of the first line.
fn heading(left: &str, right: &str, width: usize) -> String {
    let mut t = Table::new(0, &[prose(""), self::right("")]);
    t.row(vec![left.to_owned(), right.to_owned()]);
    t.render(width)
}

/// One scorecard, for [`width`], with the titles of the built-in catalog.
pub fn scorecard(c: &Scorecard) -> String {
    let builtin = Catalog::builtin();
    scorecard_for(c, Some(&builtin), width())
}

/// One scorecard for `width` columns, with the titles of `catalog`.
pub fn scorecard_for(c: &Scorecard, catalog: Option<&Catalog>, width: usize) -> String {
    let mut s = String::new();
    let scale = if c.scale == posture::Scale::Hundred {
        String::new()
    } else {
        format!(" ({})", c.scale)
    };
    let cat = c
        .category
        .as_deref()
        .map(|x| format!(" {x}"))
        .unwrap_or_default();
    s.push_str(&heading(
        &cell(&c.organization),
        &format!("{}{} grade {}", opt(c.score), cat, c.grade),
        width,
    ));
    let likelihood = c
        .breach_likelihood
        .map_or_else(|| "n/a".to_owned(), |l| format!("{l}x grade A"));
    s.push_str(&wrapped(
        "  ",
        &format!(
            "as of {} · {} · breach likelihood {}{}",
            when(c.as_of),
            count(c.footprint_size, "asset", "assets"),
            likelihood,
            scale
        ),
        width,
    ));
    if c.score.is_none() {
        s.push_str(&wrapped(
            "  ",
            "not rated: insufficient data (no findings and no assessed factors)",
            width,
        ));
        return s;
    }
    let mut factors = Table::new(2, &[left(""), right(""), left(""), left("")]);
    if let Some(f) = c.fraction {
        factors.row(vec!["overall".into(), opt(c.score), bar(f), String::new()]);
    }
    for f in &c.factors {
        if f.assessed {
            let note = match f.issues.len() {
                0 => String::new(),
                n => count(n as u64, "issue", "issues"),
            };
            factors.row(vec![
                f.factor.as_str().into(),
                f.score.to_string(),
                bar(f.fraction),
                note,
            ]);
        } else {
            factors.row(vec![
                f.factor.as_str().into(),
                "—".into(),
                "not assessed".into(),
                String::new(),
            ]);
        }
    }
    let mut issues = Table::new(6, &[left(""), prose(""), left(""), right(""), right("")]);
    let issue_row = |i: &posture::score::IssueScore| {
        vec![
            cell(&i.issue),
            title(catalog, &i.issue),
            i.severity.as_str().to_owned(),
            count(i.affected_assets, "asset", "assets"),
            format!("-{}%", (i.penalty * Decimal::ONE_HUNDRED).round_dp(2)),
        ]
    };
    for f in &c.factors {
        for i in &f.issues {
            issues.row(issue_row(i));
        }
    }
    let rows = factors.layout(width);
    let issue_rows = issues.layout(width);
    let mut lines = factors.rows.iter();
    if c.fraction.is_some() {
        if let Some(r) = lines.next() {
            s.push_str(&rows.row(r));
        }
    }
    for (f, r) in c.factors.iter().zip(lines) {
        s.push_str(&rows.row(r));
        for i in &f.issues {
            s.push_str(&issue_rows.row(&issue_row(i)));
        }
    }
    if issues.is_empty() {
        s.push_str("  no findings\n");
    }
    s
}

/// One improvement, for [`width`], with the titles of the built-in catalog.
pub fn plan(p: &Improvement) -> String {
    let builtin = Catalog::builtin();
    improvement_for(p, Some(&builtin), width())
}

/// One improvement for `width` columns, with the titles of `catalog`.
pub fn improvement_for(p: &Improvement, catalog: Option<&Catalog>, width: usize) -> String {
    let mut s = String::new();
    let verdict = if p.reachable {
        "reachable"
    } else {
        "NOT reachable"
    };
    s.push_str(&wrapped(
        "",
        &format!(
            "{}: {} ({}) → target {}: {}",
            cell(&p.organization),
            p.current_score,
            p.current_grade,
            p.target,
            verdict
        ),
        width,
    ));
    if p.steps.is_empty() {
        s.push_str(if p.reachable {
            "  nothing to fix: the target is already met\n"
        } else {
            "  nothing to fix raises the score\n"
        });
        return s;
    }
    let mut t = Table::new(
        2,
        &[
            right("#"),
            left("fix every finding of"),
            prose("title"),
            left("severity"),
            right("assets"),
            right("score"),
            left("grade"),
        ],
    );
    for (n, st) in p.steps.iter().enumerate() {
        t.row(vec![
            (n + 1).to_string(),
            cell(&st.issue),
            title(catalog, &st.issue),
            st.severity.as_str().to_owned(),
            st.affected_assets.to_string(),
            st.projected_score.to_string(),
            st.projected_grade.to_string(),
        ]);
    }
    s.push_str(&t.render(width));
    let _ = writeln!(s, "  final: {} ({})", p.final_score, p.final_grade);
    s
}

/// One portfolio's CSR, for [`width`].
pub fn csr(r: &posture::CsrResult) -> String {
    csr_for(r, width())
}

/// One portfolio's CSR for `width` columns.
pub fn csr_for(r: &posture::CsrResult, width: usize) -> String {
    let mut s = String::new();
    s.push_str(&heading(
        &format!("{} portfolio (CSR)", cell(&r.organization)),
        &format!("{} grade {}", opt(r.csr), r.grade),
        width,
    ));
    match r.fraction {
        Some(f) => {
            let _ = writeln!(s, "  as of {}  {}", when(r.as_of), bar(f));
        }
        None => {
            let _ = writeln!(s, "  as of {}", when(r.as_of));
            s.push_str(&wrapped(
                "  ",
                "not rated: insufficient data (no own domain and no in-use vendor with data)",
                width,
            ));
        }
    }
    s.push('\n');
    if r.domains.is_empty() {
        s.push_str("  no own domains\n");
    } else {
        let mut t = Table::new(
            2,
            &[
                prose("own domain"),
                right("score"),
                right("base"),
                right("weight"),
            ],
        );
        for d in &r.domains {
            t.row(vec![
                cell(&d.domain),
                if d.rated {
                    d.score.to_string()
                } else {
                    "not rated".into()
                },
                d.base_weight.to_string(),
                d.weight.round_dp(4).to_string(),
            ]);
        }
        s.push_str(&t.render(width));
    }
    s.push('\n');
    if r.vendors.is_empty() {
        s.push_str("  no vendors\n");
    } else {
        let mut t = Table::new(
            2,
            &[
                prose("vendor"),
                left("critical"),
                left("in use"),
                right("raw"),
                right("score"),
                right("base"),
                right("weight"),
            ],
        );
        for v in &r.vendors {
            t.row(vec![
                format!("{} ({})", cell(&v.name), cell(&v.id)),
                v.criticality.as_str().to_owned(),
                if v.in_use { "yes" } else { "no" }.to_owned(),
                if v.rated {
                    v.raw_score.to_string()
                } else {
                    "not rated".into()
                },
                // Without data and without questionnaire risks, nothing
                // was rated: the score is the spec's stand-in, not a
                // finding.
                if v.rated || v.open_questionnaire_risks > 0 {
                    v.score.to_string()
                } else {
                    "not rated".into()
                },
                v.base_weight.to_string(),
                v.weight.round_dp(4).to_string(),
            ]);
        }
        s.push_str(&t.render(width));
    }
    s.push('\n');
    if r.priorities.is_empty() {
        s.push_str("  no priorities: no entity to improve\n");
    } else {
        s.push_str(&wrapped(
            "  ",
            "priorities (CSR points gained if the entity were perfect):",
            width,
        ));
        let mut t = Table::new(2, &[right(""), prose(""), left(""), right("")]);
        for (i, p) in r.priorities.iter().enumerate() {
            let (kind, name) = match p.kind {
                posture::csr::EntityKind::Domain => ("domain", cell(&p.entity)),
                posture::csr::EntityKind::Vendor => (
                    "vendor",
                    match r.vendors.iter().find(|v| v.id == p.entity) {
                        Some(v) => format!("{} ({})", cell(&v.id), cell(&v.name)),
                        None => cell(&p.entity),
                    },
                ),
            };
            t.row(vec![
                format!("{}.", i + 1),
                name,
                kind.to_owned(),
                format!("+{}", two_places(p.gain)),
            ]);
        }
        s.push_str(&t.render(width));
    }
    s.push('\n');
    if r.vendors_with_risks.is_empty() {
        s.push_str("  no in-use vendor has potential security risks\n");
    } else {
        let _ = writeln!(
            s,
            "  vendors have potential security risks: {}",
            r.vendors_with_risks.len()
        );
        for v in &r.vendors_with_risks {
            s.push_str(&wrapped("    - ", &cell(v), width));
        }
    }
    s
}

/// The catalog for `width` columns.
pub fn catalog(c: &Catalog, width: usize) -> String {
    let mut s = String::new();
    let digest: String = c.digest().chars().take(19).collect();
    s.push_str(&wrapped(
        "",
        &format!(
            "catalog {} · {} issue types · {digest}…",
            cell(c.id()),
            c.len()
        ),
        width,
    ));
    let mut t = Table::new(
        0,
        &[
            left("id"),
            left("factor"),
            left("severity"),
            right("decay"),
            prose("title"),
        ],
    );
    for it in c.issues() {
        let mut title = cell(&it.title);
        if it.provisional {
            title.push_str(" (provisional: not scored)");
        }
        t.row(vec![
            cell(&it.id),
            it.factor.as_str().to_owned(),
            it.severity.as_str().to_owned(),
            format!("{}d", it.decay_days),
            title,
        ]);
    }
    s.push_str(&t.render(width));
    s.push_str("`posture catalog ID` explains one issue type\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_twenty_cells() {
        for f in ["0", "0.01", "0.5", "0.8613", "0.99", "1"] {
            let b = bar(f.parse().unwrap());
            assert_eq!(b.chars().count(), BAR, "{f}: {b}");
        }
        assert_eq!(bar(Decimal::ONE), "█".repeat(BAR));
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_splits_only_words_too_long() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
        assert_eq!(wrap("x  y", 10), ["x y"]);
    }

    #[test]
    fn prose_takes_the_room_left_or_moves_under_its_row() {
        let mut t = Table::new(2, &[left("id"), prose("title"), right("n")]);
        t.row(vec![
            "spf_missing".into(),
            "SPF record missing on the domain".into(),
            "3".into(),
        ]);
        let wide = t.render(80);
        assert_eq!(
            wide,
            "  id           title                             n\n  \
             spf_missing  SPF record missing on the domain  3\n"
        );
        let narrow = t.render(40);
        assert!(narrow.lines().all(|l| l.chars().count() <= 40), "{narrow}");
        assert!(
            narrow.contains("spf_missing  SPF record missing"),
            "{narrow}"
        );
        // Ids are never cut: with no room beside, the prose goes under.
        let mut t = Table::new(2, &[left("id"), prose("title"), right("n")]);
        t.row(vec![
            "x".repeat(30),
            "SPF record missing on the domain".into(),
            "3".into(),
        ]);
        let out = t.render(40);
        assert!(out.contains(&"x".repeat(30)), "{out}");
        assert!(out.lines().all(|l| l.chars().count() <= 40), "{out}");
        assert!(
            out.contains("      SPF record missing on the domain"),
            "{out}"
        );
    }
}
