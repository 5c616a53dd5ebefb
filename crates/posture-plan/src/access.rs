//! Who may see what, and how a reference (`ID` or `ORG/ID`) resolves.
//!
//! What an actor may not see answers `not_found`, worded exactly as for
//! what does not exist, so no response reveals another organisation's
//! objects.

use crate::error::WorkflowError;
use crate::model::{HOST, PlanStatus};
use crate::namespace::{Key, Namespaced};
use crate::state::{Contact, Plan, State, User};
use posture_core::echo;

/// A resolved reference: the object's key and the object.
pub(crate) type Found<'a, T> = (Key, &'a T);

/// Resolves `reference` in `ns` among the objects `visible` admits:
/// `ORG/ID` names one object; a bare `ID` is looked up among the visible
/// objects with that id in any organisation, and refused with `invalid`
/// (listing them) when there is more than one.
pub(crate) fn resolve<'a, T>(
    ns: &'a Namespaced<T>,
    what: &str,
    reference: &str,
    visible: impl Fn(&str, &T) -> bool,
) -> Result<Found<'a, T>, WorkflowError> {
    if let Some(key) = Key::parse(reference) {
        return match ns.at(&key) {
            Some(v) if visible(&key.org, v) => Ok((key, v)),
            _ => Err(WorkflowError::not_found(what, reference)),
        };
    }
    let mut found = ns
        .orgs_with(reference)
        .filter_map(|org| ns.get(org, reference).map(|v| (org, v)))
        .filter(|(org, v)| visible(org, v));
    let Some((org, v)) = found.next() else {
        return Err(WorkflowError::not_found(what, reference));
    };
    let others: Vec<String> = found.map(|(o, _)| format!("{o}/{reference}")).collect();
    if others.is_empty() {
        return Ok((Key::new(org, reference), v));
    }
    let mut all = vec![format!("{org}/{reference}")];
    all.extend(others);
    Err(WorkflowError::invalid(format!(
        "{what} `{}` is ambiguous; name one of: {}",
        echo(reference),
        all.iter()
            .map(|k| echo(k).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

impl State {
    /// The user behind an actor (not the host).
    pub(crate) fn user(&self, actor: &str) -> Result<&User, WorkflowError> {
        if actor == HOST {
            return Err(WorkflowError::forbidden(
                "the host acts only through host commands",
            ));
        }
        self.users
            .get(actor)
            .ok_or_else(|| WorkflowError::not_found("user", actor))
    }

    /// The organisation of a user actor, if the actor is a user.
    pub(crate) fn org_of(&self, actor: &str) -> Option<&str> {
        self.users.get(actor).map(|u| u.org.as_str())
    }

    /// Whether an actor may see a plan: users of the requesting
    /// organisation always, the assignee once it is sent, the host always.
    pub fn can_see(&self, actor: &str, plan: &Plan) -> bool {
        if actor == HOST {
            return true;
        }
        match self.users.get(actor) {
            Some(u) if u.org == plan.requester => true,
            Some(_) => actor == plan.assignee && plan.status != PlanStatus::Draft,
            None => false,
        }
    }

    /// A plan the actor may see, by `ID` or `ORG/ID`.
    ///
    /// # Errors
    /// `not_found` when there is none the actor may see; `invalid` when a
    /// bare id names several.
    pub fn visible_plan(
        &self,
        actor: &str,
        reference: &str,
    ) -> Result<(Key, &Plan), WorkflowError> {
        resolve(&self.plans, "plan", reference, |_, p| {
            self.can_see(actor, p)
        })
    }

    pub(crate) fn requester_plan(
        &self,
        actor: &str,
        reference: &str,
    ) -> Result<Found<'_, Plan>, WorkflowError> {
        let (k, p) = self.visible_plan(actor, reference)?;
        if self.org_of(actor) == Some(p.requester.as_str()) {
            Ok((k, p))
        } else {
            Err(WorkflowError::forbidden(format!(
                "only the requesting organisation can do this on plan `{}`",
                echo(&k.to_string())
            )))
        }
    }

    pub(crate) fn assignee_plan(
        &self,
        actor: &str,
        reference: &str,
    ) -> Result<Found<'_, Plan>, WorkflowError> {
        let (k, p) = self.visible_plan(actor, reference)?;
        if actor == p.assignee {
            Ok((k, p))
        } else {
            Err(WorkflowError::forbidden(format!(
                "only the assignee can do this on plan `{}`",
                echo(&k.to_string())
            )))
        }
    }

    /// A contact the actor's organisation keeps (by `ID` or its own
    /// `ORG/ID`); everyone else, the host included, gets `not_found`.
    pub(crate) fn own_contact(
        &self,
        actor: &str,
        reference: &str,
    ) -> Result<Found<'_, Contact>, WorkflowError> {
        let Some(org) = self.org_of(actor) else {
            return Err(WorkflowError::not_found("contact", reference));
        };
        let id = match Key::parse(reference) {
            Some(k) if k.org == org => k.id,
            Some(_) => return Err(WorkflowError::not_found("contact", reference)),
            None => reference.to_owned(),
        };
        match self.contacts.get(org, &id) {
            Some(c) => Ok((Key::new(org, &id), c)),
            None => Err(WorkflowError::not_found("contact", reference)),
        }
    }

    /// A contact the actor's organisation keeps at `vendor`.
    pub(crate) fn own_contact_at(
        &self,
        actor: &str,
        reference: &str,
        vendor: &str,
    ) -> Result<Found<'_, Contact>, WorkflowError> {
        let (k, c) = self.own_contact(actor, reference)?;
        if c.fields.vendor == vendor {
            Ok((k, c))
        } else {
            Err(WorkflowError::invalid(format!(
                "contact `{}` is not at `{}`",
                echo(reference),
                echo(vendor)
            )))
        }
    }

    /// Whether `actor` is the user who accepted contact `contact` of
    /// `requester`.
    pub(crate) fn is_contact_user(&self, actor: &str, requester: &str, contact: &str) -> bool {
        self.contacts
            .get(requester, contact)
            .is_some_and(|c| c.accepted_user.as_deref() == Some(actor))
    }
}
