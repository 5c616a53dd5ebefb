//! Organisations, users, logins and scores: host commands.

use super::{Ctx, Decision, repeat};
use crate::error::WorkflowError;
use crate::model::{Event, HOST};
use crate::validate;
use posture_core::{Factor, Grade, echo};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

pub(super) fn register(
    cx: &Ctx<'_>,
    org: &str,
    name: &str,
    domains: &[String],
    assets: &[String],
) -> Result<Decision, WorkflowError> {
    cx.host_only()?;
    validate::id("org", org)?;
    validate::nonempty("name", name)?;
    let (domains, assets) = validate::footprint(domains, assets)?;
    if let Some(existing) = cx.state.orgs.get(org) {
        return repeat(
            existing.name == name && existing.domains == domains && existing.assets == assets,
            format!("organisation `{}` exists with other content", echo(org)),
        );
    }
    Ok(cx.one(Event::OrganizationRegistered {
        org: org.to_owned(),
        name: name.to_owned(),
        domains,
        assets,
    }))
}

pub(super) fn register_user(
    cx: &Ctx<'_>,
    user: &str,
    org: &str,
    name: &str,
    email: &str,
) -> Result<Decision, WorkflowError> {
    cx.host_only()?;
    validate::id("user", user)?;
    if user == HOST {
        return Err(WorkflowError::invalid("`host` is a reserved actor"));
    }
    if !cx.state.orgs.contains_key(org) {
        return Err(WorkflowError::not_found("organisation", org));
    }
    validate::mailbox("email", email)?;
    if let Some(u) = cx.state.users.get(user) {
        return repeat(
            u.org == org && u.name == name && u.email == email,
            format!("user `{}` exists with other content", echo(user)),
        );
    }
    Ok(cx.one(Event::UserRegistered {
        user: user.to_owned(),
        org: org.to_owned(),
        name: name.to_owned(),
        email: email.to_owned(),
    }))
}

pub(super) fn record_login(cx: &Ctx<'_>, user: &str) -> Result<Decision, WorkflowError> {
    cx.host_only()?;
    if !cx.state.users.contains_key(user) {
        return Err(WorkflowError::not_found("user", user));
    }
    Ok(cx.one(Event::LoginRecorded {
        user: user.to_owned(),
    }))
}

pub(super) fn record_score(
    cx: &Ctx<'_>,
    org: &str,
    score: Decimal,
    grade: Grade,
    factors: Option<&BTreeMap<Factor, Decimal>>,
) -> Result<Decision, WorkflowError> {
    cx.host_only()?;
    if !cx.state.orgs.contains_key(org) {
        return Err(WorkflowError::not_found("organisation", org));
    }
    let in_range = |s: Decimal| s >= Decimal::ZERO && s <= Decimal::ONE_HUNDRED;
    if !in_range(score) {
        return Err(WorkflowError::invalid(format!(
            "score {score} is outside 0..=100"
        )));
    }
    for (f, s) in factors.into_iter().flatten() {
        if !in_range(*s) {
            return Err(WorkflowError::invalid(format!(
                "factors.{f}: {s} is outside 0..=100"
            )));
        }
    }
    Ok(cx.one(Event::ScoreRecorded {
        org: org.to_owned(),
        score,
        grade,
        factors: factors.cloned(),
    }))
}
