//! `posture demo`: the whole story in one command, offline.
//!
//! The demo is a reference host. It starts the sandbox's authoritative DNS
//! server on loopback with the sample world (`posture_sandbox::sample`) and
//! one TCP listener per exposed service, each organisation on its own
//! loopback address, then:
//!
//! 1. scans every organisation with the real collector, classifies and
//!    scores what it saw;
//! 2. aggregates the portfolio (csr-v1) and ranks the priorities;
//! 3. sets a score expectation and sends an action plan, built by the
//!    planner, to the worst in-use vendor's contact, through the workflow on
//!    a SQLite store;
//! 4. lets the vendor fix its zone and close its services, mark the items
//!    fixed, and runs the rescans the workflow asks for against the server;
//! 5. rescans the vendor, records its new score and shows the improved
//!    vendor score and CSR, and the expectation now met.
//!
//! Nothing leaves loopback: the resolver is the sandbox server, and the
//! probes go to the organisations' loopback addresses, on the demo's own
//! service ports only.

use crate::Format;
use crate::error::CliError;
use crate::scan_cmd::{ScanOutput, run_scan, runtime};
use crate::table;
use crate::workflow_cmd::{RescanLine, run_rescans};
use posture::csr::{DomainEntry, Vendor};
use posture::host::Scanner;
use posture::plan_workflow::{
    Command, Effect, ExpectationStatus, HOST, Request, Response, Store, query,
};
use posture::{
    Aggregation, Catalog, CsrConfig, CsrResult, CsrV1, Grade, Portfolio, PostureV1, ScoreConfig,
    Scorecard, Target, Timestamp,
};
use posture_sandbox::sample::{DNSBL_ZONE, SampleOrg, SampleWorld};
use posture_sandbox::{ClosedPort, DnsSandbox, TcpService};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The grade the demo asks of the worst vendor (expectation and plan).
const TARGET: Grade = Grade::B;
/// The requester's user who runs the vendor programme.
const REQUESTER_USER: &str = "alice";

/// Options of `posture demo`.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Output format.
    pub format: Format,
    /// Also write the HTML report here.
    pub report: Option<PathBuf>,
    /// Keep the workflow store here (default: a temporary file).
    pub store: Option<PathBuf>,
}

/// One organisation's scorecard, with who it is in the portfolio.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DemoCard {
    /// Organisation id.
    pub id: String,
    /// `requester` or `vendor`.
    pub role: &'static str,
    /// For vendors: whether the requester uses it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_use: Option<bool>,
    /// The scorecard.
    #[serde(flatten)]
    pub card: Scorecard,
}

/// What one scan saw, in brief.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ScanSummary {
    /// Organisation id.
    pub id: String,
    /// The targets scanned.
    pub targets: Vec<String>,
    /// The ports probed on the organisation's address, `PORT=ISSUE` (one
    /// list for every organisation).
    pub ports: Vec<String>,
    /// The services listening on the organisation's address, `PORT=ISSUE`.
    pub services: Vec<String>,
    /// Observations made.
    pub observations: usize,
    /// Of which facts (the others are inconclusive).
    pub facts: usize,
    /// Issues that could not be judged (never findings).
    pub inconclusive: Vec<posture_classify::Inconclusive>,
    /// Findings the classifier made.
    pub findings: usize,
    /// DNS queries sent.
    pub queries: u64,
}

/// One workflow command the demo ran and the store's answer.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct WorkflowStep {
    /// The demo step (1–5).
    pub step: u8,
    /// Who acted.
    pub actor: String,
    /// The command.
    pub command: Command,
    /// `ok` or the error code.
    pub result: String,
}

/// The score expectation set on the worst vendor.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ExpectationOut {
    /// Vendor.
    pub vendor: String,
    /// Target.
    pub target: Grade,
    /// Due.
    pub due: Timestamp,
    /// Status before the vendor's fixes (`pending`).
    pub status_before: ExpectationStatus,
    /// Status after the rescan and the recorded score (`met`).
    pub status_after: ExpectationStatus,
}

