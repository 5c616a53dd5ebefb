//! Score expectations and reminders.

use super::{Ctx, Decision};
use crate::error::WorkflowError;
use crate::model::{Effect, Event, PlanTarget};
use crate::state::ExpectationStatus;
use crate::validate;
use posture_core::{Timestamp, echo};
use std::collections::BTreeSet;

pub(super) fn set(
    cx: &Ctx<'_>,
    vendor: &str,
    target: &PlanTarget,
    due: Timestamp,
    suggested_issues: &[String],
) -> Result<Decision, WorkflowError> {
    let u = cx.state.user(cx.actor)?;
    if !cx.state.orgs.contains_key(vendor) {
        return Err(WorkflowError::not_found("organisation", vendor));
    }
    if vendor == u.org {
        return Err(WorkflowError::invalid(
            "an expectation is for another organisation (a vendor)",
        ));
    }
    if target.issues.is_some() {
        return Err(WorkflowError::invalid(
            "an expectation targets a grade or a score (optionally per factor)",
        ));
    }
    validate::target(target, cx.catalog)?;
    for (i, x) in suggested_issues.iter().enumerate() {
        validate::issue(&format!("suggested_issues[{i}]"), x, cx.catalog)?;
    }
    Ok(cx.one(Event::ExpectationSet {
        requester: u.org.clone(),
        vendor: vendor.to_owned(),
        target: target.clone(),
        due,
        suggested_issues: suggested_issues.to_vec(),
    }))
}

pub(super) fn repeat(
    cx: &Ctx<'_>,
    vendor: &str,
    due: Timestamp,
) -> Result<Decision, WorkflowError> {
    let u = cx.state.user(cx.actor)?;
    match cx.state.expectation_status(&u.org, vendor, cx.now) {
        ExpectationStatus::Unset => Err(WorkflowError::not_found("expectation for", vendor)),
        ExpectationStatus::Met => Err(WorkflowError::invalid_state(format!(
            "the expectation for `{}` is met",
            echo(vendor)
        ))),
        ExpectationStatus::Pending | ExpectationStatus::Unmet => {
            Ok(cx.one(Event::ExpectationRepeated {
                requester: u.org.clone(),
                vendor: vendor.to_owned(),
                due,
            }))
        }
    }
}

/// Reminds, on behalf of each requesting organisation, the contacts of
/// vendors whose expectation is unmet and the assignees of overdue plans
/// (sent, past due, not finished), at most once per (organisation,
/// recipient) per 7 days: one organisation's reminders never delay or
/// reveal another's.
pub(super) fn remind_overdue(cx: &Ctx<'_>) -> Result<Decision, WorkflowError> {
    cx.host_only()?;
    let week = chrono::TimeDelta::days(7);
    let state = cx.state;
    let mut d = Decision::default();
    let mut sent: BTreeSet<(String, String)> = BTreeSet::new();
    let mut remind = |requester: &str,
                      to: &str,
                      contact: Option<String>,
                      plan: Option<String>,
                      d: &mut Decision| {
        let key = (requester.to_owned(), to.to_owned());
        let recent = state
            .reminded
            .get(&key)
            .is_some_and(|t| cx.now.0.signed_duration_since(t.0) < week);
        if recent || !sent.insert(key) {
            return;
        }
        d.events.push(cx.envelope(Event::ReminderSent {
            requester: requester.to_owned(),
            to: to.to_owned(),
            contact,
            plan: plan.clone(),
        }));
        d.effects.push(Effect::Email {
            template: "reminder".into(),
            to: to.to_owned(),
            requester: requester.to_owned(),
            plan,
        });
    };
    for (requester, vendor) in state.expectations.keys() {
        if state.expectation_status(requester, vendor, cx.now) != ExpectationStatus::Unmet {
            continue;
        }
        for (id, c) in state.contacts.in_org(requester) {
            if c.fields.vendor == *vendor {
                remind(
                    requester,
                    &c.fields.email,
                    Some(id.to_owned()),
                    None,
                    &mut d,
                );
            }
        }
    }
    for (requester, id, p) in state.plans.iter() {
        if state.plan_overdue(p, cx.now) {
            if let Some(a) = state.users.get(&p.assignee) {
                remind(requester, &a.email, None, Some(id.to_owned()), &mut d);
            }
        }
    }
    Ok(d)
}
