//! Contacts and invitations (the contact manager).

use super::{Ctx, Decision, repeat};
use crate::access::resolve;
use crate::error::WorkflowError;
use crate::model::{ContactFields, Effect, Event, HOST};
use crate::validate;
use posture_core::echo;

pub(super) fn add(
    cx: &Ctx<'_>,
    contact: &str,
    vendor: &str,
    name: &str,
    email: &str,
    title: Option<&str>,
) -> Result<Decision, WorkflowError> {
    let u = cx.state.user(cx.actor)?;
    validate::id("contact", contact)?;
    validate::nonempty("name", name)?;
    let v = cx
        .state
        .orgs
        .get(vendor)
        .ok_or_else(|| WorkflowError::not_found("organisation", vendor))?;
    if vendor == u.org {
        return Err(WorkflowError::invalid(
            "a contact is at another organisation (a vendor)",
        ));
    }
    validate::contact_email(email, v)?;
    let fields = ContactFields {
        vendor: vendor.to_owned(),
        name: name.to_owned(),
        email: email.to_owned(),
        title: title.map(str::to_owned),
    };
    if let Some(c) = cx.state.contacts.get(&u.org, contact) {
        return repeat(
            c.fields == fields,
            format!("contact `{}` exists with other content", echo(contact)),
        );
    }
    Ok(cx.one(Event::ContactSaved {
        contact: contact.to_owned(),
        requester: u.org.clone(),
        fields,
    }))
}

pub(super) fn edit(
    cx: &Ctx<'_>,
    contact: &str,
    vendor: Option<&str>,
    name: Option<&str>,
    email: Option<&str>,
    title: Option<&str>,
) -> Result<Decision, WorkflowError> {
    let (key, c) = cx.state.own_contact(cx.actor, contact)?;
    let mut fields = c.fields.clone();
    if let Some(v) = vendor {
        if v != c.fields.vendor && c.accepted_user.is_some() {
            // The accepted user works at the old vendor; moving the contact
            // would let them answer the new vendor's questionnaires.
            return Err(WorkflowError::invalid_state(format!(
                "contact `{}` accepted an invitation at `{}` and stays with it; add a new contact instead",
                echo(contact),
                echo(&c.fields.vendor)
            )));
        }
        fields.vendor = v.to_owned();
    }
    if let Some(n) = name {
        validate::nonempty("name", n)?;
        fields.name = n.to_owned();
    }
    if let Some(e) = email {
        fields.email = e.to_owned();
    }
    if let Some(t) = title {
        fields.title = Some(t.to_owned());
    }
    let v = cx
        .state
        .orgs
        .get(&fields.vendor)
        .ok_or_else(|| WorkflowError::not_found("organisation", &fields.vendor))?;
    if fields.vendor == c.requester {
        return Err(WorkflowError::invalid(
            "a contact is at another organisation (a vendor)",
        ));
    }
    validate::contact_email(&fields.email, v)?;
    if fields == c.fields {
        return Ok(Decision::default());
    }
    Ok(cx.one(Event::ContactSaved {
        contact: key.id,
        requester: key.org,
        fields,
    }))
}

pub(super) fn remove(cx: &Ctx<'_>, contact: &str) -> Result<Decision, WorkflowError> {
    let (key, _) = cx.state.own_contact(cx.actor, contact)?;
    Ok(cx.one(Event::ContactRemoved {
        requester: key.org,
        contact: key.id,
    }))
}

pub(super) fn invite(
    cx: &Ctx<'_>,
    contact: &str,
    message: Option<&str>,
    resend: bool,
) -> Result<Decision, WorkflowError> {
    let (key, c) = cx.state.own_contact(cx.actor, contact)?;
    if c.accepted_user.is_some() {
        return Err(WorkflowError::invalid_state(format!(
            "contact `{}` already accepted an invitation",
            echo(contact)
        )));
    }
    if resend && c.invited_at.is_none() {
        return Err(WorkflowError::invalid_state(format!(
            "contact `{}` has no invitation to re-send",
            echo(contact)
        )));
    }
    if !resend {
        if c.invited_at.is_some() {
            return Err(WorkflowError::invalid_state(format!(
                "contact `{}` is already invited; re-send instead",
                echo(contact)
            )));
        }
        if cx.state.claimed(&c.fields.vendor) {
            return Err(WorkflowError::invalid_state(format!(
                "`{}` has already claimed its scorecard",
                echo(&c.fields.vendor)
            )));
        }
    }
    let mut d = cx.one(Event::InvitationSent {
        requester: key.org.clone(),
        contact: key.id,
        message: message.map(str::to_owned),
        resend,
    });
    d.effects.push(Effect::Email {
        template: if resend {
            "invitation_resend"
        } else {
            "invitation"
        }
        .into(),
        to: c.fields.email.clone(),
        requester: key.org,
        plan: None,
    });
    Ok(d)
}

pub(super) fn accept(cx: &Ctx<'_>, contact: &str, user: &str) -> Result<Decision, WorkflowError> {
    cx.host_only()?;
    let (key, c) = resolve(&cx.state.contacts, "contact", contact, |_, _| true)?;
    if c.invited_at.is_none() {
        return Err(WorkflowError::invalid_state(format!(
            "contact `{}` was not invited",
            echo(contact)
        )));
    }
    if let Some(existing) = &c.accepted_user {
        return repeat(
            existing == user,
            format!(
                "contact `{}` accepted as `{}`",
                echo(contact),
                echo(existing)
            ),
        );
    }
    validate::id("user", user)?;
    if user == HOST || cx.state.users.contains_key(user) {
        return Err(WorkflowError::conflict(format!(
            "user id `{}` is taken",
            echo(user)
        )));
    }
    Ok(Decision {
        events: vec![
            cx.envelope(Event::UserRegistered {
                user: user.to_owned(),
                org: c.fields.vendor.clone(),
                name: c.fields.name.clone(),
                email: c.fields.email.clone(),
            }),
            cx.envelope(Event::InvitationAccepted {
                requester: key.org,
                contact: key.id,
                user: user.to_owned(),
            }),
        ],
        effects: Vec::new(),
    })
}
