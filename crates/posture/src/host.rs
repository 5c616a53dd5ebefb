//! The host API: what a Rust service needs to turn targets into findings
//! and to answer the workflow's rescans, wired once here so that no host
//! copies it (the `posture` CLI and its demo use exactly this).
//!
//! - [`Scanner::scan`]: targets → observations → a findings document, its
//!   scorecard, and what stayed inconclusive.
//! - [`Scanner::entity`]: the same, shaped as a portfolio domain entry.
//! - [`Scanner::rescan`]: an [`Effect::Rescan`] → a targeted observation of
//!   that one issue on that one asset (inside the vendor's footprint) and
//!   the `record_rescan` command that reports it.
//! - [`domain_entries`]: one organisation's findings as portfolio entries.
//! - [`merge_first_seen`]: keep a finding's first sighting across scans.
//! - [`blocking`]: the same calls for hosts without an async runtime.
//!
//! ```no_run
//! # fn main() -> Result<(), posture::host::HostError> {
//! use posture::host::{Scanner, blocking};
//! let mut scanner = Scanner::default();
//! scanner.config.policy.nameserver = Some("127.0.0.1:5353".parse().unwrap());
//! let out = blocking::scan(&scanner, &["acme.example".to_string()], "Acme")?;
//! println!("{} {}", out.scorecard.grade, out.classification.document.findings.len());
//! # Ok(()) }
//! ```

use crate::plan_workflow::{Command, Effect, Org, in_footprint};
use posture_classify::{Classification, ClassifyError, Rules, classify, outcome_for, rule_for};
use posture_core::observe::{Check, Observation};
use posture_core::{Catalog, FindingsDocument, Outcome, Timestamp};
use posture_csr::DomainEntry;
use posture_score::{PostureV1, Scorecard, ScoringModel};
use posture_signals::{Progress, ResolverCounts, ScanConfig, ScanError};
use std::sync::Arc;

/// Why a host call failed (a check that could not observe is not a
/// failure: it is an inconclusive observation).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// Bad scan settings or targets; nothing was sent.
    #[error(transparent)]
    Scan(#[from] ScanError),
    /// A rule names an issue the catalog lacks.
    #[error(transparent)]
    Classify(#[from] ClassifyError),
    /// The scan produced a document the catalog rejects (a defect).
    #[error("the scan produced an invalid findings document: {0}")]
    Document(posture_core::Error),
    /// A `--ports` entry that is neither `PORT` nor `PORT=ISSUE`.
    #[error("ports: {0}")]
    Ports(String),
    /// A rescan request for an asset outside the vendor's footprint:
    /// nothing is sent.
    #[error("rescan refused: {0}")]
    OutsideFootprint(String),
    /// The effect is not a rescan request.
    #[error("not a rescan request")]
    NotARescan,
    /// The async runtime could not start.
    #[error("starting the async runtime: {0}")]
    Runtime(std::io::Error),
}

impl HostError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            HostError::Scan(e) => e.code(),
            HostError::Classify(e) => e.code(),
            HostError::Document(_) => "invalid_document",
            HostError::Ports(_) => "bad_port",
            HostError::OutsideFootprint(_) => "outside_footprint",
            HostError::NotARescan => "not_a_rescan",
            HostError::Runtime(_) => "runtime",
        }
    }
}

