//! Risk timelines (scoring-v1 section 5): from a history of observations of
//! one (asset, issue type) to whether the risk is active at an instant.
//!
//! - A risk becomes active after `confirm_detections` detections since the
//!   last resolution, or at once on a targeted or high-confidence detection.
//! - It resolves after `resolve_clean` consecutive clean observations
//!   (inconclusive ones skipped), one clean targeted rescan, or when it has
//!   not been detected for more than `max_linger_days`.
//! - Inconclusive observations change nothing.

use chrono::{DateTime, TimeDelta, Utc};
use posture_core::{Error, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use posture_core::Outcome;

/// How much an observation is trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Needs confirmation.
    #[default]
    Normal,
    /// Confirms at once.
    High,
}

/// One observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Observation {
    /// When the observation was made (RFC 3339); observations after the query
    /// instant are ignored.
    pub at: Timestamp,
    /// What was seen.
    pub outcome: Outcome,
    /// From a targeted rescan.
    #[serde(default)]
    pub targeted: bool,
    /// Source confidence.
    #[serde(default)]
    pub confidence: Confidence,
}

impl Observation {
    /// A routine observation.
    pub fn new(at: DateTime<Utc>, outcome: Outcome) -> Self {
        Observation {
            at: Timestamp(at),
            outcome,
            targeted: false,
            confidence: Confidence::Normal,
        }
    }
    /// A targeted rescan's observation.
    pub fn targeted(at: DateTime<Utc>, outcome: Outcome) -> Self {
        Observation {
            targeted: true,
            ..Observation::new(at, outcome)
        }
    }
}

/// Timeline parameters (defaults 2, 2, 14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TimelineConfig {
    /// Detections needed to confirm a risk.
    pub confirm_detections: u32,
    /// Consecutive clean observations that resolve it.
    pub resolve_clean: u32,
    /// Days without a detection after which it no longer lingers.
    pub max_linger_days: u32,
}

impl Default for TimelineConfig {
    fn default() -> Self {
        TimelineConfig {
            confirm_detections: 2,
            resolve_clean: 2,
            max_linger_days: 14,
        }
    }
}

impl TimelineConfig {
    /// Checks every parameter is at least 1.
    ///
    /// # Errors
    /// The offending field.
    pub fn validate(&self) -> Result<(), Error> {
        for (name, v) in [
            ("confirm_detections", self.confirm_detections),
            ("resolve_clean", self.resolve_clean),
            ("max_linger_days", self.max_linger_days),
        ] {
            if v == 0 {
                return Err(Error::OutOfRange {
                    path: name.into(),
                    message: "must be at least 1".into(),
                });
            }
        }
        Ok(())
    }
}

/// A period during which the risk was active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ActivePeriod {
    /// The confirming detection.
    pub from: Timestamp,
    /// When it resolved (`None`: still active at the query instant).
    pub until: Option<Timestamp>,
    /// The first detection counted towards confirmation.
    pub first_detected: Timestamp,
    /// The last detection while active.
    pub last_detected: Timestamp,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Inactive {
        detections: u32,
        first: Option<DateTime<Utc>>,
    },
    Active {
        since: DateTime<Utc>,
        first: DateTime<Utc>,
        last: DateTime<Utc>,
        clean: u32,
    },
}

/// Replays observations up to and including `now` and returns every active
/// period. Observations are taken in time order; equal times keep input
/// order.
///
/// ```
/// use posture_csr::timeline::{periods, Observation, Outcome, TimelineConfig};
/// use chrono::{TimeZone, Utc};
/// let d = |day| Utc.with_ymd_and_hms(2026, 10, day, 0, 0, 0).unwrap();
/// let obs = [Observation::new(d(1), Outcome::Detected)];
/// // A one-off detection never counts.
/// assert!(periods(&obs, d(2), &TimelineConfig::default()).is_empty());
/// ```
pub fn periods(
    observations: &[Observation],
    now: DateTime<Utc>,
    config: &TimelineConfig,
) -> Vec<ActivePeriod> {
    let mut sorted: Vec<&Observation> = observations.iter().filter(|o| o.at.0 <= now).collect();
    sorted.sort_by_key(|o| o.at); // stable: equal times keep input order
    let linger = TimeDelta::seconds(i64::from(config.max_linger_days) * 86_400);
    let mut out = Vec::new();
    let mut state = State::Inactive {
        detections: 0,
        first: None,
    };
    let expire = |state: &mut State, t: DateTime<Utc>, out: &mut Vec<ActivePeriod>| {
        if let State::Active {
            since, first, last, ..
        } = *state
        {
            if t - last > linger {
                out.push(ActivePeriod {
                    from: Timestamp(since),
                    until: Some(Timestamp(last + linger)),
                    first_detected: Timestamp(first),
                    last_detected: Timestamp(last),
                });
                *state = State::Inactive {
                    detections: 0,
                    first: None,
                };
            }
        }
    };
    for o in sorted {
        let t = o.at.0;
        expire(&mut state, t, &mut out);
        state = match (state, o.outcome) {
            (s, Outcome::Inconclusive) => s,
            (State::Inactive { detections, first }, Outcome::Detected) => {
                let n = detections + 1;
                let first = first.unwrap_or(t);
                if n >= config.confirm_detections || o.targeted || o.confidence == Confidence::High
                {
                    State::Active {
                        since: t,
                        first,
                        last: t,
                        clean: 0,
                    }
                } else {
                    State::Inactive {
                        detections: n,
                        first: Some(first),
                    }
                }
            }
            (s @ State::Inactive { .. }, Outcome::Clean) => s,
            (State::Active { since, first, .. }, Outcome::Detected) => State::Active {
                since,
                first,
                last: t,
                clean: 0,
            },
            (
                State::Active {
                    since,
                    first,
                    last,
                    clean,
                },
                Outcome::Clean,
            ) => {
                let clean = clean + 1;
                if o.targeted || clean >= config.resolve_clean {
                    out.push(ActivePeriod {
                        from: Timestamp(since),
                        until: Some(Timestamp(t)),
                        first_detected: Timestamp(first),
                        last_detected: Timestamp(last),
                    });
                    State::Inactive {
                        detections: 0,
                        first: None,
                    }
                } else {
                    State::Active {
                        since,
                        first,
                        last,
                        clean,
                    }
                }
            }
        };
    }
    expire(&mut state, now, &mut out);
    if let State::Active {
        since, first, last, ..
    } = state
    {
        out.push(ActivePeriod {
            from: Timestamp(since),
            until: None,
            first_detected: Timestamp(first),
            last_detected: Timestamp(last),
        });
    }
    out
}

/// The period active at `now`, if any: what a host turns into an `open`
/// finding (`first_seen` = first detection, `last_seen` = last detection;
/// the catalog's decay still applies when scoring).
pub fn active_at(
    observations: &[Observation],
    now: DateTime<Utc>,
    config: &TimelineConfig,
) -> Option<ActivePeriod> {
    periods(observations, now, config)
        .into_iter()
        .find(|p| p.until.is_none())
}