/// The before/after figures of the worst vendor and the portfolio.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct After {
    /// The vendor the plan went to.
    pub vendor: String,
    /// Its score before.
    pub score_before: Option<Decimal>,
    /// Its score after the fixes and the rescan.
    pub score_after: Option<Decimal>,
    /// Its grade before.
    pub grade_before: Grade,
    /// Its grade after.
    pub grade_after: Grade,
    /// The CSR before.
    pub csr_before: Option<Decimal>,
    /// The CSR after.
    pub csr_after: Option<Decimal>,
    /// The CSR grade before.
    pub csr_grade_before: Grade,
    /// The CSR grade after.
    pub csr_grade_after: Grade,
    /// Whether the expectation is met.
    pub expectation_met: bool,
}

/// Everything the demo did, as `--format json` prints it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DemoOutput {
    /// The sandbox DNS server the scans used (`IP:PORT`).
    #[schemars(with = "String")]
    pub nameserver: SocketAddr,
    /// The requesting organisation.
    pub requester: String,
    /// The requester first, then the vendors, in portfolio order.
    pub scorecards: Vec<DemoCard>,
    /// What each scan saw.
    pub scans: Vec<ScanSummary>,
    /// The portfolio document built from the scans (`posture csr --input`
    /// reproduces `csr` from it).
    pub portfolio: Portfolio,
    /// The portfolio result, as `posture csr` prints it.
    pub csr: CsrResult,
    /// The worst in-use vendor's improvement plan (the planner's answer).
    pub improve: posture::Plan,
    /// The expectation set on it.
    pub expectation: ExpectationOut,
    /// Every workflow command, in order.
    pub workflow: Vec<WorkflowStep>,
    /// E-mails the workflow asked the host to send.
    pub emails: Vec<Effect>,
    /// The rescans run after the vendor marked its items fixed.
    pub rescans: Vec<RescanLine>,
    /// The plan as the requester sees it at the end.
    pub plan: query::PlanView,
    /// The vendor's scorecard after the fixes.
    pub scorecard_after: Scorecard,
    /// The portfolio document after the fixes.
    pub portfolio_after: Portfolio,
    /// The portfolio result after the fixes.
    pub csr_after: CsrResult,
    /// Before and after, in brief.
    pub after: After,
}

/// The current instant, to the second (the demo's records read better).
fn now() -> Timestamp {
    use chrono::SubsecRound;
    Timestamp(chrono::Utc::now().trunc_subsecs(0))
}

fn internal(what: &str) -> impl Fn(String) -> CliError + '_ {
    move |e| CliError::Internal(format!("demo: {what}: {e}"))
}

/// The sample's exposed services, and the same ports held closed on every
/// other organisation's address.
///
/// One port list, `PORT=ISSUE`, is probed on every address, as a scanner
/// probes one list everywhere. Each service listens on its organisation's
/// address on a port the OS chose; that port is bound (not listening) on
/// every other organisation's address, so a probe there is refused and no
/// other process on the machine (another demo, say) can listen there and
/// change the answer. A closed service's port is held closed the same way.
struct Services {
    open: BTreeMap<(String, String), TcpService>,
    closed: Vec<ClosedPort>,
    /// (port, issue): the one list probed everywhere.
    ports: Vec<(u16, String)>,
}

