//! The demo's narration for people: five steps, 80 columns.

use super::output::DemoOutput;
use super::{DemoOptions, REQUESTER_USER};
use crate::table;
use posture::plan_workflow::Effect;
use rust_decimal::Decimal;
use serde::Serialize;
use std::fmt::Write as _;

fn score_text(d: Option<Decimal>) -> String {
    d.map_or_else(|| "—".to_owned(), |x| x.to_string())
}

/// The table output: each step, briefly.
pub(super) fn narrate(out: &DemoOutput, opts: &DemoOptions) -> String {
    let mut s = String::new();
    let vendors = out.scorecards.len().saturating_sub(1);
    let _ = writeln!(
        s,
        "Posture demo: {} and {vendors} vendors, DNS served on {}",
        out.csr.organization, out.nameserver
    );
    let _ = writeln!(s, "(an in-process sandbox; nothing leaves loopback)\n");
    let _ = writeln!(s, "1. Scan, classify, score every organisation\n");
    let _ = writeln!(
        s,
        "  {:<24} {:>7} {:<5} {:>8} {:>8}",
        "organization", "score", "grade", "findings", "inconcl."
    );
    for (c, scan) in out.scorecards.iter().zip(&out.scans) {
        let mut name = c.card.organization.clone();
        if c.in_use == Some(false) {
            name.push_str(" *");
        }
        let _ = writeln!(
            s,
            "  {:<24} {:>7} {:<5} {:>8} {:>8}  {}",
            truncate(&name, 24),
            score_text(c.card.score),
            c.card.grade,
            scan.findings,
            scan.inconclusive.len(),
            table::bar(c.card.fraction.unwrap_or_default())
        );
    }
    let _ = writeln!(
        s,
        "  {} DNS queries, {} ports probed on every address. * not in use: weight 0.",
        out.scans.iter().map(|x| x.queries).sum::<u64>(),
        out.scans.first().map_or(0, |x| x.ports.len())
    );
    let sites: Vec<&str> = out
        .scans
        .iter()
        .filter(|x| !x.sites.is_empty())
        .map(|x| x.id.as_str())
        .collect();
    let _ = writeln!(
        s,
        "  TLS, HTTP(S) and SMTP checked on every host.\n  Web sites: {}.",
        if sites.is_empty() {
            "none".to_owned()
        } else {
            sites.join(", ")
        }
    );
    let _ = writeln!(
        s,
        "  findings include informational and positive ones, which never lower a\n  score. inconcl.: checks a DNS failure left inconclusive, never findings:"
    );
    for scan in out.scans.iter().filter(|x| !x.inconclusive.is_empty()) {
        for i in &scan.inconclusive {
            let _ = writeln!(
                s,
                "    ? {:<20} {} ({})",
                i.issue,
                truncate(&i.asset, 26),
                i.reasons
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let _ = writeln!(s, "\n2. The portfolio (csr-v1)\n");
    s.push_str(&table::csr(&out.csr));
    let a = &out.after;
    let _ = writeln!(
        s,
        "\n3. Plan for the worst in-use vendor, {} ({} {})\n",
        a.vendor,
        score_text(a.score_before),
        a.grade_before
    );
    if let Some(c) = out.scorecards.iter().find(|c| c.id == a.vendor) {
        s.push_str(&table::scorecard(&c.card));
        s.push('\n');
    }
    s.push_str(&table::plan(&out.improve));
    let _ = writeln!(
        s,
        "\n  expectation: grade {} by {} ({})",
        out.expectation.target,
        out.expectation.due.0.format("%Y-%m-%d"),
        status_label(out.expectation.status_before)
    );
    let _ = writeln!(
        s,
        "  plan {} sent to {} with {} items",
        out.plan.plan,
        out.plan.assignee,
        out.plan.items.len()
    );

    let _ = writeln!(
        s,
        "\n4. The vendor fixes its zone, services and site, marks the items fixed\n"
    );
    for r in &out.rescans {
        let outcome = serde_json::to_value(r.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  rescan {:<4} {:<24} {:<22} {}",
            r.item,
            r.issue,
            truncate(&r.asset, 22),
            outcome
        );
    }
    let _ = writeln!(
        s,
        "  progress: {}/{} verified by rescan",
        out.plan.progress.verified, out.plan.progress.total
    );
    let _ = writeln!(
        s,
        "  e-mails for the host to send: {}",
        out.emails
            .iter()
            .filter_map(|e| match e {
                Effect::Email { template, .. } => Some(template.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(s, "\n5. After the rescan\n");
    let _ = writeln!(
        s,
        "  {}: {} {} → {} {}",
        a.vendor,
        score_text(a.score_before),
        a.grade_before,
        score_text(a.score_after),
        a.grade_after
    );
    let _ = writeln!(
        s,
        "  CSR: {} {} → {} {}",
        score_text(a.csr_before),
        a.csr_grade_before,
        score_text(a.csr_after),
        a.csr_grade_after
    );
    let _ = writeln!(
        s,
        "  expectation grade {}: {}",
        out.expectation.target,
        status_label(out.expectation.status_after)
    );
    let _ = writeln!(
        s,
        "  plan {}: {}, target {}",
        out.plan.plan,
        status_label(out.plan.status),
        match out.plan.progress.target_met {
            Some(true) => "met",
            Some(false) => "not met",
            None => "not yet scored",
        }
    );
    match &opts.report {
        Some(p) => {
            let _ = writeln!(s, "\nReport written to {}", p.display());
        }
        None => {
            let _ = writeln!(s, "\nAn HTML report: posture demo --report demo.html");
        }
    }
    if let Some(p) = &opts.store {
        let _ = writeln!(
            s,
            "Explore the store: posture workflow --store {} query sent --actor {REQUESTER_USER}",
            p.display()
        );
    }
    s
}

fn status_label<T: Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}
