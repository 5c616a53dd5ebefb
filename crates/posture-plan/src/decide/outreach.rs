//! Outreach: questionnaires, document requests, shared reports.

use super::{Ctx, Decision, repeat};
use crate::access::resolve;
use crate::error::WorkflowError;
use crate::model::{Answer, Effect, Event, Question};
use crate::validate;
use posture_core::{Timestamp, echo};

pub(super) fn send_questionnaire(
    cx: &Ctx<'_>,
    questionnaire: &str,
    vendor: &str,
    contact: &str,
    questions: &[Question],
    due: Timestamp,
) -> Result<Decision, WorkflowError> {
    let (ckey, c) = cx.state.own_contact_at(cx.actor, contact, vendor)?;
    validate::questionnaire_id(questionnaire)?;
    if questions.is_empty() {
        return Err(WorkflowError::invalid(
            "a questionnaire has at least one question",
        ));
    }
    let mut ids: Vec<&str> = questions.iter().map(|q| q.id.as_str()).collect();
    ids.sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) || ids.iter().any(|i| i.is_empty()) {
        return Err(WorkflowError::invalid(
            "question ids must be non-empty and distinct",
        ));
    }
    for (i, q) in questions.iter().enumerate() {
        validate::id(&format!("questions[{i}].id"), &q.id)?;
    }
    if let Some(q) = cx.state.questionnaires.get(&ckey.org, questionnaire) {
        let same =
            q.vendor == vendor && q.contact == ckey.id && q.questions == questions && q.due == due;
        return repeat(
            same,
            format!(
                "questionnaire `{}` exists with other content",
                echo(questionnaire)
            ),
        );
    }
    let mut d = cx.one(Event::QuestionnaireSent {
        questionnaire: questionnaire.to_owned(),
        requester: ckey.org.clone(),
        vendor: vendor.to_owned(),
        contact: ckey.id,
        questions: questions.to_vec(),
        due,
    });
    d.effects.push(Effect::Email {
        template: "questionnaire".into(),
        to: c.fields.email.clone(),
        requester: ckey.org,
        plan: None,
    });
    Ok(d)
}

pub(super) fn answer_questionnaire(
    cx: &Ctx<'_>,
    questionnaire: &str,
    answers: &[Answer],
) -> Result<Decision, WorkflowError> {
    let (key, q) = resolve(
        &cx.state.questionnaires,
        "questionnaire",
        questionnaire,
        |org, q| cx.state.is_contact_user(cx.actor, org, &q.contact),
    )?;
    if q.answers.is_some() {
        return Err(WorkflowError::invalid_state(format!(
            "questionnaire `{}` is already answered",
            echo(questionnaire)
        )));
    }
    let mut given: Vec<&str> = answers.iter().map(|a| a.id.as_str()).collect();
    given.sort_unstable();
    let mut asked: Vec<&str> = q.questions.iter().map(|x| x.id.as_str()).collect();
    asked.sort_unstable();
    if given != asked {
        return Err(WorkflowError::invalid("answer every question exactly once"));
    }
    Ok(cx.one(Event::QuestionnaireAnswered {
        requester: key.org,
        questionnaire: key.id,
        answers: answers.to_vec(),
    }))
}

pub(super) fn request_document(
    cx: &Ctx<'_>,
    request: &str,
    vendor: &str,
    contact: &str,
    kind: &str,
    due: Timestamp,
) -> Result<Decision, WorkflowError> {
    let (ckey, c) = cx.state.own_contact_at(cx.actor, contact, vendor)?;
    validate::id("request", request)?;
    validate::nonempty("kind", kind)?;
    if let Some(r) = cx.state.documents.get(&ckey.org, request) {
        let same = r.vendor == vendor && r.contact == ckey.id && r.kind == kind && r.due == due;
        return repeat(
            same,
            format!("request `{}` exists with other content", echo(request)),
        );
    }
    let mut d = cx.one(Event::DocumentRequested {
        request: request.to_owned(),
        requester: ckey.org.clone(),
        vendor: vendor.to_owned(),
        contact: ckey.id,
        kind: kind.to_owned(),
        due,
    });
    d.effects.push(Effect::Email {
        template: "document_request".into(),
        to: c.fields.email.clone(),
        requester: ckey.org,
        plan: None,
    });
    Ok(d)
}

pub(super) fn fulfil_document(
    cx: &Ctx<'_>,
    request: &str,
    reference: &str,
) -> Result<Decision, WorkflowError> {
    let (key, r) = resolve(
        &cx.state.documents,
        "document request",
        request,
        |org, r| cx.state.is_contact_user(cx.actor, org, &r.contact),
    )?;
    validate::nonempty("reference", reference)?;
    if r.reference.is_some() {
        return Err(WorkflowError::invalid_state(format!(
            "document request `{}` is already fulfilled",
            echo(request)
        )));
    }
    Ok(cx.one(Event::DocumentFulfilled {
        requester: key.org,
        request: key.id,
        reference: reference.to_owned(),
    }))
}

pub(super) fn share_report(
    cx: &Ctx<'_>,
    contact: &str,
    report: &str,
) -> Result<Decision, WorkflowError> {
    let (ckey, c) = cx.state.own_contact(cx.actor, contact)?;
    validate::id("report", report)?;
    if cx
        .state
        .reports
        .get(&ckey.org, report)
        .is_some_and(|r| r.contacts.contains(&ckey.id))
    {
        return Ok(Decision::default());
    }
    let mut d = cx.one(Event::ReportShared {
        requester: ckey.org.clone(),
        contact: ckey.id,
        report: report.to_owned(),
    });
    d.effects.push(Effect::Email {
        template: "report_shared".into(),
        to: c.fields.email.clone(),
        requester: ckey.org,
        plan: None,
    });
    Ok(d)
}
