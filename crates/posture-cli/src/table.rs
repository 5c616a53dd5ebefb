//! Human-readable tables, 80 columns wide.

use posture::{Catalog, Improvement, Scorecard};
use rust_decimal::Decimal;
use std::fmt::Write;

/// Width of a score bar in cells.
const BAR: usize = 20;

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

/// A value from input as a cell at most `width` characters wide, its
/// control characters escaped first (`\u{1b}`), so no cell can drive the
/// terminal or break a line.
fn trunc(s: &str, width: usize) -> String {
    let s = posture_core::escape_controls(s);
    if s.chars().count() <= width {
        s
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// `text` after `lead`, wrapped at word boundaries to `width` columns, each
/// continuation line indented as far as `lead` is long.
pub fn wrapped(lead: &str, text: &str, width: usize) -> String {
    let indent = lead.chars().count();
    let room = width.saturating_sub(indent).max(20);
    let mut out = String::new();
    let mut line = String::new();
    let mut first = true;
    for word in posture_core::escape_controls(text).split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > room {
            out.push_str(if first { lead } else { "" });
            if !first {
                out.push_str(&" ".repeat(indent));
            }
            out.push_str(&line);
            out.push('\n');
            line.clear();
            first = false;
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || first {
        if first {
            out.push_str(lead);
        } else {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// An instant for people: to the second (JSON keeps full precision).
fn when(t: posture::Timestamp) -> String {
    t.0.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn opt(d: Option<Decimal>) -> String {
    d.map_or_else(|| "—".to_owned(), |d| d.to_string())
}

/// One scorecard.
pub fn scorecard(c: &Scorecard) -> String {
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
    let _ = writeln!(
        s,
        "{:<52} {:>10}{} grade {}",
        trunc(&c.organization, 52),
        opt(c.score),
        cat,
        c.grade
    );
    let likelihood = c
        .breach_likelihood
        .map_or_else(|| "n/a".to_owned(), |l| format!("{l}x grade A"));
    let _ = writeln!(
        s,
        "  as of {} · {} assets · breach likelihood {}{}",
        when(c.as_of),
        c.footprint_size,
        likelihood,
        scale
    );
    if c.score.is_none() {
        let _ = writeln!(
            s,
            "  insufficient data: no findings and no assessed factors"
        );
        return s;
    }
    if let Some(f) = c.fraction {
        let _ = writeln!(s, "  {:<22} {:>7} {}", "overall", opt(c.score), bar(f));
    }
    for f in &c.factors {
        let note = if f.assessed {
            match f.issues.len() {
                0 => String::new(),
                1 => "1 issue".to_owned(),
                n => format!("{n} issues"),
            }
        } else {
            "not assessed".to_owned()
        };
        let _ = writeln!(
            s,
            "  {:<22} {:>7} {} {}",
            f.factor.as_str(),
            f.score.to_string(),
            bar(f.fraction),
            note
        );
        for i in &f.issues {
            let pct = (i.penalty * Decimal::ONE_HUNDRED).round_dp(2);
            let assets = if i.affected_assets == 1 {
                "asset "
            } else {
                "assets"
            };
            let _ = writeln!(
                s,
                "      {:<36} {:<8} {:>5} {} -{}%",
                trunc(&i.issue, 36),
                i.severity.as_str(),
                i.affected_assets,
                assets,
                pct
            );
        }
    }
    s
}

/// One improvement plan.
pub fn plan(p: &Improvement) -> String {
    let mut s = String::new();
    let verdict = if p.reachable {
        "reachable"
    } else {
        "NOT reachable"
    };
    let _ = writeln!(
        s,
        "{}: {} ({}) → target {}: {}",
        trunc(&p.organization, 40),
        p.current_score,
        p.current_grade,
        p.target,
        verdict
    );
    if p.steps.is_empty() {
        let _ = writeln!(s, "  nothing to fix: the target is already met");
        return s;
    }
    let _ = writeln!(
        s,
        "  {:>2}  {:<38} {:<8} {:>6} {:>7} grade",
        "#", "fix every finding of", "severity", "assets", "score"
    );
    for (n, st) in p.steps.iter().enumerate() {
        let _ = writeln!(
            s,
            "  {:>2}  {:<38} {:<8} {:>6} {:>7} {}",
            n + 1,
            trunc(&st.issue, 38),
            st.severity.as_str(),
            st.affected_assets,
            st.projected_score.to_string(),
            st.projected_grade
        );
    }
    let _ = writeln!(s, "  final: {} ({})", p.final_score, p.final_grade);
    s
}

/// One portfolio's CSR.
pub fn csr(r: &posture::CsrResult) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<52} {:>10} grade {}",
        trunc(&format!("{} portfolio (CSR)", r.organization), 52),
        opt(r.csr),
        r.grade
    );
    if let Some(f) = r.fraction {
        let _ = writeln!(s, "  {:<30} {}", format!("as of {}", when(r.as_of)), bar(f));
    } else {
        let _ = writeln!(s, "  insufficient data: no own domain and no in-use vendor");
    }
    if !r.domains.is_empty() {
        let _ = writeln!(
            s,
            "\n  {:<44} {:>7} {:>6} {:>8}",
            "own domain", "score", "base", "weight"
        );
        for d in &r.domains {
            let _ = writeln!(
                s,
                "  {:<44} {:>7} {:>6} {:>8}",
                trunc(&d.domain, 44),
                d.score.to_string(),
                d.base_weight.to_string(),
                d.weight.round_dp(4).to_string()
            );
        }
    }
    if !r.vendors.is_empty() {
        let _ = writeln!(
            s,
            "\n  {:<24} {:<8} {:<6} {:>7} {:>7} {:>5} {:>8}",
            "vendor", "critical", "in use", "raw", "score", "base", "weight"
        );
        for v in &r.vendors {
            let _ = writeln!(
                s,
                "  {:<24} {:<8} {:<6} {:>7} {:>7} {:>5} {:>8}",
                trunc(&format!("{} ({})", v.name, v.id), 24),
                v.criticality.as_str(),
                if v.in_use { "yes" } else { "no" },
                v.raw_score.to_string(),
                v.score.to_string(),
                v.base_weight.to_string(),
                v.weight.round_dp(4).to_string()
            );
        }
    }
    let _ = writeln!(
        s,
        "\n  priorities (CSR points gained if the entity were perfect):"
    );
    for (i, p) in r.priorities.iter().enumerate() {
        let kind = match p.kind {
            posture::csr::EntityKind::Domain => "domain",
            posture::csr::EntityKind::Vendor => "vendor",
        };
        let _ = writeln!(
            s,
            "  {:>3}. {:<50} {:<6} {:>9}",
            i + 1,
            trunc(&p.entity, 50),
            kind,
            format!("+{}", p.gain.round_dp(2))
        );
    }
    if !r.vendors_with_risks.is_empty() {
        let _ = writeln!(
            s,
            "\n  vendors have potential security risks: {}",
            r.vendors_with_risks.len()
        );
        for v in &r.vendors_with_risks {
            let _ = writeln!(s, "    - {}", trunc(v, 70));
        }
    }
    s
}

/// The catalog.
pub fn catalog(c: &Catalog) -> String {
    let mut s = String::new();
    let digest: String = c.digest().chars().take(19).collect();
    let _ = writeln!(
        s,
        "catalog {} · {} issue types · {digest}…",
        c.id(),
        c.len()
    );
    let _ = writeln!(
        s,
        "{:<32} {:<20} {:<8} {:>5}",
        "id", "factor", "severity", "decay"
    );
    for it in c.issues() {
        let flag = if it.provisional { "provisional" } else { "" };
        let _ = writeln!(
            s,
            "{:<32} {:<20} {:<8} {:>4}d {}",
            trunc(&it.id, 32),
            it.factor.as_str(),
            it.severity.as_str(),
            it.decay_days,
            flag
        );
    }
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
}