impl Services {
    fn start(rt: &tokio::runtime::Runtime, sample: &SampleWorld) -> Result<Self, CliError> {
        let mut s = Services {
            open: BTreeMap::new(),
            closed: Vec::new(),
            ports: Vec::new(),
        };
        for o in sample.orgs() {
            for issue in &o.services {
                // A port that cannot be held on every other address is
                // kept bound while trying again, so the OS picks another.
                let mut rejected = Vec::new();
                loop {
                    let svc = rt
                        .block_on(TcpService::start(o.address.into()))
                        .map_err(|e| internal("starting a service")(e.to_string()))?;
                    let port = svc.addr().port();
                    let held: Result<Vec<ClosedPort>, _> = sample
                        .orgs()
                        .filter(|x| x.id != o.id)
                        .map(|x| ClosedPort::reserve(x.address.into(), port))
                        .collect();
                    match held {
                        Ok(held) if !s.ports.iter().any(|(p, _)| *p == port) => {
                            s.closed.extend(held);
                            s.ports.push((port, issue.clone()));
                            s.open.insert((o.id.clone(), issue.clone()), svc);
                            break;
                        }
                        _ if rejected.len() >= 16 => {
                            return Err(CliError::Internal(
                                "demo: no port free on every sample address after 16 tries".into(),
                            ));
                        }
                        _ => rejected.push(svc),
                    }
                }
            }
        }
        Ok(s)
    }

    /// The services listening on `org`'s address, `PORT=ISSUE`.
    fn listening(&self, org: &str) -> Vec<String> {
        self.open
            .iter()
            .filter(|((id, _), _)| id == org)
            .map(|((_, issue), svc)| format!("{}={issue}", svc.addr().port()))
            .collect()
    }

    /// Stops `org`'s `issue` service and holds its port closed. Returns
    /// whether there was such a service.
    fn close(
        &mut self,
        rt: &tokio::runtime::Runtime,
        org: &str,
        issue: &str,
    ) -> Result<bool, CliError> {
        let Some(svc) = self.open.remove(&(org.to_owned(), issue.to_owned())) else {
            return Ok(false);
        };
        let addr = svc.addr();
        rt.block_on(svc.close());
        let held = ClosedPort::reserve(addr.ip(), addr.port())
            .map_err(|e| internal("holding a closed port")(e.to_string()))?;
        self.closed.push(held);
        Ok(true)
    }
}

/// The demo's scanner: the sandbox resolver, the services' ports and what
/// each means (`PORT=ISSUE`), the sample's blocklist zone.
fn scanner(nameserver: SocketAddr, ports: &[(u16, String)]) -> Result<Scanner, CliError> {
    let list: Vec<String> = ports.iter().map(|(p, i)| format!("{p}={i}")).collect();
    let (ports, rules) = posture::host::parse_ports(&list.join(","))
        .map_err(|e| internal("ports")(e.to_string()))?;
    let mut s = Scanner::default().with_ports(ports, rules);
    s.config.policy.nameserver = Some(nameserver);
    s.config.dnsbl_zones = vec![DNSBL_ZONE.to_owned()];
    Ok(s)
}

fn summary(org: &SampleOrg, services: &Services, s: &ScanOutput) -> ScanSummary {
    ScanSummary {
        id: org.id.clone(),
        targets: s.targets.clone(),
        services: services.listening(&org.id),
        ports: services
            .ports
            .iter()
            .map(|(p, i)| format!("{p}={i}"))
            .collect(),
        observations: s.observations.len(),
        facts: s.observations.iter().filter(|x| x.fact().is_some()).count(),
        inconclusive: s.inconclusive.clone(),
        findings: s.findings.findings.len(),
        queries: s.queries,
    }
}

/// Splits one organisation's scan into portfolio domain entries: each asset
/// and finding goes to the domain it is (or is under); addresses go to the
/// first domain.
fn domain_entries(org: &SampleOrg, scan: &ScanOutput) -> Vec<DomainEntry> {
    let names = org.domain_names();
    let home = |asset: &str| -> usize {
        let a = asset.to_ascii_lowercase();
        names
            .iter()
            .position(|d| a == *d || a.ends_with(&format!(".{d}")))
            .unwrap_or(0)
    };
    let mut entries: Vec<DomainEntry> = names
        .iter()
        .map(|d| DomainEntry {
            domain: d.clone(),
            assets: Vec::new(),
            findings: Vec::new(),
        })
        .collect();
    for a in &scan.findings.assets {
        let i = home(a);
        if let Some(e) = entries.get_mut(i) {
            if !e.domain.eq_ignore_ascii_case(a) {
                e.assets.push(a.clone());
            }
        }
    }
    for f in &scan.findings.findings {
        if let Some(e) = entries.get_mut(home(&f.asset)) {
            e.findings.push(f.clone());
        }
    }
    entries
}