/// Parses a ports list: `PORT` (its meaning from the port table) or
/// `PORT=ISSUE` (an exposed-service issue, for services on unusual ports),
/// comma separated. Returns the ports to probe and the rules that say what
/// they mean.
///
/// ```
/// let (ports, rules) = posture::host::parse_ports("6379,8081=service_redis").unwrap();
/// assert_eq!(ports, vec![6379, 8081]);
/// assert_eq!(rules.ports.issue(8081), Some("service_redis"));
/// assert!(posture::host::parse_ports("6379=no_such_issue").is_err());
/// assert!(posture::host::parse_ports("12345").is_err(), "not in the port table");
/// ```
///
/// # Errors
/// An entry that is not a port number, a bare port not in the table, or an
/// issue no port rule raises.
pub fn parse_ports(list: &str) -> Result<(Vec<u16>, Rules), HostError> {
    let mut rules = Rules::default();
    let mut ports = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let shown = posture_core::echo(item);
        let bad = |why: &str| HostError::Ports(format!("`{shown}`: {why}"));
        let port = match item.split_once('=') {
            Some((p, issue)) => {
                let port: u16 = p.trim().parse().map_err(|_| bad("not a port number"))?;
                rules
                    .ports
                    .map(port, issue.trim())
                    .map_err(|e| HostError::Ports(format!("`{shown}`: {e}")))?;
                port
            }
            None => {
                let port: u16 = item.parse().map_err(|_| bad("not a port number"))?;
                if rules.ports.issue(port).is_none() {
                    return Err(bad("not in the built-in port table; give PORT=ISSUE"));
                }
                port
            }
        };
        if !ports.contains(&port) {
            ports.push(port);
        }
    }
    Ok((ports, rules))
}

/// A scan, classified and scored.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ScanOutcome {
    /// Every observation.
    pub observations: Vec<Observation>,
    /// The findings document and what stayed inconclusive.
    pub classification: Classification,
    /// The document's scorecard.
    pub scorecard: Scorecard,
    /// DNS queries sent.
    pub queries: u64,
    /// DNS messages sent, answered and timed out, per name server (empty
    /// when the outcome was judged from observations alone, see
    /// [`Scanner::judge`]).
    pub resolvers: Vec<ResolverCounts>,
}

/// A rescan's answer: what was observed, what it means for the item, and
/// the command that records it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RescanAnswer {
    /// The targeted observations.
    pub observations: Vec<Observation>,
    /// What they say about the item's issue on its asset.
    pub outcome: Outcome,
    /// `record_rescan` for the host to run (plan named `REQUESTER/PLAN`).
    pub command: Command,
}

/// Everything a scan needs: collection settings, rule parameters, the
/// catalog and the model.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Scanner {
    /// What to collect and how.
    pub config: ScanConfig,
    /// Rule parameters (the port map).
    pub rules: Rules,
    /// The catalog findings are checked against.
    pub catalog: Arc<Catalog>,
    /// The scoring model.
    pub model: PostureV1,
}

impl Default for Scanner {
    fn default() -> Self {
        let rules = Rules::default();
        let mut config = ScanConfig::default();
        config.ports = rules.ports.iter().map(|(p, _)| p).collect();
        Scanner {
            config,
            rules,
            catalog: Catalog::builtin(),
            model: PostureV1::default(),
        }
    }
}

impl Scanner {
    /// Probes exactly `ports` with the rules that say what they mean (see
    /// [`parse_ports`]).
    pub fn with_ports(mut self, ports: Vec<u16>, rules: Rules) -> Scanner {
        self.config.ports = ports;
        self.rules = rules;
        self
    }

    /// Classifies and scores observations the way [`Scanner::scan`] does.
    ///
    /// # Errors
    /// A rule outside the catalog, or a document the catalog rejects.
    pub fn judge(
        &self,
        organization: &str,
        as_of: Timestamp,
        assets: &[String],
        observations: Vec<Observation>,
        queries: u64,
    ) -> Result<ScanOutcome, HostError> {
        let classification = classify(
            organization,
            as_of,
            assets,
            &observations,
            &self.catalog,
            &self.rules,
        )?;
        let assessment = classification
            .document
            .validate(&self.catalog)
            .map_err(HostError::Document)?;
        Ok(ScanOutcome {
            observations,
            scorecard: self.model.score(&assessment),
            classification,
            queries,
            resolvers: Vec::new(),
        })
    }

    /// Scans `targets` as one organisation's footprint, classifies and
    /// scores what was seen.
    ///
    /// # Errors
    /// Bad settings or targets (nothing sent), or a classification defect.
    pub async fn scan(
        &self,
        targets: &[String],
        organization: &str,
    ) -> Result<ScanOutcome, HostError> {
        self.scan_with_progress(targets, organization, Arc::new(Progress::default()))
            .await
    }

