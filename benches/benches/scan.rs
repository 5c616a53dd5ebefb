#![allow(missing_docs)]
//! Scanning throughput against the loopback sandbox server: domains/s at
//! concurrency 1, 64 and 512, beside the server's own capacity in
//! queries/s measured in the same run (the ceiling any scanner faces).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use posture_signals::{ScanConfig, scan};
use std::time::Duration;

const DOMAINS: usize = 200;

fn bench(c: &mut Criterion) {
    #[allow(clippy::expect_used)]
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    #[allow(clippy::expect_used)]
    let server = rt
        .block_on(posture_sandbox::DnsSandbox::start(
            posture_benches::scan_world(DOMAINS),
        ))
        .expect("sandbox");
    let names: Vec<String> = (0..DOMAINS)
        .map(|i| format!("d{i}.bench.example"))
        .collect();

    let mut g = c.benchmark_group("dns_server_capacity");
    g.sample_size(10);
    g.throughput(Throughput::Elements(20_000));
    g.bench_function("txt_queries_4x16_in_flight", |b| {
        b.iter(|| {
            rt.block_on(posture_benches::server_capacity(
                server.addr(),
                &names,
                4,
                16,
                20_000,
            ))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("scan_domains");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(DOMAINS as u64));
    for concurrency in [1usize, 64, 512] {
        let mut config = ScanConfig::default();
        config.policy.nameserver = Some(server.addr());
        config.policy.concurrency = concurrency;
        config.policy.timeout = Duration::from_secs(2);
        config.dkim_selectors = vec!["default".into()];
        config.ports = Vec::new();
        // DNS throughput, as before the web checks: those are benchmarked
        // on their own.
        config.checks = posture_signals::CHECKS
            .iter()
            .filter(|s| s.target == posture_signals::TargetKind::Domain)
            .map(|s| s.check)
            .collect();
        config.policy.connect_within = "127.0.0.0/8".parse().ok().map(|n| vec![n]);
        g.bench_with_input(
            BenchmarkId::new("concurrency", concurrency),
            &config,
            |b, config| {
                b.iter(|| {
                    #[allow(clippy::expect_used)]
                    let r = rt.block_on(scan(&names, config)).expect("scan runs");
                    let bad: Vec<_> = r
                        .observations
                        .iter()
                        .filter(|o| o.fact().is_none())
                        .take(3)
                        .collect();
                    assert!(bad.is_empty(), "a bench scan was inconclusive: {bad:?}");
                    r.queries
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
