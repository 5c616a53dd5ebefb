//! Risk-timeline scenarios (scoring-v1 sections 5 and 7).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use posture_csr::timeline::{Confidence, Observation, Outcome, TimelineConfig, active_at, periods};

fn day(d: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap() + Duration::days(d)
}
fn det(d: i64) -> Observation {
    Observation::new(day(d), Outcome::Detected)
}
fn clean(d: i64) -> Observation {
    Observation::new(day(d), Outcome::Clean)
}
fn inc(d: i64) -> Observation {
    Observation::new(day(d), Outcome::Inconclusive)
}
fn cfg() -> TimelineConfig {
    TimelineConfig::default()
}

#[test]
fn a_one_off_false_positive_never_counts() {
    let obs = [det(0), clean(1), clean(2), clean(3)];
    for d in 0..10 {
        assert!(active_at(&obs, day(d), &cfg()).is_none(), "day {d}");
    }
    assert!(periods(&obs, day(30), &cfg()).is_empty());
}

#[test]
fn two_detections_confirm_from_the_second() {
    let obs = [det(0), det(1)];
    assert!(active_at(&obs, day(0), &cfg()).is_none());
    let p = active_at(&obs, day(1), &cfg()).unwrap();
    assert_eq!(p.from.0, day(1));
    assert_eq!(p.first_detected.0, day(0));
}

#[test]
fn high_confidence_or_targeted_detection_confirms_at_once() {
    let mut o = det(0);
    o.confidence = Confidence::High;
    assert!(active_at(&[o], day(0), &cfg()).is_some());
    let t = Observation::targeted(day(0), Outcome::Detected);
    assert!(active_at(&[t], day(0), &cfg()).is_some());
}

#[test]
fn a_fix_is_confirmed_by_a_clean_targeted_rescan() {
    let obs = [
        det(0),
        det(1),
        det(2),
        Observation::targeted(day(3), Outcome::Clean),
    ];
    assert!(active_at(&obs, day(2), &cfg()).is_some());
    assert!(active_at(&obs, day(3), &cfg()).is_none());
    let ps = periods(&obs, day(10), &cfg());
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0].until.unwrap().0, day(3));
}

#[test]
fn two_consecutive_clean_scans_resolve_but_one_does_not() {
    let obs = [det(0), det(1), clean(2)];
    assert!(active_at(&obs, day(2), &cfg()).is_some());
    let obs = [det(0), det(1), clean(2), clean(3)];
    assert!(active_at(&obs, day(3), &cfg()).is_none());
    // A detection between the clean scans restarts the count.
    let obs = [det(0), det(1), clean(2), det(3), clean(4)];
    assert!(active_at(&obs, day(4), &cfg()).is_some());
}

#[test]
fn nothing_lingers_past_the_limit() {
    let obs = [det(0), det(1)];
    assert!(
        active_at(&obs, day(15), &cfg()).is_some(),
        "14 days after the last detection it still lingers"
    );
    assert!(active_at(&obs, day(15) + Duration::seconds(1), &cfg()).is_none());
    let ps = periods(&obs, day(40), &cfg());
    assert_eq!(ps[0].until.unwrap().0, day(15));
}

#[test]
fn flapping_needs_confirmation_again_after_each_resolution() {
    let obs = [det(0), det(1), clean(2), clean(3), det(4), clean(5), det(6)];
    let ps = periods(&obs, day(6), &cfg());
    // Active 1..3; then the detection on day 4 is one of two needed; the
    // clean on day 5 does not reset the count, so day 6 confirms again.
    assert_eq!(ps.len(), 2);
    assert_eq!(ps[0].from.0, day(1));
    assert_eq!(ps[0].until.unwrap().0, day(3));
    assert_eq!(ps[1].from.0, day(6));
    assert!(ps[1].until.is_none());
    assert!(active_at(&obs, day(4), &cfg()).is_none());
    assert!(active_at(&obs, day(5), &cfg()).is_none());
}

#[test]
fn inconclusive_gaps_change_nothing() {
    // Inconclusive observations neither confirm, nor reset, nor count as clean.
    let base = [det(0), det(1), clean(2), clean(3)];
    let with_gaps = [
        det(0),
        inc(0),
        inc(1),
        det(1),
        inc(2),
        clean(2),
        inc(3),
        inc(3),
        clean(3),
    ];
    for d in 0..20 {
        assert_eq!(
            active_at(&base, day(d), &cfg()).is_some(),
            active_at(&with_gaps, day(d), &cfg()).is_some(),
            "day {d}"
        );
    }
    // A run of inconclusive scans does not resolve an active risk early
    // (only the linger limit does).
    let obs: Vec<Observation> = std::iter::once(det(0))
        .chain(std::iter::once(det(1)))
        .chain((2..10).map(inc))
        .collect();
    assert!(active_at(&obs, day(9), &cfg()).is_some());
    // Only inconclusive observations: never active.
    let obs: Vec<Observation> = (0..10).map(inc).collect();
    assert!(periods(&obs, day(30), &cfg()).is_empty());
}

#[test]
fn equal_times_keep_input_order_and_input_order_otherwise_does_not_matter() {
    let a = [det(0), det(1), clean(2), clean(3)];
    let b = [clean(3), det(1), clean(2), det(0)];
    assert_eq!(periods(&a, day(10), &cfg()), periods(&b, day(10), &cfg()));
    // Same instant: detection then clean vs clean then detection.
    let x = [det(0), det(1), clean(1)];
    let y = [det(0), clean(1), det(1)];
    assert!(active_at(&x, day(1), &cfg()).is_some());
    assert!(active_at(&y, day(1), &cfg()).is_some());
    let x2 = [det(0), det(1), clean(2), clean(2)];
    assert!(active_at(&x2, day(2), &cfg()).is_none());
}

#[test]
fn future_observations_are_ignored_at_a_past_instant() {
    let obs = [det(0), det(5)];
    assert!(active_at(&obs, day(3), &cfg()).is_none());
    assert!(active_at(&obs, day(5), &cfg()).is_some());
}