    /// [`Scanner::scan`] with a progress counter.
    ///
    /// # Errors
    /// As [`Scanner::scan`].
    pub async fn scan_with_progress(
        &self,
        targets: &[String],
        organization: &str,
        progress: Arc<Progress>,
    ) -> Result<ScanOutcome, HostError> {
        let report = posture_signals::scan_with_progress(targets, &self.config, progress).await?;
        let mut out = self.judge(
            organization,
            Timestamp(chrono::Utc::now()),
            &report.assets,
            report.observations,
            report.queries,
        )?;
        out.resolvers = report.resolvers;
        Ok(out)
    }

    /// A portfolio domain entry: `domain` and the names and addresses that
    /// belong to it (`targets`), scanned.
    ///
    /// # Errors
    /// As [`Scanner::scan`].
    pub async fn entity(&self, domain: &str, targets: &[String]) -> Result<DomainEntry, HostError> {
        let out = self.scan(targets, domain).await?;
        let doc = out.classification.document;
        Ok(domain_entries(&[domain.to_owned()], &doc)
            .pop()
            .unwrap_or(DomainEntry {
                domain: domain.to_owned(),
                assets: doc.assets,
                findings: doc.findings,
            }))
    }

    /// Answers a rescan request: checks the asset against the vendor's
    /// footprint, runs only the check that produces the item's issue on
    /// that asset, and returns its outcome with the `record_rescan`
    /// command. An issue no check observes is inconclusive (the item stays
    /// pending).
    ///
    /// # Errors
    /// Not a rescan effect; an asset outside the footprint (nothing sent);
    /// bad settings.
    pub async fn rescan(&self, effect: &Effect, vendor: &Org) -> Result<RescanAnswer, HostError> {
        self.rescan_with_progress(effect, vendor, Arc::new(Progress::default()))
            .await
    }

    /// [`Scanner::rescan`] reporting to `progress`: rescans that share one
    /// [`Progress`] add up their items and DNS counts, so a host answering
    /// many at once can show them together.
    ///
    /// # Errors
    /// As [`Scanner::rescan`].
    pub async fn rescan_with_progress(
        &self,
        effect: &Effect,
        vendor: &Org,
        progress: Arc<Progress>,
    ) -> Result<RescanAnswer, HostError> {
        let Effect::Rescan {
            requester,
            plan,
            item,
            issue,
            asset,
            ..
        } = effect
        else {
            return Err(HostError::NotARescan);
        };
        in_footprint(vendor, asset).map_err(HostError::OutsideFootprint)?;
        let observations = match rule_for(issue) {
            None => Vec::new(),
            Some(rule) => {
                let mut config = self.config.clone();
                config.checks = vec![rule.check];
                if rule.check == Check::Tls {
                    // A certificate finding on a domain may come from its
                    // HTTPS port or from an MX after STARTTLS: rerun both.
                    config.checks.push(Check::Smtp);
                }
                if rule.check == Check::Ports {
                    config.ports = self.rules.ports.ports_for(issue);
                }
                posture_signals::scan_with_progress(std::slice::from_ref(asset), &config, progress)
                    .await?
                    .observations
            }
        };
        let outcome = outcome_for(&self.rules, issue, asset, &observations);
        Ok(RescanAnswer {
            observations,
            outcome,
            command: Command::record_rescan(format!("{requester}/{plan}"), item, outcome),
        })
    }
}

