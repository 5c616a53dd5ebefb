//! The folded state and the one place events change it ([`apply`]).

use crate::model::Question;
use crate::model::{Answer, ContactFields, Envelope, Event, ItemStatus, PlanStatus, PlanTarget};
use crate::namespace::Namespaced;
use crate::text::{InlineStr, SharedStr};
use posture_core::{Factor, Grade, Timestamp};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An organisation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Org {
    /// Display name.
    pub name: String,
    /// Domains (normalised host names).
    pub domains: Vec<String>,
    /// IP addresses and CIDR blocks (normalised).
    pub assets: Vec<String>,
    /// Latest recorded score and grade.
    pub score: Option<(Decimal, Grade)>,
    /// Latest recorded factor scores.
    pub factors: BTreeMap<Factor, Decimal>,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The id of the organisation the user belongs to.
    pub org: String,
    /// Display name.
    pub name: String,
    /// E-mail address, where e-mails about plans go.
    pub email: String,
    /// Latest login.
    pub last_login: Option<Timestamp>,
}

/// A plan item.
///
/// A large store holds millions of items, so an item is compact (64
/// bytes, and usually no allocation of its own): its id is an
/// [`InlineStr`], kept inside the item when short, and its other texts are
/// [`SharedStr`]s, which items share where the values repeat (a snapshot
/// loads one copy of each distinct issue type or asset per chunk of plans;
/// see BENCHMARKS.md, "Workflow store"). Sharing is invisible: items are
/// equal when their values are. Read the texts as `&str`: `&*item.item`,
/// `item.issue.as_deref()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The item's id within the plan.
    pub item: InlineStr,
    /// Issue type (a catalog id), for an issue item.
    pub issue: Option<SharedStr>,
    /// Host name or IP address, for an issue item.
    pub asset: Option<SharedStr>,
    /// Questionnaire risk (`QUESTIONNAIRE:QUESTION`), for a questionnaire item.
    pub questionnaire_risk: Option<SharedStr>,
    /// Where the item stands.
    pub status: ItemStatus,
    /// How often it reopened.
    pub reopened: u32,
    /// Latest information provided.
    pub info: Option<SharedStr>,
}

/// A plan's items, in order of addition. Read them as a slice of
/// [`Item`]s (`Deref<Target = [Item]>`: `items.iter()`, `items.len()`,
/// `items[0]`); make them from a `Vec<Item>` or an iterator. Only
/// [`apply`] changes them.
///
/// The items of a plan loaded from a snapshot are kept encoded until
/// first read, and decoded then (once; reading them from several threads
/// is safe). A large store holds most of its state in plan items, and a
/// query reads the items of few plans: so opening the store neither
/// builds nor frees the items of the plans it does not read (see
/// BENCHMARKS.md, "Workflow store"). This is invisible to readers: the
/// bytes were checked to decode whole when the snapshot was loaded, and
/// items compare, clone and print as the slice they hold.
#[derive(Clone, Default)]
pub struct Items {
    /// The items, when decoded (always, unless `encoded` is set).
    decoded: Vec<Item>,
    /// Items not decoded yet, and once decoded, where they are.
    encoded: Option<Encoded>,
}

/// Items kept encoded, and decoded on first read.
#[derive(Clone)]
struct Encoded {
    bytes: crate::snapshot::EncodedItems,
    decoded: std::sync::OnceLock<Vec<Item>>,
}

impl Items {
    /// Items kept encoded until read.
    pub(crate) fn encoded(bytes: crate::snapshot::EncodedItems) -> Items {
        Items {
            decoded: Vec::new(),
            encoded: Some(Encoded {
                bytes,
                decoded: std::sync::OnceLock::new(),
            }),
        }
    }

    /// Whether the items are decoded (they always are unless loaded from
    /// a snapshot and not read since).
    pub fn is_decoded(&self) -> bool {
        self.encoded
            .as_ref()
            .is_none_or(|e| e.decoded.get().is_some())
    }

    /// The items, to change (decoding them first if needed).
    pub(crate) fn make_mut(&mut self) -> &mut Vec<Item> {
        if let Some(e) = self.encoded.take() {
            self.decoded = e.decoded.into_inner().unwrap_or_else(|| e.bytes.decode());
        }
        &mut self.decoded
    }
}

