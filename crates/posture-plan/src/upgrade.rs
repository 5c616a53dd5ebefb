//! Reading events written by earlier schema versions.
//!
//! Version 1 (posture 0.1) kept plans, contacts, questionnaires and
//! document requests under global ids, so most of its events name an
//! object by id alone. Version 2 keys them by (requester organisation, id)
//! and every event carries `requester`. A v1 event is upgraded as it is
//! replayed: the requester of the object it names is looked up in the state
//! replayed so far, where v1's global ids are unique. Nothing is written
//! back; the stored text stays as the old release wrote it.

use crate::model::Envelope;
#[cfg(test)]
use crate::model::Event;
use crate::state::State;
use serde_json::{Map, Value};

/// Parses one stored event of version `v` (1 or 2).
///
/// # Errors
/// Text that is not an event of that version.
pub(crate) fn parse(v: u32, body: &str, state: &State) -> Result<Envelope, String> {
    if v >= 2 {
        return serde_json::from_str(body).map_err(|e| e.to_string());
    }
    let mut value: Value = serde_json::from_str(body).map_err(|e| e.to_string())?;
    if let Some(Value::Object(event)) = value.get_mut("event") {
        if let Some((kind, Value::Object(fields))) = event.iter_mut().next() {
            upgrade_v1(kind, fields, state);
        }
    }
    let mut envelope: Envelope = serde_json::from_value(value).map_err(|e| e.to_string())?;
    // The envelope now holds the version-2 shape.
    envelope.v = crate::model::EVENT_VERSION;
    Ok(envelope)
}

/// The organisation whose namespace holds the object `id` (unique in v1).
fn owner<T>(ns: &crate::namespace::Namespaced<T>, id: &str) -> String {
    ns.orgs_with(id).next().unwrap_or_default().to_owned()
}

fn upgrade_v1(kind: &str, fields: &mut Map<String, Value>, state: &State) {
    if fields.contains_key("requester") {
        return;
    }
    let text = |name: &str| fields.get(name).and_then(Value::as_str).unwrap_or_default();
    let requester = match kind {
        "item_added" | "plan_status_changed" | "message_posted" | "item_status_changed" => {
            owner(&state.plans, text("plan"))
        }
        "contact_removed" | "invitation_sent" | "invitation_accepted" | "report_shared" => {
            owner(&state.contacts, text("contact"))
        }
        "questionnaire_answered" => owner(&state.questionnaires, text("questionnaire")),
        "document_fulfilled" => owner(&state.documents, text("request")),
        "reminder_sent" => match (fields.get("contact"), fields.get("plan")) {
            (Some(Value::String(c)), _) => owner(&state.contacts, c),
            (_, Some(Value::String(p))) => owner(&state.plans, p),
            _ => String::new(),
        },
        _ => return,
    };
    fields.insert("requester".into(), Value::String(requester));
}

/// Whether an event names its requester (every v2 event of a namespaced
/// object does; an empty one comes only from an unresolvable v1 event,
/// which applies as a no-op).
#[cfg(test)]
fn requester_of(e: &Event) -> Option<&str> {
    match e {
        Event::ItemAdded { requester, .. } | Event::ContactRemoved { requester, .. } => {
            Some(requester)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::apply_owned;

    #[test]
    fn v1_events_find_their_requester() {
        let mut state = State::default();
        let lines = [
            r#"{"v":1,"at":"2026-10-01T00:00:00Z","actor":"alice","event":{"plan_created":{"plan":"p1","requester":"acme","vendor":"pay","assignee":"victor","title":"t","target":{"grade":"B"},"due":"2026-12-01T00:00:00Z"}}}"#,
            r#"{"v":1,"at":"2026-10-01T00:00:00Z","actor":"alice","event":{"item_added":{"plan":"p1","item":"i1","issue":"spf_missing","asset":"pay.example"}}}"#,
            r#"{"v":1,"at":"2026-10-01T00:00:00Z","actor":"alice","event":{"contact_removed":{"contact":"ghost"}}}"#,
        ];
        let mut parsed = Vec::new();
        for l in lines {
            let e = parse(1, l, &state).unwrap();
            parsed.push(e.clone());
            apply_owned(&mut state, e);
        }
        assert_eq!(requester_of(&parsed[1].event), Some("acme"));
        assert_eq!(
            requester_of(&parsed[2].event),
            Some(""),
            "unresolvable: a no-op"
        );
        assert_eq!(state.plans.get("acme", "p1").unwrap().items.len(), 1);
        assert!(parse(1, "{not json", &state).is_err());
    }
}