/// Splits one organisation's findings document into portfolio domain
/// entries: each asset and finding goes to the domain it is (or is under);
/// addresses, and names under none of them, go to the first domain.
///
/// ```
/// use posture::FindingsDocument;
/// let doc = FindingsDocument::from_json(r#"{"organization": "a", "as_of": "2026-11-01T00:00:00Z",
///   "assets": ["a.example", "www.b.example", "192.0.2.7"], "findings": [{"issue": "dangling_cname",
///   "asset": "www.b.example", "first_seen": "2026-11-01T00:00:00Z", "last_seen": "2026-11-01T00:00:00Z",
///   "status": "open"}]}"#).unwrap();
/// let e = posture::host::domain_entries(&["a.example".into(), "b.example".into()], &doc);
/// assert_eq!((e[0].assets.as_slice(), e[1].assets.as_slice()), (&["192.0.2.7".to_string()][..], &["www.b.example".to_string()][..]));
/// assert_eq!(e[1].findings.len(), 1);
/// ```
pub fn domain_entries(domains: &[String], document: &FindingsDocument) -> Vec<DomainEntry> {
    let home = |asset: &str| -> usize {
        let a = asset.to_ascii_lowercase();
        domains
            .iter()
            .position(|d| a == *d || a.ends_with(&format!(".{d}")))
            .unwrap_or(0)
    };
    let mut entries: Vec<DomainEntry> = domains
        .iter()
        .map(|d| DomainEntry {
            domain: d.clone(),
            assets: Vec::new(),
            findings: Vec::new(),
        })
        .collect();
    for a in &document.assets {
        if let Some(e) = entries.get_mut(home(a)) {
            if !e.domain.eq_ignore_ascii_case(a) {
                e.assets.push(a.clone());
            }
        }
    }
    for f in &document.findings {
        if let Some(e) = entries.get_mut(home(&f.asset)) {
            e.findings.push(f.clone());
        }
    }
    entries
}

/// Keeps the earlier first sighting of every finding still open: the score
/// depends on when an issue was last seen, its history on when it was first
/// seen.
///
/// ```
/// use posture::host::merge_first_seen;
/// use posture::FindingsDocument;
/// let doc = |first: &str| FindingsDocument::from_json(&format!(r#"{{"organization": "a",
///   "as_of": "2026-11-02T00:00:00Z", "assets": ["a.example"], "findings": [{{"issue": "spf_missing",
///   "asset": "a.example", "first_seen": "{first}", "last_seen": "2026-11-02T00:00:00Z", "status": "open"}}]}}"#)).unwrap();
/// let mut now = doc("2026-11-02T00:00:00Z");
/// merge_first_seen(&mut now, &doc("2026-10-01T00:00:00Z"));
/// assert_eq!(now.findings[0].first_seen.to_string(), "2026-10-01T00:00:00Z");
/// ```
pub fn merge_first_seen(now: &mut FindingsDocument, earlier: &FindingsDocument) {
    for f in &mut now.findings {
        if let Some(old) = earlier
            .findings
            .iter()
            .find(|o| o.issue == f.issue && o.asset.eq_ignore_ascii_case(&f.asset))
        {
            f.first_seen = f.first_seen.min(old.first_seen);
        }
    }
}

/// Applies NDJSON request lines (`{"actor", "at", "command"}`, as `posture
/// workflow apply` reads them) in one durable group commit and returns one
/// response line per input line, in order. A malformed line is refused
/// in-band (naming the line), like a refused command.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("posture-doc-apply-{}", std::process::id()));
/// let _ = std::fs::remove_file(&dir);
/// let mut store = posture::Store::open(&dir).unwrap();
/// let register = r#"{"actor": "host", "at": "2026-11-01T00:00:00Z", "command": {"type": "register_organization", "org": "acme", "name": "Acme", "domains": ["acme.example"]}}"#;
/// let out = posture::host::apply_lines(&mut store, &format!("{register}\nnot json")).unwrap();
/// let lines: Vec<&str> = out.lines().collect();
/// assert!(lines[0].starts_with(r#"{"ok":true"#));
/// assert!(lines[1].contains("line 2"));
/// # drop(store); let _ = std::fs::remove_file(&dir);
/// ```
///
/// # Errors
/// The store failed (nothing was acknowledged).
pub fn apply_lines(
    store: &mut posture_plan::Store,
    ndjson: &str,
) -> Result<String, posture_plan::StoreError> {
    let mut slots: Vec<Option<posture_plan::Response>> = Vec::new();
    let mut batch = Vec::new();
    let mut places = Vec::new();
    for (i, line) in ndjson.lines().enumerate() {
        match posture_plan::wire::parse_line(i + 1, line.as_bytes()) {
            None => {}
            Some(Ok(request)) => {
                places.push(slots.len());
                slots.push(None);
                batch.push(request);
            }
            Some(Err(refusal)) => slots.push(Some(refusal)),
        }
    }
    let responses = store.run_batch(&batch)?;
    for (place, response) in places.into_iter().zip(responses) {
        if let Some(slot) = slots.get_mut(place) {
            *slot = Some(response);
        }
    }
    let mut out = String::new();
    for r in slots.into_iter().flatten() {
        out.push_str(&serde_json::to_string(&r).unwrap_or_default());
        out.push('\n');
    }
    let _ = store.snapshot_if_due();
    Ok(out)
}