fn portfolio(
    sample: &SampleWorld,
    scans: &BTreeMap<String, ScanOutput>,
    as_of: Timestamp,
) -> Result<Portfolio, CliError> {
    let scan_of = |id: &str| {
        scans
            .get(id)
            .ok_or_else(|| CliError::Internal(format!("demo: no scan of `{id}`")))
    };
    let mut vendors = Vec::new();
    for v in &sample.vendors {
        let criticality = serde_json::from_value(serde_json::Value::String(v.criticality.clone()))
            .map_err(|e| internal("criticality")(e.to_string()))?;
        vendors.push(Vendor {
            id: v.id.clone(),
            name: v.name.clone(),
            in_use: v.in_use,
            criticality,
            domains: domain_entries(v, scan_of(&v.id)?),
            questionnaire_risks: Vec::new(),
        });
    }
    Ok(Portfolio {
        organization: sample.requester.name.clone(),
        as_of,
        domains: domain_entries(&sample.requester, scan_of(&sample.requester.id)?),
        vendors,
    })
}

/// The workflow store and the log of what the demo asked of it.
struct Workflow {
    store: Store,
    path: PathBuf,
    log: Vec<WorkflowStep>,
    emails: Vec<Effect>,
    rescans_requested: usize,
}

impl Workflow {
    /// Runs commands as one durable batch; any refusal is a demo defect.
    fn run(&mut self, step: u8, commands: Vec<(&str, serde_json::Value)>) -> Result<(), CliError> {
        let now = now();
        let mut batch = Vec::with_capacity(commands.len());
        for (actor, json) in commands {
            let command: Command = serde_json::from_value(json.clone())
                .map_err(|e| internal("a scripted command")(format!("{json}: {e}")))?;
            batch.push(Request {
                actor: actor.to_owned(),
                at: now,
                command,
            });
        }
        let responses = self.store.run_batch(&batch).map_err(|e| CliError::Io {
            path: self.path.display().to_string(),
            source: std::io::Error::other(e.to_string()),
        })?;
        for (req, resp) in batch.into_iter().zip(responses) {
            let result = match &resp {
                Response::Ok { effects, .. } => {
                    for e in effects {
                        match e {
                            Effect::Email { .. } => self.emails.push(e.clone()),
                            Effect::Rescan { .. } => self.rescans_requested += 1,
                            _ => {}
                        }
                    }
                    "ok".to_owned()
                }
                Response::Err { error, .. } => {
                    return Err(CliError::Internal(format!(
                        "demo: the workflow refused {}: {error}",
                        serde_json::to_string(&req.command)?
                    )));
                }
            };
            self.log.push(WorkflowStep {
                step,
                actor: req.actor,
                command: req.command,
                result,
            });
        }
        Ok(())
    }
}

fn record_score(org: &str, card: &Scorecard) -> Option<serde_json::Value> {
    let factors: BTreeMap<String, String> = card
        .factors
        .iter()
        .filter(|f| f.assessed)
        .map(|f| (f.factor.as_str().to_owned(), f.score.to_string()))
        .collect();
    Some(serde_json::json!({
        "type": "record_score", "org": org,
        "score": card.score?.to_string(), "grade": card.grade, "factors": factors,
    }))
}