impl std::ops::Deref for Items {
    type Target = [Item];
    fn deref(&self) -> &[Item] {
        match &self.encoded {
            None => &self.decoded,
            Some(e) => e.decoded.get_or_init(|| e.bytes.decode()),
        }
    }
}

impl From<Vec<Item>> for Items {
    fn from(decoded: Vec<Item>) -> Items {
        Items {
            decoded,
            encoded: None,
        }
    }
}

impl FromIterator<Item> for Items {
    fn from_iter<I: IntoIterator<Item = Item>>(iter: I) -> Items {
        Items::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl<'a> IntoIterator for &'a Items {
    type Item = &'a Item;
    type IntoIter = std::slice::Iter<'a, Item>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl PartialEq for Items {
    fn eq(&self, other: &Items) -> bool {
        **self == **other
    }
}

impl Eq for Items {}

impl std::fmt::Debug for Items {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

/// A message on a plan's thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Author user id.
    pub from: String,
    /// When it was posted.
    pub at: Timestamp,
    /// The message.
    pub text: String,
}

/// An action plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Requesting organisation.
    pub requester: String,
    /// The user who created it.
    pub created_by: String,
    /// Vendor organisation.
    pub vendor: String,
    /// Assignee (a vendor user).
    pub assignee: String,
    /// The plan's title.
    pub title: String,
    /// What the plan aims at.
    pub target: PlanTarget,
    /// When the plan is due.
    pub due: Timestamp,
    /// The plan's status.
    pub status: PlanStatus,
    /// Items in order of addition.
    pub items: Items,
    /// The message thread, oldest first.
    pub messages: Vec<Message>,
}

/// A contact kept by a requesting organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The requesting organisation that keeps it.
    pub requester: String,
    /// Vendor, name, e-mail, title.
    pub fields: ContactFields,
    /// Latest (re-)invitation.
    pub invited_at: Option<Timestamp>,
    /// Invitations sent, re-sends included.
    pub invitations: u32,
    /// The vendor user created on acceptance.
    pub accepted_user: Option<String>,
}

/// A questionnaire sent to a vendor contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Questionnaire {
    /// Requesting organisation.
    pub requester: String,
    /// The vendor organisation's id.
    pub vendor: String,
    /// Contact (in the requester's namespace).
    pub contact: String,
    /// The questions asked.
    pub questions: Vec<Question>,
    /// When the answers are due.
    pub due: Timestamp,
    /// Answers, once given.
    pub answers: Option<Vec<Answer>>,
}

/// A security-document request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRequest {
    /// Requesting organisation.
    pub requester: String,
    /// The vendor organisation's id.
    pub vendor: String,
    /// Contact (in the requester's namespace).
    pub contact: String,
    /// Kind of document (`soc2`, `pentest`, ...).
    pub kind: String,
    /// When the document is due.
    pub due: Timestamp,
    /// Reference, once fulfilled.
    pub reference: Option<String>,
}

/// A report an organisation shared, and with whom.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SharedReport {
    /// The contacts it was shared with, in order.
    pub contacts: Vec<String>,
}

/// A score expectation of a requester for a vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// Target (grade or score, optionally per factor).
    pub target: PlanTarget,
    /// When the target should be met.
    pub due: Timestamp,
    /// Suggested issue types.
    pub suggested_issues: Vec<String>,
    /// When set or last repeated.
    pub set_at: Timestamp,
    /// How often it was repeated.
    pub repeats: u32,
}

/// Where an expectation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExpectationStatus {
    /// No expectation.
    Unset,
    /// Set, not met, not yet due.
    Pending,
    /// Met by the vendor's recorded score.
    Met,
    /// Past due and not met.
    Unmet,
}

/// An open or closed questionnaire risk, in the portfolio format's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct QuestionnaireRiskView {
    /// `QUESTIONNAIRE:QUESTION`.
    pub id: String,
    /// The question.
    pub title: String,
    /// Severity of the failing answer.
    pub severity: posture_core::Severity,
    /// `open`, or `closed` once an action-plan item naming it was accepted.
    pub status: String,
}

