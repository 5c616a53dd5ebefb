#![allow(missing_docs)]
//! csr-v1 at platform scale: 100,000 customer portfolios × 50 in-use
//! vendors drawn from 1,000,000 vendors, and one vendor update where that
//! vendor has 1,000 customers.
//!
//! Baseline in the same run: the same weighted average in plain f64 (no
//! pessimistic weights, no decimal arithmetic), the floor of any aggregator.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let vendors: usize = std::env::var("POSTURE_BENCH_VENDORS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let portfolios: usize = std::env::var("POSTURE_BENCH_PORTFOLIOS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let ix = posture_benches::portfolio_index(vendors, portfolios, 50, 1_000, 7);

    // f64 baseline over the same shape of data.
    let mut rng = posture_benches::Rng::new(7);
    let fractions: Vec<f64> = (0..vendors)
        .map(|_| 0.4 + rng.below(600_001) as f64 / 1e6)
        .collect();
    let members: Vec<Vec<(u32, f64)>> = (0..portfolios)
        .map(|_| {
            (0..50)
                .map(|_| {
                    (
                        rng.below(vendors as u64) as u32,
                        [1.5, 1.0, 0.75, 0.5][rng.below(4) as usize],
                    )
                })
                .collect()
        })
        .collect();

    let mut g = c.benchmark_group("csr_full_aggregation");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(15));
    g.throughput(Throughput::Elements(portfolios as u64));
    g.bench_function("baseline_f64_weighted_average", |b| {
        use rayon::prelude::*;
        b.iter(|| {
            let out: Vec<f64> = members
                .par_iter()
                .map(|m| {
                    let (mut w, mut ws) = (0.0, 0.0);
                    for &(v, beta) in m {
                        let s = fractions[v as usize];
                        w += beta;
                        ws += beta * s;
                    }
                    ws / w
                })
                .collect();
            black_box(out)
        })
    });
    g.bench_function("csr_v1_decimal_parallel", |b| {
        b.iter(|| black_box(ix.recompute_all()))
    });
    g.finish();

    let mut g = c.benchmark_group("csr_vendor_update");
    g.throughput(Throughput::Elements(1_000));
    let mut ix = ix;
    let mut flip = false;
    g.bench_function("update_vendor_with_1000_customers", |b| {
        b.iter(|| {
            flip = !flip;
            let f = if flip {
                Decimal::new(5, 1)
            } else {
                Decimal::new(9, 1)
            };
            black_box(ix.set_vendor("hot", f).unwrap_or(0))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
