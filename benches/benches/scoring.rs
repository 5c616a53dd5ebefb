#![allow(missing_docs)]
//! Scoring throughput: 100,000 organisations × 100 findings, in memory.
//!
//! Baseline in the same run: a pass over the same findings that only counts
//! the active ones (the memory-bound floor any scorer pays).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use posture_score::{PostureV1, ScoringModel, score_batch, score_sequential};
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let orgs: usize = std::env::var("POSTURE_BENCH_ORGS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let portfolio = posture_benches::portfolio(orgs, 100, 42);
    let findings = posture_benches::finding_count(&portfolio);
    let model = PostureV1::default();
    let mut g = c.benchmark_group("score_portfolio");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.warm_up_time(Duration::from_secs(3));
    g.throughput(Throughput::Elements(findings));
    g.bench_function(BenchmarkId::new("baseline_count_active", orgs), |b| {
        b.iter(|| {
            let n: usize = portfolio
                .iter()
                .map(|a| {
                    a.findings()
                        .iter()
                        .filter(|f| f.status.counts() && f.last_seen <= a.as_of())
                        .count()
                })
                .sum();
            black_box(n)
        })
    });
    g.bench_function(BenchmarkId::new("posture_v1_sequential", orgs), |b| {
        b.iter(|| black_box(score_sequential(&model, &portfolio)))
    });
    g.bench_function(BenchmarkId::new("posture_v1_parallel", orgs), |b| {
        b.iter(|| black_box(score_batch(&model, &portfolio)))
    });
    // The same, with freeing the 100,000 scorecards left out of the timing
    // (a host usually serialises and drops them on its own threads).
    g.bench_function(
        BenchmarkId::new("posture_v1_parallel_excluding_drop", orgs),
        |b| b.iter_with_large_drop(|| score_batch(&model, &portfolio)),
    );
    g.finish();

    let mut g = c.benchmark_group("score_one");
    g.throughput(Throughput::Elements(100));
    let one = &portfolio[0];
    g.bench_function("posture_v1_100_findings", |b| {
        b.iter(|| black_box(model.score(one)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
