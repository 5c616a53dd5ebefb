//! Action plans: create, items, send, close/cancel, messages, fixes and
//! rescans, information from the vendor.

use super::{Ctx, Decision, repeat};
use crate::error::WorkflowError;
use crate::model::{Effect, Event, HOST, InfoKind, ItemStatus, PlanStatus, PlanTarget};
use crate::namespace::Key;
use crate::state::{Item, Plan};
use crate::validate;
use posture_core::{Outcome, Timestamp, echo};

fn item<'a>(p: &'a Plan, key: &Key, id: &str) -> Result<&'a Item, WorkflowError> {
    p.items
        .iter()
        .find(|i| i.item == id)
        .ok_or_else(|| WorkflowError::not_found("item", &format!("{key}/{id}")))
}

fn status_changed(key: &Key, item: &str, status: ItemStatus, info: Option<String>) -> Event {
    Event::ItemStatusChanged {
        requester: key.org.clone(),
        plan: key.id.clone(),
        item: item.to_owned(),
        status,
        info,
    }
}

pub(super) fn create(
    cx: &Ctx<'_>,
    plan: &str,
    vendor: &str,
    assignee: &str,
    title: &str,
    target: &PlanTarget,
    due: Timestamp,
) -> Result<Decision, WorkflowError> {
    let u = cx.state.user(cx.actor)?;
    validate::id("plan", plan)?;
    validate::nonempty("title", title)?;
    validate::target(target, cx.catalog)?;
    if !cx.state.orgs.contains_key(vendor) {
        return Err(WorkflowError::not_found("organisation", vendor));
    }
    if vendor == u.org {
        return Err(WorkflowError::invalid(
            "a plan is for another organisation (the vendor)",
        ));
    }
    match cx.state.users.get(assignee) {
        Some(a) if a.org == vendor => {}
        _ => {
            return Err(WorkflowError::invalid(format!(
                "assignee `{}` is not a registered user of `{}`",
                echo(assignee),
                echo(vendor)
            )));
        }
    }
    // Only the actor's own namespace is consulted: another organisation's
    // plan with this id is invisible and never a conflict.
    if let Some(p) = cx.state.plans.get(&u.org, plan) {
        let same = p.vendor == vendor
            && p.assignee == assignee
            && p.title == title
            && p.target == *target
            && p.due == due;
        return repeat(
            same,
            format!("plan `{}` exists with other content", echo(plan)),
        );
    }
    Ok(cx.one(Event::PlanCreated {
        plan: plan.to_owned(),
        requester: u.org.clone(),
        vendor: vendor.to_owned(),
        assignee: assignee.to_owned(),
        title: title.to_owned(),
        target: target.clone(),
        due,
    }))
}

pub(super) fn add_item(
    cx: &Ctx<'_>,
    plan: &str,
    id: &str,
    issue: Option<&str>,
    asset: Option<&str>,
    questionnaire_risk: Option<&str>,
) -> Result<Decision, WorkflowError> {
    let (key, p) = cx.state.requester_plan(cx.actor, plan)?;
    validate::id("item", id)?;
    match (issue, asset, questionnaire_risk) {
        (Some(i), Some(a), None) => {
            validate::issue("issue", i, cx.catalog)?;
            let vendor = cx
                .state
                .orgs
                .get(&p.vendor)
                .ok_or_else(|| WorkflowError::not_found("organisation", &p.vendor))?;
            crate::validate::in_footprint(vendor, a)
                .map_err(|why| WorkflowError::invalid(format!("asset: {why}")))?;
        }
        (None, None, Some(q)) => {
            if !cx
                .state
                .questionnaire_risks(&p.requester, &p.vendor)
                .iter()
                .any(|r| r.id == q)
            {
                return Err(WorkflowError::invalid(format!(
                    "questionnaire_risk: no risk `{}` of `{}` from this organisation's questionnaires",
                    echo(q),
                    echo(&p.vendor)
                )));
            }
        }
        _ => {
            return Err(WorkflowError::invalid(
                "an item names an issue and an asset, or a questionnaire risk",
            ));
        }
    }
    if let Some(existing) = p.items.iter().find(|i| i.item == id) {
        let same = existing.issue.as_deref() == issue
            && existing.asset.as_deref() == asset
            && existing.questionnaire_risk.as_deref() == questionnaire_risk;
        return repeat(
            same,
            format!("item `{key}/{}` exists with other content", echo(id)),
        );
    }
    if matches!(p.status, PlanStatus::Closed | PlanStatus::Cancelled) {
        return Err(WorkflowError::invalid_state(format!(
            "plan `{key}` is no longer open"
        )));
    }
    Ok(cx.one(Event::ItemAdded {
        requester: key.org,
        plan: key.id,
        item: id.to_owned(),
        issue: issue.map(str::to_owned),
        asset: asset.map(str::to_owned),
        questionnaire_risk: questionnaire_risk.map(str::to_owned),
    }))
}

fn email(cx: &Ctx<'_>, template: &str, user: &str, key: &Key) -> Option<Effect> {
    cx.state.users.get(user).map(|u| Effect::Email {
        template: template.into(),
        to: u.email.clone(),
        requester: key.org.clone(),
        plan: Some(key.id.clone()),
    })
}

pub(super) fn send(cx: &Ctx<'_>, plan: &str) -> Result<Decision, WorkflowError> {
    let (key, p) = cx.state.requester_plan(cx.actor, plan)?;
    if p.status != PlanStatus::Draft {
        return Err(WorkflowError::invalid_state(format!(
            "plan `{key}` is not a draft"
        )));
    }
    let mut d = cx.one(Event::PlanStatusChanged {
        requester: key.org.clone(),
        plan: key.id.clone(),
        status: PlanStatus::Sent,
    });
    d.effects.extend(email(cx, "plan_sent", &p.assignee, &key));
    Ok(d)
}

