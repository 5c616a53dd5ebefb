//! `posture catalog ID`: one issue type explained, joined with the check
//! that observes it (the registry and the rules, as `posture checks`).

use crate::Format;
use crate::error::CliError;
use crate::table;
use posture::{Catalog, CatalogRef, IssueType};
use posture_core::echo;
use posture_core::observe::{Check, TargetKind};
use serde::Serialize;
use std::fmt::Write as _;

/// The check whose facts raise an issue type.
#[derive(Debug, Serialize)]
pub struct Observer {
    /// The check (what `scan --checks` takes).
    pub check: Check,
    /// What it runs on.
    pub target: TargetKind,
    /// What the check does.
    pub description: &'static str,
    /// When its rule raises the issue.
    pub when: &'static str,
}

/// `posture catalog ID --format json`: the issue type's fields, the check
/// that observes it (`null` for an issue no built-in check raises: such
/// findings come from elsewhere, in findings documents) and the catalog.
#[derive(Debug, Serialize)]
pub struct Explained<'a> {
    /// The issue type, as the catalog has it.
    #[serde(flatten)]
    pub issue: &'a IssueType,
    /// The check that observes it.
    pub observed_by: Option<Observer>,
    /// The catalog it is from.
    pub catalog: CatalogRef,
}

/// The check that observes `issue`, from the rules and the registry.
pub fn observer(issue: &str) -> Option<Observer> {
    let rule = posture_classify::rule_for(issue)?;
    let spec = posture_signals::spec(rule.check);
    Some(Observer {
        check: rule.check,
        target: spec.target,
        description: spec.description,
        when: rule.when,
    })
}

/// Levenshtein distance over characters, for suggestions.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Ids close to `wanted`: the closest few within a small edit distance,
/// else those that contain it.
pub fn suggestions<'a>(catalog: &'a Catalog, wanted: &str) -> Vec<&'a str> {
    // Inputs past any id's length cannot be close; skip the work.
    if wanted.chars().count() > 64 {
        return Vec::new();
    }
    let wanted = wanted.to_ascii_lowercase();
    let limit = (wanted.chars().count() / 3).max(2);
    let mut close: Vec<(usize, &str)> = catalog
        .issues()
        .iter()
        .map(|i| (distance(&wanted, &i.id), i.id.as_str()))
        .filter(|(d, _)| *d <= limit)
        .collect();
    close.sort();
    if let Some((best, _)) = close.first().copied() {
        return close
            .into_iter()
            .take_while(|(d, _)| *d == best)
            .take(3)
            .map(|(_, id)| id)
            .collect();
    }
    if wanted.len() < 3 {
        return Vec::new();
    }
    catalog
        .issues()
        .iter()
        .map(|i| i.id.as_str())
        .filter(|id| id.contains(&wanted))
        .take(5)
        .collect()
}

/// `posture catalog ID`.
///
/// # Errors
/// An id the catalog does not have (a usage error, with close ids
/// suggested).
pub fn explain(catalog: &Catalog, id: &str, format: Format) -> Result<String, CliError> {
    let Some((_, issue)) = catalog.get(id) else {
        let mut m = format!(
            "no issue type `{}` in catalog {}",
            echo(id),
            echo(catalog.id())
        );
        let close = suggestions(catalog, id);
        if !close.is_empty() {
            let list: Vec<String> = close.iter().map(|c| format!("`{c}`")).collect();
            let _ = write!(m, "; did you mean {}?", list.join(", "));
        }
        m.push_str(" (`posture catalog` lists them)");
        return Err(CliError::Usage(m));
    };
    let out = Explained {
        issue,
        observed_by: observer(&issue.id),
        catalog: catalog.reference(),
    };
    match format {
        Format::Json => Ok(serde_json::to_string(&out)? + "\n"),
        Format::Table => Ok(render(&out, table::width())),
    }
}

/// The explanation as text for `width` columns.
pub fn render(e: &Explained<'_>, width: usize) -> String {
    let i = e.issue;
    let mut s = String::new();
    let head = if i.title.is_empty() {
        table::cell(&i.id)
    } else {
        format!("{}: {}", table::cell(&i.id), table::cell(&i.title))
    };
    s.push_str(&table::wrapped("", &head, width));
    let field = |s: &mut String, label: &str, text: &str| {
        let lead = format!("  {label:<12} ");
        let text = if text.is_empty() {
            "(not in this catalog)"
        } else {
            text
        };
        s.push_str(&table::wrapped(&lead, text, width));
    };
    field(&mut s, "factor", i.factor.as_str());
    let mut severity = format!(
        "{} · a finding stays active {} after last seen",
        i.severity.as_str(),
        table::count(u64::from(i.decay_days), "day", "days")
    );
    if i.provisional {
        severity.push_str(" · provisional: reported, never scored");
    }
    field(&mut s, "severity", &severity);
    let observed = match &e.observed_by {
        Some(o) => format!(
            "the `{}` check ({}s): {}; raised when {}",
            o.check.as_str(),
            o.target.as_str().replace('_', " "),
            o.description.trim_end_matches('.'),
            o.when
        ),
        None => "no built-in check: findings of this type come from findings documents".into(),
    };
    field(&mut s, "observed by", &observed);
    s.push('\n');
    field(&mut s, "description", &table::cell(&i.description));
    field(&mut s, "risk", &table::cell(&i.risk));
    field(&mut s, "remediation", &table::cell(&i.remediation));
    if i.references.is_empty() {
        field(&mut s, "references", "");
    } else {
        for (n, r) in i.references.iter().enumerate() {
            field(
                &mut s,
                if n == 0 { "references" } else { "" },
                &table::cell(r),
            );
        }
    }
    let digest: String = e.catalog.digest.chars().take(19).collect();
    field(
        &mut s,
        "catalog",
        &format!("{} {digest}…", table::cell(&e.catalog.id)),
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_ids_are_suggested() {
        let c = Catalog::builtin();
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(suggestions(&c, "spf_mising"), ["spf_missing"]);
        assert_eq!(suggestions(&c, "SPF_MISSING")[0], "spf_missing");
        assert!(suggestions(&c, "dmarc").iter().all(|s| s.contains("dmarc")));
        assert!(suggestions(&c, "zzzzzzzzzzzz").is_empty());
        assert!(suggestions(&c, &"x".repeat(10_000)).is_empty());
    }

    #[test]
    fn every_issue_a_rule_raises_has_its_check() {
        let c = Catalog::builtin();
        for r in posture_classify::RULES {
            let o = observer(r.issue).unwrap();
            assert_eq!(o.check, r.check, "{}", r.issue);
            assert!(c.get(r.issue).is_some(), "{}", r.issue);
        }
    }
}
