//! Deterministic synthetic data for Posture's benchmarks.

use chrono::{Duration, TimeZone, Utc};
use posture_core::{
    Assessment, Catalog, FindingStatus, FindingsDocument, IssueIdx, Timestamp, ValidFinding,
};
use std::sync::Arc;

/// A small deterministic generator (xorshift64*), so that every run and
/// machine benchmarks the same portfolio.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// Next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// `orgs` organisations with `findings` findings each over the built-in
/// catalog: footprints of 2–9 host names plus a /24–/28 block, findings
/// spread over 1–40 assets, mixed statuses and ages (most active).
///
/// # Panics
/// Never for the built-in catalog (the synthetic documents are valid by
/// construction); a panic here is a bug in the generator.
pub fn portfolio(orgs: usize, findings: usize, seed: u64) -> Vec<Assessment> {
    let catalog: Arc<Catalog> = Catalog::builtin();
    let n_issues = catalog.len() as u64;
    let as_of = Utc
        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let mut rng = Rng::new(seed);
    (0..orgs)
        .map(|o| {
            let hosts = 2 + rng.below(8) as usize;
            let prefix = 24 + rng.below(5);
            let mut assets: Vec<String> =
                (0..hosts).map(|h| format!("h{h}.org{o}.example")).collect();
            assets.push(format!("10.{}.{}.0/{prefix}", (o >> 8) & 255, o & 255));
            let doc = FindingsDocument {
                organization: format!("org{o}"),
                as_of: Timestamp(as_of),
                assets,
                assessed_factors: None,
                findings: Vec::new(),
                breaches: Vec::new(),
            };
            #[allow(clippy::expect_used)]
            let base = doc.validate(&catalog).expect("synthetic document is valid");
            let asset_count = (hosts as u64 + 1).max(1 + rng.below(40)) as u32;
            let fs = (0..findings)
                .map(|_| {
                    let last = as_of - Duration::hours(rng.below(24 * 60) as i64);
                    let status = match rng.below(10) {
                        0 => FindingStatus::Fixed,
                        1 => FindingStatus::UnderReview,
                        _ => FindingStatus::Open,
                    };
                    ValidFinding {
                        issue: IssueIdx(
                            rng.below(n_issues.min(24)) as u32 * (n_issues as u32 / 24).max(1),
                        ),
                        asset: rng.below(u64::from(asset_count)) as u32,
                        first_seen: last - Duration::days(7),
                        last_seen: last,
                        status,
                    }
                })
                .collect();
            #[allow(clippy::expect_used)]
            base.with_findings(fs, asset_count)
                .expect("synthetic indices are in range")
        })
        .collect()
}

/// Total number of findings in a portfolio.
pub fn finding_count(p: &[Assessment]) -> u64 {
    p.iter().map(|a| a.findings().len() as u64).sum()
}

/// A portfolio index over `vendors` vendors and `portfolios` portfolios of
/// 1–3 own domains and `per_portfolio` in-use vendors each; vendor `hot`
/// (id `"hot"`) is added to the first `hot_customers` portfolios.
///
/// # Panics
/// Never for in-range generated fractions; a panic is a generator bug.
pub fn portfolio_index(
    vendors: usize,
    portfolios: usize,
    per_portfolio: usize,
    hot_customers: usize,
    seed: u64,
) -> posture_csr::PortfolioIndex {
    use posture_csr::{Criticality, CsrConfig, PortfolioIndex};
    use rust_decimal::Decimal;
    let mut rng = Rng::new(seed);
    #[allow(clippy::expect_used)]
    let mut ix = PortfolioIndex::new(CsrConfig::default()).expect("default config is valid");
    let ids: Vec<String> = (0..vendors).map(|v| format!("v{v}")).collect();
    let frac = |rng: &mut Rng| Decimal::new(400_000 + rng.below(600_001) as i64, 6);
    for id in &ids {
        #[allow(clippy::expect_used)]
        ix.set_vendor(id, frac(&mut rng))
            .expect("fraction in range");
    }
    #[allow(clippy::expect_used)]
    ix.set_vendor("hot", frac(&mut rng))
        .expect("fraction in range");
    for p in 0..portfolios {
        let domains: Vec<Decimal> = (0..1 + rng.below(3)).map(|_| frac(&mut rng)).collect();
        let mut members: Vec<(&str, Criticality)> = (0..per_portfolio)
            .map(|_| {
                let v = rng.below(vendors as u64) as usize;
                (ids[v].as_str(), Criticality::ALL[rng.below(4) as usize])
            })
            .collect();
        if p < hot_customers {
            members.push(("hot", Criticality::Critical));
        }
        #[allow(clippy::expect_used)]
        ix.add_portfolio(&format!("p{p}"), &domains, &members)
            .expect("vendors exist");
    }
    ix
}

