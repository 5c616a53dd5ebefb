//! The web app: server-rendered pages from the report's components,
//! usable without JavaScript. Sessions come from `POST /login` with a
//! token; every form carries the session's CSRF value.
//!
//! - `/` and `/login`: the login form (signed in: to the Action Plans).
//! - `/plans?view=assigned|sent`: Action Plans, "Assigned to us" and
//!   "Sent"; `/plans/{org}/{plan}`: one plan, its items with risk and
//!   remediation, "Fixed", "Provide information", the requester's
//!   decisions, messages.
//! - `/contacts`: the Contact Manager with its filters, a row per vendor
//!   opening to its contacts, (re)send invitation, engagement history
//!   (`/contacts/{org}/{contact}/history`).
//! - `/insights`, `/expectations`.

pub(crate) mod layout;
mod pages;

pub(crate) use pages::{
    contact_action, contacts, expectation_action, expectations, history, home, insights, login,
    login_form, logout, not_found, plan, plan_action, plans,
};