pub(super) fn finish(cx: &Ctx<'_>, plan: &str, closing: bool) -> Result<Decision, WorkflowError> {
    let (key, p) = cx.state.requester_plan(cx.actor, plan)?;
    let allowed = if closing {
        p.status == PlanStatus::Sent
    } else {
        matches!(p.status, PlanStatus::Draft | PlanStatus::Sent)
    };
    if !allowed {
        return Err(WorkflowError::invalid_state(format!(
            "plan `{key}` cannot be {} from its current status",
            if closing { "closed" } else { "cancelled" }
        )));
    }
    Ok(cx.one(Event::PlanStatusChanged {
        requester: key.org,
        plan: key.id,
        status: if closing {
            PlanStatus::Closed
        } else {
            PlanStatus::Cancelled
        },
    }))
}

pub(super) fn post_message(
    cx: &Ctx<'_>,
    plan: &str,
    text: &str,
) -> Result<Decision, WorkflowError> {
    let (key, p) = cx.state.visible_plan(cx.actor, plan)?;
    if cx.actor == HOST {
        return Err(WorkflowError::forbidden("the host does not post messages"));
    }
    validate::nonempty("text", text)?;
    if matches!(p.status, PlanStatus::Closed | PlanStatus::Cancelled) {
        return Err(WorkflowError::invalid_state(format!(
            "plan `{key}` is no longer open"
        )));
    }
    let mut d = cx.one(Event::MessagePosted {
        requester: key.org.clone(),
        plan: key.id.clone(),
        from: cx.actor.to_owned(),
        text: text.to_owned(),
    });
    let to = if cx.actor == p.assignee {
        &p.created_by
    } else {
        &p.assignee
    };
    if p.status == PlanStatus::Sent {
        d.effects.extend(email(cx, "plan_message", to, &key));
    }
    Ok(d)
}

pub(super) fn mark_fixed(cx: &Ctx<'_>, plan: &str, id: &str) -> Result<Decision, WorkflowError> {
    let (key, p) = cx.state.assignee_plan(cx.actor, plan)?;
    let it = item(p, &key, id)?;
    if p.status != PlanStatus::Sent {
        return Err(WorkflowError::invalid_state(format!(
            "plan `{key}` is not open"
        )));
    }
    let (Some(issue), Some(asset)) = (&it.issue, &it.asset) else {
        return Err(WorkflowError::invalid(
            "a questionnaire item is settled by providing information, not by a rescan",
        ));
    };
    if it.status != ItemStatus::Open {
        return Err(WorkflowError::invalid_state(format!(
            "item `{key}/{}` is not open",
            echo(id)
        )));
    }
    let mut d = cx.one(status_changed(&key, id, ItemStatus::PendingRescan, None));
    d.effects.push(Effect::Rescan {
        requester: key.org.clone(),
        plan: key.id.clone(),
        item: id.to_owned(),
        vendor: p.vendor.clone(),
        issue: issue.to_string(),
        asset: asset.to_string(),
    });
    Ok(d)
}

pub(super) fn record_rescan(
    cx: &Ctx<'_>,
    plan: &str,
    id: &str,
    outcome: Outcome,
) -> Result<Decision, WorkflowError> {
    cx.host_only()?;
    let (key, p) = cx.state.visible_plan(cx.actor, plan)?;
    let it = item(p, &key, id)?;
    if it.status != ItemStatus::PendingRescan {
        return Err(WorkflowError::invalid_state(format!(
            "item `{key}/{}` has no rescan pending",
            echo(id)
        )));
    }
    let status = match outcome {
        Outcome::Clean => ItemStatus::Verified,
        Outcome::Detected => ItemStatus::Open,
        // Inconclusive: nothing changes, the rescan stays pending.
        Outcome::Inconclusive => return Ok(Decision::default()),
    };
    Ok(cx.one(status_changed(&key, id, status, None)))
}

pub(super) fn provide_info(
    cx: &Ctx<'_>,
    plan: &str,
    id: &str,
    kind: InfoKind,
    text: &str,
) -> Result<Decision, WorkflowError> {
    let (key, p) = cx.state.assignee_plan(cx.actor, plan)?;
    let it = item(p, &key, id)?;
    validate::nonempty("text", text)?;
    if p.status != PlanStatus::Sent
        || !matches!(it.status, ItemStatus::Open | ItemStatus::PendingRescan)
    {
        return Err(WorkflowError::invalid_state(format!(
            "item `{key}/{}` is not awaiting work",
            echo(id)
        )));
    }
    let label = match kind {
        InfoKind::Dispute => "dispute",
        InfoKind::CompensatingControl => "compensating_control",
    };
    Ok(cx.one(status_changed(
        &key,
        id,
        ItemStatus::InfoProvided,
        Some(format!("{label}: {text}")),
    )))
}

pub(super) fn decide_info(
    cx: &Ctx<'_>,
    plan: &str,
    id: &str,
    accept: bool,
) -> Result<Decision, WorkflowError> {
    let (key, p) = cx.state.requester_plan(cx.actor, plan)?;
    let it = item(p, &key, id)?;
    if it.status != ItemStatus::InfoProvided {
        return Err(WorkflowError::invalid_state(format!(
            "item `{key}/{}` has no information to decide on",
            echo(id)
        )));
    }
    let status = if accept {
        ItemStatus::Accepted
    } else {
        ItemStatus::Open
    };
    Ok(cx.one(status_changed(&key, id, status, None)))
}