/// A sandbox world of `n` domains `d{i}.bench.example`, each with the
/// records a scan reads (SPF with an include, DMARC, MX, NS, CAA, DKIM…),
/// half of them well kept and half neglected.
pub fn scan_world(n: usize) -> posture_sandbox::World {
    use posture_sandbox::RecordValue;
    let mut w = posture_sandbox::World::new();
    w.txt("_spf.provider.example", "v=spf1 ip4:198.51.100.0/24 -all");
    for i in 0..n {
        let d = format!("d{i}.bench.example");
        if i % 2 == 0 {
            w.txt(
                &d,
                "v=spf1 ip4:192.0.2.0/24 include:_spf.provider.example -all",
            )
            .txt(
                &format!("_dmarc.{d}"),
                &format!("v=DMARC1; p=reject; rua=mailto:dmarc@{d}"),
            )
            .add(&d, RecordValue::CaaIssue("letsencrypt.org".into()))
            .txt(&format!("_mta-sts.{d}"), "v=STSv1; id=1")
            .txt(
                &format!("_smtp._tls.{d}"),
                &format!("v=TLSRPTv1; rua=mailto:tls@{d}"),
            );
        } else {
            w.txt(&d, "v=spf1 a mx ~all")
                .txt(&format!("_dmarc.{d}"), "v=DMARC1; p=none");
        }
        w.add(&d, RecordValue::Mx(10, format!("mail.{d}")))
            .add(
                &format!("mail.{d}"),
                RecordValue::A(std::net::Ipv4Addr::new(192, 0, 2, (i % 250) as u8 + 1)),
            )
            .add(&d, RecordValue::A(std::net::Ipv4Addr::new(192, 0, 2, 10)))
            .add(&d, RecordValue::Ns(format!("ns1.{d}")))
            .add(&d, RecordValue::Ns("ns2.provider.example".into()))
            .add(
                &format!("ns1.{d}"),
                RecordValue::A(std::net::Ipv4Addr::new(192, 0, 2, 53)),
            );
    }
    w.add(
        "ns2.provider.example",
        RecordValue::A(std::net::Ipv4Addr::new(198, 51, 100, 53)),
    );
    w
}

/// Measures a DNS server's capacity: `sockets` UDP sockets keep `in_flight`
/// TXT queries outstanding each until `total` queries were sent and
/// answered or given up (a datagram unanswered for 20 ms counts as lost);
/// returns answered queries per second.
///
/// # Panics
/// If the loopback sockets cannot be bound (a broken test machine).
pub async fn server_capacity(
    server: std::net::SocketAddr,
    names: &[String],
    sockets: usize,
    in_flight: usize,
    total: usize,
) -> f64 {
    use hickory_proto::op::{Message, Query};
    use hickory_proto::rr::{Name, RecordType};
    let per_socket = total / sockets.max(1);
    let start = std::time::Instant::now();
    let mut tasks = Vec::new();
    for s in 0..sockets {
        let names: Vec<Vec<u8>> = names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let mut m = Message::query();
                m.metadata.id = (i % 65_000) as u16;
                m.add_query(Query::query(
                    Name::from_ascii(format!("{n}.")).ok()?,
                    RecordType::TXT,
                ));
                m.to_vec().ok()
            })
            .collect();
        tasks.push(tokio::spawn(async move {
            #[allow(clippy::expect_used)]
            let sock = tokio::net::UdpSocket::bind("127.0.0.1:0")
                .await
                .expect("bind loopback");
            #[allow(clippy::expect_used)]
            sock.connect(server).await.expect("connect loopback");
            let mut buf = vec![0u8; 4096];
            let (mut sent, mut got, mut answered) = (0usize, 0usize, 0usize);
            while sent < in_flight.min(per_socket) {
                let _ = sock.send(&names[(s + sent) % names.len()]).await;
                sent += 1;
            }
            while got < per_socket {
                match tokio::time::timeout(
                    std::time::Duration::from_millis(20),
                    sock.recv(&mut buf),
                )
                .await
                {
                    Ok(Ok(_)) => {
                        got += 1;
                        answered += 1;
                    }
                    // A lost datagram: count it and send another.
                    _ => got += 1,
                }
                if sent < per_socket {
                    let _ = sock.send(&names[(s + sent) % names.len()]).await;
                    sent += 1;
                }
            }
            answered
        }));
    }
    let mut answered = 0usize;
    for t in tasks {
        answered += t.await.unwrap_or(0);
    }
    answered as f64 / start.elapsed().as_secs_f64()
}