/// Everything the events say, folded. Read it freely; change it only
/// through [`apply`] (the namespaced collections keep an index).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct State {
    /// Organisations by id.
    pub orgs: BTreeMap<String, Org>,
    /// Users by id.
    pub users: BTreeMap<String, User>,
    /// Plans by (requester, id).
    pub plans: Namespaced<Plan>,
    /// Contacts by (requester, id).
    pub contacts: Namespaced<Contact>,
    /// Expectations by (requester, vendor).
    pub expectations: BTreeMap<(String, String), Expectation>,
    /// Latest reminder per (requester, recipient e-mail).
    pub reminded: BTreeMap<(String, String), Timestamp>,
    /// Questionnaires by (requester, id).
    pub questionnaires: Namespaced<Questionnaire>,
    /// Document requests by (requester, id).
    pub documents: Namespaced<DocumentRequest>,
    /// Shared reports by (requester, id).
    pub reports: Namespaced<SharedReport>,
}

/// Whether an organisation's recorded scores meet a grade or score target.
/// `None` when nothing relevant has been recorded (and for issue targets,
/// which [`State::target_met`] judges from the plan's items).
pub fn meets(org: &Org, t: &PlanTarget) -> Option<bool> {
    let score = match t.factor {
        Some(f) => *org.factors.get(&f)?,
        None => org.score?.0,
    };
    if let Some(g) = t.grade {
        return Some(Grade::from_score(score).meets(g));
    }
    t.score.map(|s| score >= s)
}

impl State {
    /// Whether an organisation has claimed its scorecard (a member logged in).
    pub fn claimed(&self, org: &str) -> bool {
        self.users
            .values()
            .any(|u| u.org == org && u.last_login.is_some())
    }

    /// Whether a member of `org` logged in within `days` days of `now`.
    pub fn logged_in_within(&self, org: &str, now: Timestamp, days: i64) -> bool {
        self.users
            .values()
            .filter(|u| u.org == org)
            .filter_map(|u| u.last_login)
            .any(|t| now.0.signed_duration_since(t.0) <= chrono::TimeDelta::days(days))
    }

    /// Whether an organisation is active: claimed, and a member logged in
    /// within the last 90 days.
    pub fn active(&self, org: &str, now: Timestamp) -> bool {
        self.logged_in_within(org, now, 90)
    }

    /// Where the expectation of `requester` for `vendor` stands at `now`.
    pub fn expectation_status(
        &self,
        requester: &str,
        vendor: &str,
        now: Timestamp,
    ) -> ExpectationStatus {
        let Some(e) = self
            .expectations
            .get(&(requester.to_owned(), vendor.to_owned()))
        else {
            return ExpectationStatus::Unset;
        };
        let met = self
            .orgs
            .get(vendor)
            .and_then(|o| meets(o, &e.target))
            .unwrap_or(false);
        if met {
            ExpectationStatus::Met
        } else if now > e.due {
            ExpectationStatus::Unmet
        } else {
            ExpectationStatus::Pending
        }
    }

    /// Whether a plan's target is met: for an issues target, every item
    /// on those issues is verified or accepted (and there is one); for a
    /// grade or score target, the vendor's recorded score meets it (`None`
    /// until a score is recorded).
    pub fn target_met(&self, p: &Plan) -> Option<bool> {
        if let Some(issues) = &p.target.issues {
            let mut relevant = p
                .items
                .iter()
                .filter(|i| {
                    i.issue
                        .as_deref()
                        .is_some_and(|x| issues.iter().any(|t| t == x))
                })
                .peekable();
            return Some(
                relevant.peek().is_some()
                    && relevant
                        .all(|i| matches!(i.status, ItemStatus::Verified | ItemStatus::Accepted)),
            );
        }
        meets(self.orgs.get(&p.vendor)?, &p.target)
    }

    /// The one definition of a finished plan: closed or cancelled, or its
    /// target met. Reminders, views (`overdue`) and insights all use it.
    pub fn plan_finished(&self, p: &Plan) -> bool {
        matches!(p.status, PlanStatus::Closed | PlanStatus::Cancelled)
            || self.target_met(p) == Some(true)
    }

