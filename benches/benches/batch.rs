#![allow(missing_docs)]
//! Batch input: splitting NDJSON into located documents must be linear in
//! the input. 10,000 and 40,000 findings documents, split and validated;
//! the baseline is serde_json's own stream over the same text (no
//! locating). Throughput in documents/s should not fall with the size.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use posture_core::input::{parse_batch, split_documents};
use posture_core::{Catalog, FindingsDocument};
use std::hint::black_box;

fn ndjson(n: usize) -> String {
    let mut s = String::with_capacity(n * 300);
    for i in 0..n {
        s.push_str(&format!(
            r#"{{"organization":"org{i}","as_of":"2026-11-01T00:00:00Z","assets":["d{i}.example","192.0.2.0/28"],"findings":[{{"issue":"spf_missing","asset":"d{i}.example","first_seen":"2026-10-01T00:00:00Z","last_seen":"2026-10-30T00:00:00Z","status":"open"}}]}}"#
        ));
        s.push('\n');
    }
    s
}

#[allow(clippy::expect_used)]
fn batch(c: &mut Criterion) {
    let catalog = Catalog::builtin();
    let mut g = c.benchmark_group("batch");
    g.sample_size(10);
    for n in [10_000usize, 40_000] {
        let text = ndjson(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(
            BenchmarkId::new("baseline_serde_stream", n),
            &text,
            |b, t| {
                b.iter(|| {
                    serde_json::Deserializer::from_str(t)
                        .into_iter::<&serde_json::value::RawValue>()
                        .filter(Result::is_ok)
                        .count()
                })
            },
        );
        g.bench_with_input(BenchmarkId::new("split_documents", n), &text, |b, t| {
            b.iter(|| black_box(split_documents(t).map(|(_, d)| d.len())))
        });
        g.bench_with_input(BenchmarkId::new("split_and_validate", n), &text, |b, t| {
            b.iter(|| {
                let (_, docs) = split_documents(t).expect("valid NDJSON");
                black_box(
                    parse_batch(&docs, |d| {
                        FindingsDocument::from_json(d.text)?.validate(&catalog)
                    })
                    .map(|v| v.len()),
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, batch);
criterion_main!(benches);