/// Answers a read-model query given as JSON: `{"query": "plan", "actor",
/// "plan"}`, `{"query": "assigned" | "sent" | "insights", "actor"}`, with
/// an optional `"at"` (RFC 3339; default now). The view is returned as
/// JSON.
///
/// # Errors
/// A malformed query, or the workflow's refusal (`not_found` for what the
/// actor may not see, worded as for what does not exist), as its message.
pub fn query_json(store: &posture_plan::Store, query: &str) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Query {
        query: String,
        actor: String,
        #[serde(default)]
        plan: Option<String>,
        #[serde(default)]
        at: Option<Timestamp>,
    }
    let q: Query = posture_core::from_json_str(query).map_err(|e| e.to_string())?;
    let now = q.at.unwrap_or_else(Timestamp::now);
    let catalog = store.catalog();
    let state = store.state();
    let json = |r: Result<serde_json::Value, posture_plan::WorkflowError>| {
        r.map(|v| v.to_string()).map_err(|e| e.to_string())
    };
    use posture_plan::query;
    match q.query.as_str() {
        "plan" => {
            let plan = q.plan.ok_or("query `plan` needs `plan`")?;
            json(
                query::plan_view(state, catalog, &q.actor, &plan, now)
                    .map(|v| serde_json::to_value(v).unwrap_or_default()),
            )
        }
        "assigned" => json(
            query::assigned(state, catalog, &q.actor, now)
                .map(|v| serde_json::to_value(v).unwrap_or_default()),
        ),
        "sent" => json(
            query::sent(state, catalog, &q.actor, now)
                .map(|v| serde_json::to_value(v).unwrap_or_default()),
        ),
        "insights" => json(
            query::insights(state, &q.actor, now)
                .map(|v| serde_json::to_value(v).unwrap_or_default()),
        ),
        other => Err(format!(
            "query: unknown query `{}` (one of: plan, assigned, sent, insights)",
            posture_core::echo(other)
        )),
    }
}

/// The host API for callers without an async runtime: each call runs on a
/// runtime of its own.
pub mod blocking {
    use super::{HostError, RescanAnswer, ScanOutcome, Scanner};
    use crate::plan_workflow::{Effect, Org};
    use posture_csr::DomainEntry;

    /// A multi-threaded runtime for network calls.
    ///
    /// # Errors
    /// When the runtime cannot start.
    pub fn runtime() -> Result<tokio::runtime::Runtime, HostError> {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(HostError::Runtime)
    }

    /// [`Scanner::scan`], blocking.
    ///
    /// # Errors
    /// As [`Scanner::scan`].
    pub fn scan(
        s: &Scanner,
        targets: &[String],
        organization: &str,
    ) -> Result<ScanOutcome, HostError> {
        runtime()?.block_on(s.scan(targets, organization))
    }

    /// [`Scanner::entity`], blocking.
    ///
    /// # Errors
    /// As [`Scanner::entity`].
    pub fn entity(s: &Scanner, domain: &str, targets: &[String]) -> Result<DomainEntry, HostError> {
        runtime()?.block_on(s.entity(domain, targets))
    }

    /// [`Scanner::rescan`], blocking.
    ///
    /// # Errors
    /// As [`Scanner::rescan`].
    pub fn rescan(s: &Scanner, effect: &Effect, vendor: &Org) -> Result<RescanAnswer, HostError> {
        runtime()?.block_on(s.rescan(effect, vendor))
    }
}