    /// Whether a plan is overdue at `now`: sent, past due and not finished.
    pub fn plan_overdue(&self, p: &Plan, now: Timestamp) -> bool {
        p.status == PlanStatus::Sent && now > p.due && !self.plan_finished(p)
    }

    /// The questionnaire risks of `vendor` raised by `requester`'s
    /// questionnaires: one per failing answer.
    pub fn questionnaire_risks(&self, requester: &str, vendor: &str) -> Vec<QuestionnaireRiskView> {
        let settled = |id: &str| {
            self.plans.in_org(requester).any(|(_, p)| {
                p.items.iter().any(|i| {
                    i.questionnaire_risk.as_deref() == Some(id) && i.status == ItemStatus::Accepted
                })
            })
        };
        let mut out = Vec::new();
        for (qid, q) in self.questionnaires.in_org(requester) {
            if q.vendor != vendor {
                continue;
            }
            for a in q.answers.iter().flatten().filter(|a| !a.pass) {
                if let Some(question) = q.questions.iter().find(|x| x.id == a.id) {
                    let id = format!("{qid}:{}", a.id);
                    let status = if settled(&id) { "closed" } else { "open" };
                    out.push(QuestionnaireRiskView {
                        id,
                        title: question.text.clone(),
                        severity: question.severity,
                        status: status.into(),
                    });
                }
            }
        }
        out
    }
}

/// `value` as a shared string: a clone of `prev` when equal to it, else
/// a new one.
fn shared(value: Option<String>, prev: Option<&SharedStr>) -> Option<SharedStr> {
    let value = value?;
    Some(match prev {
        Some(p) if *p == value => p.clone(),
        _ => SharedStr::from(value),
    })
}

/// Folds one event into the state. Events come from
/// [`decide`](crate::decide) (or a store written by it), so they are
/// applied as facts.
pub fn apply(state: &mut State, e: &Envelope) {
    apply_owned(state, e.clone());
}

