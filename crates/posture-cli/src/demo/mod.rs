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

mod narrate;
mod output;
mod serve;
mod world;

pub use output::{After, DemoCard, DemoOutput, ExpectationOut, WorkflowStep};

use crate::Format;
use crate::error::CliError;
use crate::scan_cmd::{run_scan, runtime};
use crate::workflow_cmd::run_rescans;
use posture::plan_workflow::{
    Command, Effect, ExpectationStatus, HOST, Request, Response, Store, query,
};
use posture::{
    Aggregation, Catalog, CsrConfig, CsrResult, CsrV1, Grade, Portfolio, PostureV1, ScoreConfig,
    Scorecard, Target, Timestamp,
};
use posture_sandbox::DnsSandbox;
use posture_sandbox::sample::SampleWorld;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use world::{Services, Sites, domain_entries, portfolio, scanner, summary};

/// The grade the demo asks of the worst vendor (expectation and plan).
const TARGET: Grade = Grade::B;
/// The requester's user who runs the vendor programme.
pub(crate) const REQUESTER_USER: &str = "alice";

/// Options of `posture demo`.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Output format.
    pub format: Format,
    /// Also write the HTML report here.
    pub report: Option<PathBuf>,
    /// Keep the workflow store here (default: a temporary file).
    pub store: Option<PathBuf>,
    /// Serve the store on this address once the plan is sent and the
    /// vendor has fixed its world (`--serve`), instead of finishing.
    pub serve: Option<String>,
}

/// The current instant, to the second (the demo's records read better).
fn now() -> Timestamp {
    use chrono::SubsecRound;
    Timestamp(chrono::Utc::now().trunc_subsecs(0))
}

pub(crate) fn internal(what: &str) -> impl Fn(String) -> CliError + '_ {
    move |e| CliError::Internal(format!("demo: {what}: {e}"))
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
    build_or_serve(store_path, None)?.ok_or_else(|| CliError::Internal("demo: no output".into()))
}

/// Runs the demo; with `serve` (an address and the output format), stops
/// once the plan is sent and the vendor has fixed its world, and serves the
/// store there until SIGTERM or Ctrl-C (then `None`).
fn build_or_serve(
    store_path: Option<&Path>,
    serve: Option<(&str, Format)>,
) -> Result<Option<DemoOutput>, CliError> {
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
    let sites = Sites::start(&rt, &sample)?;

    // 1. Scan, classify, score.
    let mut scans = BTreeMap::new();
    let mut summaries = Vec::new();
    let scan = scanner(server.addr(), &services.ports, &sites)?;
    for o in sample.orgs() {
        let s = run_scan(&rt, &scan, &o.targets(), &o.name)?;
        summaries.push(summary(o, &services, &sites, &s));
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
    let improve = posture::improve(&PostureV1::default(), &assessment, Target::Grade(TARGET))
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
                "text": "Thanks, we are on it: records first, then the exposed services and the certificate."}),
        )],
    )?;
    let mut fixed: Vec<&str> = Vec::new();
    for (_, issue, asset) in &items {
        match sample.fix(&worst, issue, asset) {
            Ok(()) => fixed.push(issue),
            // One site answers for the address, the domain and www.: a
            // web fix made for one item covers the others of its issue.
            Err(_) if fixed.contains(&issue.as_str()) => {}
            Err(e) => return Err(internal("fixing")(e.to_string())),
        }
        services.close(&rt, &worst, issue)?;
    }
    sites.refresh(&sample, &worst)?;
    server.update(|w| *w = sample.world());
    if let Some((addr, format)) = serve {
        let Workflow { store, path, .. } = wf;
        drop(store);
        let who = serve::Cast {
            requester_org: req.name.clone(),
            vendor: vendor.name.clone(),
            vendor_user: vendor_user.clone(),
            plan: format!("{}/{plan_id}", req.id),
            items: items.len(),
        };
        serve::run(
            &rt,
            addr,
            format,
            &path,
            store_path.is_some(),
            scan.clone(),
            &who,
        )?;
        drop(tmp);
        return Ok(None);
    }
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
    Ok(Some(DemoOutput {
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
    }))
}

/// The demo's report: every organisation's scorecard as first scanned,
/// the portfolio after the plan compared with before (drill-down into
/// each vendor), the planned vendor's scores before and after as its
/// trend, the planner's answer and the action plan.
pub fn report(out: &DemoOutput) -> Result<String, CliError> {
    let action: posture_report::ActionPlan =
        serde_json::from_value(serde_json::to_value(&out.plan)?)
            .map_err(|e| internal("the plan as the report reads it")(e.to_string()))?;
    let before = out
        .scorecards
        .iter()
        .find(|c| c.id == out.after.vendor)
        .map(|c| c.card.clone());
    let mut input = posture_report::ReportInput::new()
        .with_title(format!(
            "Posture demo: the portfolio of {}",
            out.csr.organization
        ))
        .with_portfolio(
            posture_report::PortfolioReport::new(out.csr_after.clone())
                .with_portfolio(out.portfolio_after.clone())
                .with_previous(out.csr.clone()),
        )
        .with_history(
            before
                .into_iter()
                .chain([out.scorecard_after.clone()])
                .collect(),
        )
        .with_improvement(out.improve.clone())
        .with_action_plan(action);
    input.scorecards = out.scorecards.iter().map(|c| c.card.clone()).collect();
    posture_report::render(&input, &Catalog::builtin())
        .map_err(|e| internal("the report")(e.to_string()))
}

/// Runs the demo: prints the narration (or JSON) and writes the report.
pub fn run(opts: &DemoOptions) -> Result<String, CliError> {
    if let Some(addr) = &opts.serve {
        build_or_serve(opts.store.as_deref(), Some((addr, opts.format)))?;
        return Ok(String::new());
    }
    let out = build(opts.store.as_deref())?;
    if let Some(path) = &opts.report {
        std::fs::write(path, report(&out)?).map_err(|source| CliError::Io {
            path: path.display().to_string(),
            source,
        })?;
    }
    match opts.format {
        Format::Json => Ok(serde_json::to_string_pretty(&out)? + "\n"),
        Format::Table => Ok(narrate::narrate(&out, opts)),
    }
}