/// Runs the demo and builds its output.
pub fn build(store_path: Option<&Path>) -> Result<DemoOutput, CliError> {
    if let Some(p) = store_path.filter(|p| p.exists()) {
        return Err(CliError::Usage(format!(
            "--store {}: the file exists; the demo writes a new store (remove it or name another)",
            p.display()
        )));
    }
    let rt = runtime()?;
    let catalog = Catalog::builtin();
    let mut sample = SampleWorld::standard();

    // The sandbox: one DNS server, one listener per exposed service.
    let server = rt
        .block_on(DnsSandbox::start(sample.world()))
        .map_err(|e| internal("starting the DNS server")(e.to_string()))?;
    let mut services = Services::start(&rt, &sample)?;

    // 1. Scan, classify, score.
    let mut scans = BTreeMap::new();
    let mut summaries = Vec::new();
    let scan = scanner(server.addr(), &services.ports)?;
    for o in sample.orgs() {
        let s = run_scan(&rt, &scan, &o.targets(), &o.name)?;
        summaries.push(summary(o, &services, &s));
        scans.insert(o.id.clone(), s);
    }
    let scorecards: Vec<DemoCard> = sample
        .orgs()
        .filter_map(|o| {
            let s = scans.get(&o.id)?;
            let vendor = o.id != sample.requester.id;
            Some(DemoCard {
                id: o.id.clone(),
                role: if vendor { "vendor" } else { "requester" },
                in_use: vendor.then_some(o.in_use),
                card: s.scorecard.clone(),
            })
        })
        .collect();

    // 2. The portfolio.
    // The portfolio is scored as of the latest scan.
    let as_of = scans
        .values()
        .map(|s| s.findings.as_of)
        .max()
        .unwrap_or_else(now);
    let score_config = ScoreConfig::default();
    let csr_model = CsrV1::new(PostureV1::default(), &score_config, CsrConfig::default())
        .map_err(|e| internal("csr")(e.to_string()))?;
    let aggregate = |p: &Portfolio| -> Result<CsrResult, CliError> {
        let valid = p
            .validate(&catalog)
            .map_err(|e| internal("the portfolio")(e.to_string()))?;
        Ok(csr_model.aggregate(&valid))
    };
    let book = portfolio(&sample, &scans, as_of)?;
    let csr = aggregate(&book)?;

    // 3. The worst in-use vendor, its plan, the expectation, the workflow.
    let worst = csr
        .vendors
        .iter()
        .filter(|v| v.in_use)
        .min_by(|a, b| a.fraction.cmp(&b.fraction).then_with(|| a.id.cmp(&b.id)))
        .map(|v| v.id.clone())
        .ok_or_else(|| CliError::Internal("demo: no vendor in use".into()))?;
    let vendor = sample
        .org(&worst)
        .cloned()
        .ok_or_else(|| CliError::Internal(format!("demo: no sample vendor `{worst}`")))?;
    let before = scans
        .get(&worst)
        .ok_or_else(|| CliError::Internal("demo: no scan of the worst vendor".into()))?;
    let assessment = before
        .findings
        .validate(catalog.clone())
        .map_err(|e| internal("the vendor's findings")(e.to_string()))?;
    let improve = posture::plan(&PostureV1::default(), &assessment, Target::Grade(TARGET))
        .map_err(|e| internal("planning")(e.to_string()))?;
    let card_before = &before.scorecard;

    let tmp = tempfile::tempdir().map_err(|source| CliError::Io {
        path: std::env::temp_dir().display().to_string(),
        source,
    })?;
    let path = store_path.map_or_else(|| tmp.path().join("plans.sqlite"), Path::to_path_buf);
    let store = crate::workflow_cmd::open_write(&path, catalog.clone())?;
    let mut wf = Workflow {
        store,
        path,
        log: Vec::new(),
        emails: Vec::new(),
        rescans_requested: 0,
    };
    let due = Timestamp(now().0 + chrono::Duration::days(30));
    let req = sample.requester.clone();
    let mut setup = vec![(
        HOST,
        serde_json::json!({"type": "register_organization", "org": req.id, "name": req.name,
            "domains": req.domain_names(), "assets": [req.address.to_string()]}),
    )];
    setup.push((
        HOST,
        serde_json::json!({"type": "register_user", "user": REQUESTER_USER, "org": req.id,
            "name": "Alice Chen", "email": format!("alice.chen@{}", req.domain_names().first().cloned().unwrap_or_default())}),
    ));
    for v in &sample.vendors {
        setup.push((
            HOST,
            serde_json::json!({"type": "register_organization", "org": v.id, "name": v.name,
                "domains": v.domain_names(), "assets": [v.address.to_string()]}),
        ));
        if let Some(c) = scans
            .get(&v.id)
            .and_then(|s| record_score(&v.id, &s.scorecard))
        {
            setup.push((HOST, c));
        }
    }
    wf.run(3, setup)?;

    let (contact_name, contact_email) = vendor
        .contact
        .clone()
        .ok_or_else(|| CliError::Internal(format!("demo: `{worst}` has no contact")))?;
    let contact = format!("c-{worst}");
    let vendor_user = format!("u-{worst}");
    let plan_id = format!("plan-{worst}-1");
    let suggested: Vec<&str> = improve.steps.iter().map(|s| s.issue.as_str()).collect();
    wf.run(
        3,
        vec![
            (
                REQUESTER_USER,
                serde_json::json!({"type": "add_contact", "contact": contact, "vendor": worst,
                    "name": contact_name, "email": contact_email, "title": "Head of IT security"}),
            ),
            (
                REQUESTER_USER,
                serde_json::json!({"type": "send_invitation", "contact": contact,
                    "message": "Please claim your scorecard: we rely on you."}),
            ),
            (
                HOST,
                serde_json::json!({"type": "accept_invitation", "contact": contact, "user": vendor_user}),
            ),
            (
                REQUESTER_USER,
                serde_json::json!({"type": "set_expectation", "vendor": worst, "target": {"grade": TARGET},
                    "due": due, "suggested_issues": suggested}),
            ),
            (
                REQUESTER_USER,
                serde_json::json!({"type": "create_plan", "plan": plan_id, "vendor": worst,
                    "assignee": vendor_user, "title": format!("Reach grade {TARGET} within 30 days"),
                    "target": {"grade": TARGET}, "due": due}),
            ),
        ],
    )?;
    // One item per finding of each issue type the planner chose.
    let mut items: Vec<(String, String, String)> = Vec::new();
    for step in &improve.steps {
        for f in before
            .findings
            .findings
            .iter()
            .filter(|f| f.issue == step.issue)
        {
            items.push((
                format!("i{}", items.len() + 1),
                f.issue.clone(),
                f.asset.clone(),
            ));
        }
    }
    let mut cmds: Vec<(&str, serde_json::Value)> = items
        .iter()
        .map(|(item, issue, asset)| {
            (
                REQUESTER_USER,
                serde_json::json!({"type": "add_plan_item", "plan": plan_id, "item": item, "issue": issue, "asset": asset}),
            )
        })
        .collect();
    cmds.push((
        REQUESTER_USER,
        serde_json::json!({"type": "send_plan", "plan": plan_id}),
    ));
    wf.run(3, cmds)?;
    let status_before = wf.store.state().expectation_status(&req.id, &worst, now());

    // 4. The vendor fixes what the plan names, then marks the items fixed.
    wf.run(
        4,
        vec![(
            vendor_user.as_str(),
            serde_json::json!({"type": "post_message", "plan": plan_id,
                "text": "Thanks, we are on it: records first, then the exposed services."}),
        )],
    )?;
    for (_, issue, asset) in &items {
        sample
            .fix(&worst, issue, asset)
            .map_err(|e| internal("fixing")(e.to_string()))?;
        services.close(&rt, &worst, issue)?;
    }
    server.update(|w| *w = sample.world());
    wf.run(
        4,
        items
            .iter()
            .map(|(item, _, _)| {
                (
                    vendor_user.as_str(),
                    serde_json::json!({"type": "mark_fixed", "plan": plan_id, "item": item}),
                )
            })
            .collect(),
    )?;
    // The rescans the workflow asked for, against the same server and the
    // same port list (the closed services' ports included).
    let rescans = run_rescans(&rt, &mut wf.store, &wf.path, &scan, None)?;
    if rescans.len() != wf.rescans_requested {
        return Err(CliError::Internal(format!(
            "demo: the workflow asked for {} rescans, {} ran",
            wf.rescans_requested,
            rescans.len()
        )));
    }
    for r in &rescans {
        match (&r.response, &r.error) {
            (_, Some(problem)) => {
                return Err(CliError::Internal(format!(
                    "demo: rescan of {} on {} failed: {}",
                    r.issue, r.asset, problem.message
                )));
            }
            (Some(Response::Err { error, .. }), _) => {
                return Err(CliError::Internal(format!(
                    "demo: record_rescan refused: {error}"
                )));
            }
            _ => {}
        }
    }

    // 5. The vendor's new score and the portfolio after.
    let mut after_scan = run_scan(&rt, &scan, &vendor.targets(), &vendor.name)?;
    // What was open before and still is keeps its first sighting (the
    // score depends on last_seen only).
    posture::host::merge_first_seen(&mut after_scan.findings, &before.findings);
    let scorecard_after = after_scan.scorecard.clone();
    let mut closing = Vec::new();
    if let Some(c) = record_score(&worst, &scorecard_after) {
        closing.push((HOST, c));
    }
    wf.run(5, closing)?;
    let all_verified = wf
        .store
        .state()
        .plans
        .get(&req.id, &plan_id)
        .is_some_and(|p| {
            p.items
                .iter()
                .all(|i| i.status == posture::plan_workflow::ItemStatus::Verified)
        });
    if all_verified {
        wf.run(
            5,
            vec![(
                REQUESTER_USER,
                serde_json::json!({"type": "close_plan", "plan": plan_id}),
            )],
        )?;
    }
    let end = now();
    let status_after = wf.store.state().expectation_status(&req.id, &worst, end);
    let plan = query::plan_view(wf.store.state(), &catalog, REQUESTER_USER, &plan_id, end)
        .map_err(|e| internal("reading the plan")(e.to_string()))?;
    let mut book_after = book.clone();
    if let Some(v) = book_after.vendors.iter_mut().find(|v| v.id == worst) {
        v.domains = domain_entries(&vendor, &after_scan);
    }
    book_after.as_of = after_scan.findings.as_of;
    let csr_after = aggregate(&book_after)?;
    let after = After {
        vendor: worst.clone(),
        score_before: card_before.score,
        score_after: scorecard_after.score,
        grade_before: card_before.grade,
        grade_after: scorecard_after.grade,
        csr_before: csr.csr,
        csr_after: csr_after.csr,
        csr_grade_before: csr.grade,
        csr_grade_after: csr_after.grade,
        expectation_met: status_after == ExpectationStatus::Met,
    };
    Ok(DemoOutput {
        nameserver: server.addr(),
        requester: req.id.clone(),
        scorecards,
        scans: summaries,
        portfolio: book,
        csr,
        improve,
        expectation: ExpectationOut {
            vendor: worst,
            target: TARGET,
            due,
            status_before,
            status_after,
        },
        workflow: wf.log,
        emails: wf.emails,
        rescans,
        plan,
        scorecard_after,
        portfolio_after: book_after,
        csr_after,
        after,
    })
}

/// Runs the demo: prints the narration (or JSON) and writes the report.
pub fn run(opts: &DemoOptions) -> Result<String, CliError> {
    let out = build(opts.store.as_deref())?;
    if let Some(path) = &opts.report {
        std::fs::write(path, crate::report::html(&out)).map_err(|source| CliError::Io {
            path: path.display().to_string(),
            source,
        })?;
    }
    match opts.format {
        Format::Json => Ok(serde_json::to_string_pretty(&out)? + "\n"),
        Format::Table => Ok(narrate(&out, opts)),
    }
}

fn score_text(d: Option<Decimal>) -> String {
    d.map_or_else(|| "—".to_owned(), |x| x.to_string())
}

/// The table output: each step, briefly.
fn narrate(out: &DemoOutput, opts: &DemoOptions) -> String {
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
        "\n4. The vendor fixes its zone and services, marks the items fixed\n"
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