/// [`apply`], taking the event by value (no copies of its strings; the
/// store's replay path).
pub fn apply_owned(state: &mut State, e: Envelope) {
    let (at, actor) = (e.at, e.actor);
    match e.event {
        Event::OrganizationRegistered {
            org,
            name,
            domains,
            assets,
        } => {
            state.orgs.insert(
                org,
                Org {
                    name,
                    domains,
                    assets,
                    ..Org::default()
                },
            );
        }
        Event::UserRegistered {
            user,
            org,
            name,
            email,
        } => {
            state.users.insert(
                user,
                User {
                    org,
                    name,
                    email,
                    last_login: None,
                },
            );
        }
        Event::LoginRecorded { user } => {
            if let Some(u) = state.users.get_mut(&user) {
                u.last_login = Some(at);
            }
        }
        Event::ScoreRecorded {
            org,
            score,
            grade,
            factors,
        } => {
            if let Some(o) = state.orgs.get_mut(&org) {
                o.score = Some((score, grade));
                o.factors = factors.unwrap_or_default();
            }
        }
        Event::PlanCreated {
            plan,
            requester,
            vendor,
            assignee,
            title,
            target,
            due,
        } => {
            state.plans.insert(
                requester.clone(),
                plan,
                Plan {
                    requester,
                    created_by: actor,
                    vendor,
                    assignee,
                    title,
                    target,
                    due,
                    status: PlanStatus::Draft,
                    items: Items::default(),
                    messages: Vec::new(),
                },
            );
        }
        Event::ItemAdded {
            requester,
            plan,
            item,
            issue,
            asset,
            questionnaire_risk,
        } => {
            if let Some(p) = state.plans.get_mut(&requester, &plan) {
                // Share the previous item's strings when they are equal
                // (items are often added in runs on one issue or asset).
                let items = p.items.make_mut();
                let last = items.last();
                let issue = shared(issue, last.and_then(|i| i.issue.as_ref()));
                let asset = shared(asset, last.and_then(|i| i.asset.as_ref()));
                items.push(Item {
                    item: item.into(),
                    issue,
                    asset,
                    questionnaire_risk: questionnaire_risk.map(SharedStr::from),
                    status: ItemStatus::Open,
                    reopened: 0,
                    info: None,
                });
            }
        }
        Event::PlanStatusChanged {
            requester,
            plan,
            status,
        } => {
            if let Some(p) = state.plans.get_mut(&requester, &plan) {
                p.status = status;
            }
        }
        Event::MessagePosted {
            requester,
            plan,
            from,
            text,
        } => {
            if let Some(p) = state.plans.get_mut(&requester, &plan) {
                p.messages.push(crate::state::Message { from, at, text });
            }
        }
        Event::ItemStatusChanged {
            requester,
            plan,
            item,
            status,
            info,
        } => {
            if let Some(it) = state
                .plans
                .get_mut(&requester, &plan)
                .and_then(|p| p.items.make_mut().iter_mut().find(|i| i.item == item))
            {
                if status == ItemStatus::Open && it.status != ItemStatus::Open {
                    it.reopened += 1;
                }
                it.status = status;
                if let Some(info) = info {
                    it.info = Some(info.into());
                }
            }
        }
        Event::ContactSaved {
            contact,
            requester,
            fields,
        } => match state.contacts.get_mut(&requester, &contact) {
            Some(c) => c.fields = fields,
            None => {
                state.contacts.insert(
                    requester.clone(),
                    contact,
                    Contact {
                        requester,
                        fields,
                        invited_at: None,
                        invitations: 0,
                        accepted_user: None,
                    },
                );
            }
        },
        Event::ContactRemoved { requester, contact } => {
            state.contacts.remove(&requester, &contact);
        }
        Event::InvitationSent {
            requester, contact, ..
        } => {
            if let Some(c) = state.contacts.get_mut(&requester, &contact) {
                c.invited_at = Some(at);
                c.invitations += 1;
            }
        }
        Event::InvitationAccepted {
            requester,
            contact,
            user,
        } => {
            if let Some(c) = state.contacts.get_mut(&requester, &contact) {
                c.accepted_user = Some(user);
            }
        }
        Event::ExpectationSet {
            requester,
            vendor,
            target,
            due,
            suggested_issues,
        } => {
            state.expectations.insert(
                (requester, vendor),
                Expectation {
                    target,
                    due,
                    suggested_issues,
                    set_at: at,
                    repeats: 0,
                },
            );
        }
        Event::ExpectationRepeated {
            requester,
            vendor,
            due,
        } => {
            if let Some(e) = state.expectations.get_mut(&(requester, vendor)) {
                e.due = due;
                e.set_at = at;
                e.repeats += 1;
            }
        }
        Event::ReminderSent { requester, to, .. } => {
            state.reminded.insert((requester, to), at);
        }
        Event::QuestionnaireSent {
            questionnaire,
            requester,
            vendor,
            contact,
            questions,
            due,
        } => {
            state.questionnaires.insert(
                requester.clone(),
                questionnaire,
                Questionnaire {
                    requester,
                    vendor,
                    contact,
                    questions,
                    due,
                    answers: None,
                },
            );
        }
        Event::QuestionnaireAnswered {
            requester,
            questionnaire,
            answers,
        } => {
            if let Some(q) = state.questionnaires.get_mut(&requester, &questionnaire) {
                q.answers = Some(answers);
            }
        }
        Event::DocumentRequested {
            request,
            requester,
            vendor,
            contact,
            kind,
            due,
        } => {
            state.documents.insert(
                requester.clone(),
                request,
                DocumentRequest {
                    requester,
                    vendor,
                    contact,
                    kind,
                    due,
                    reference: None,
                },
            );
        }
        Event::DocumentFulfilled {
            requester,
            request,
            reference,
        } => {
            if let Some(r) = state.documents.get_mut(&requester, &request) {
                r.reference = Some(reference);
            }
        }
        Event::ReportShared {
            requester,
            contact,
            report,
        } => match state.reports.get_mut(&requester, &report) {
            Some(r) => r.contacts.push(contact),
            None => state.reports.insert(
                requester,
                report,
                SharedReport {
                    contacts: vec![contact],
                },
            ),
        },
    }
}
