//! The sandbox server answers like an authoritative server and injects the
//! faults it is told to. Queries go only to the server on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hickory_proto::op::{Message, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use posture_sandbox::{DnsSandbox, Fault, RecordValue, World};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

fn query_bytes(name: &str, t: RecordType) -> Vec<u8> {
    let mut m = Message::query();
    m.metadata.id = 4242;
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), t));
    m.to_vec().unwrap()
}

async fn udp(server: SocketAddr, name: &str, t: RecordType, wait: Duration) -> Option<Message> {
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    sock.send_to(&query_bytes(name, t), server).await.unwrap();
    let mut buf = vec![0u8; 4096];
    match tokio::time::timeout(wait, sock.recv_from(&mut buf)).await {
        Ok(Ok((n, _))) => Some(Message::from_vec(&buf[..n]).unwrap()),
        _ => None,
    }
}

/// One query over TCP; `None` when the server closes the connection.
async fn tcp_ask(server: SocketAddr, name: &str, t: RecordType) -> Option<Message> {
    let mut tcp = TcpStream::connect(server).await.unwrap();
    let q = query_bytes(name, t);
    tcp.write_all(&(q.len() as u16).to_be_bytes())
        .await
        .unwrap();
    tcp.write_all(&q).await.unwrap();
    let mut len = [0u8; 2];
    tcp.read_exact(&mut len).await.ok()?;
    let mut body = vec![0u8; u16::from_be_bytes(len) as usize];
    tcp.read_exact(&mut body).await.ok()?;
    Some(Message::from_vec(&body).unwrap())
}

async fn ask(server: SocketAddr, name: &str, t: RecordType) -> Message {
    udp(server, name, t, Duration::from_secs(5))
        .await
        .expect("an answer")
}

fn world() -> World {
    let mut w = World::new();
    w.txt("example.com", "v=spf1 ip4:192.0.2.0/24 -all")
        .add(
            "example.com",
            RecordValue::Mx(10, "mail.example.com".into()),
        )
        .add(
            "mail.example.com",
            RecordValue::A("192.0.2.25".parse().unwrap()),
        )
        .add(
            "www.example.com",
            RecordValue::Cname("web.example.com".into()),
        )
        .add(
            "web.example.com",
            RecordValue::A("192.0.2.80".parse().unwrap()),
        )
        .add(
            "old.example.com",
            RecordValue::Cname("gone.example.net".into()),
        )
        .txt("_dmarc.deep.example.com", "v=DMARC1; p=reject")
        .add("example.com", RecordValue::Dnskey(vec![1, 1, 3, 13, 0xAA]))
        .fault("servfail.example.org", Fault::ServFail)
        .fault("refused.example.org", Fault::Refused)
        .fault("silent.example.org", Fault::Silent)
        .fault("trunc.example.org", Fault::Truncated)
        .fault("late.example.org", Fault::Late(Duration::from_millis(300)));
    w.txt("late.example.org", "v=spf1 -all");
    w
}

#[tokio::test]
async fn answers_records_nxdomain_and_nodata() {
    let s = DnsSandbox::start(world()).await.unwrap();
    let m = ask(s.addr(), "EXAMPLE.com.", RecordType::TXT).await;
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert!(m.metadata.authoritative);
    match &m.answers[0].data {
        RData::TXT(t) => assert_eq!(t.to_string(), "v=spf1 ip4:192.0.2.0/24 -all"),
        other => panic!("{other:?}"),
    }
    let m = ask(s.addr(), "nope.example.com.", RecordType::A).await;
    assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
    let m = ask(s.addr(), "example.com.", RecordType::AAAA).await;
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert!(m.answers.is_empty());
    assert_eq!(m.authorities.len(), 1, "NODATA carries an SOA");
    // Empty non-terminal: deep.example.com has no records but a child does.
    let m = ask(s.addr(), "deep.example.com.", RecordType::TXT).await;
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    let m = ask(s.addr(), "example.com.", RecordType::DNSKEY).await;
    assert_eq!(m.answers.len(), 1);
    assert!(s.queries() >= 5);
}

#[tokio::test]
async fn follows_cname_chains_and_reports_dangling_ones() {
    let s = DnsSandbox::start(world()).await.unwrap();
    let m = ask(s.addr(), "www.example.com.", RecordType::A).await;
    assert_eq!(m.answers.len(), 2);
    assert!(matches!(&m.answers[1].data, RData::A(a) if a.0.to_string() == "192.0.2.80"));
    let m = ask(s.addr(), "old.example.com.", RecordType::A).await;
    assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
    assert!(matches!(&m.answers[0].data, RData::CNAME(_)));
}

#[tokio::test]
async fn injects_faults() {
    let s = DnsSandbox::start(world()).await.unwrap();
    assert_eq!(
        ask(s.addr(), "servfail.example.org.", RecordType::TXT)
            .await
            .metadata
            .response_code,
        ResponseCode::ServFail
    );
    assert_eq!(
        ask(s.addr(), "x.refused.example.org.", RecordType::A)
            .await
            .metadata
            .response_code,
        ResponseCode::Refused
    );
    assert!(
        udp(
            s.addr(),
            "silent.example.org.",
            RecordType::TXT,
            Duration::from_millis(400)
        )
        .await
        .is_none()
    );
    let t = ask(s.addr(), "trunc.example.org.", RecordType::TXT).await;
    assert!(t.metadata.truncation);
    // Over TCP the truncated name's connection is closed without an answer.
    assert!(
        tcp_ask(s.addr(), "trunc.example.org.", RecordType::TXT)
            .await
            .is_none()
    );
    // Late: nothing within 100 ms, the answer within a generous bound.
    assert!(
        udp(
            s.addr(),
            "late.example.org.",
            RecordType::TXT,
            Duration::from_millis(100)
        )
        .await
        .is_none()
    );
    let m = udp(
        s.addr(),
        "late.example.org.",
        RecordType::TXT,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(m.answers.len(), 1);
}

#[tokio::test]
async fn large_answers_are_truncated_over_udp_and_whole_over_tcp() {
    let mut w = World::new();
    for i in 0..100u8 {
        w.add(
            "big.example",
            RecordValue::A(std::net::Ipv4Addr::new(192, 0, 2, i)),
        );
    }
    let s = DnsSandbox::start(w).await.unwrap();
    let m = ask(s.addr(), "big.example.", RecordType::A).await;
    assert!(m.metadata.truncation);
    assert!(m.answers.is_empty());
    assert_eq!(
        tcp_ask(s.addr(), "big.example.", RecordType::A)
            .await
            .unwrap()
            .answers
            .len(),
        100
    );
}

#[tokio::test]
async fn tcp_answers_and_live_updates() {
    let s = DnsSandbox::start_on("127.0.0.2".parse().unwrap(), world())
        .await
        .unwrap();
    assert_eq!(s.addr().ip().to_string(), "127.0.0.2");
    assert_eq!(
        tcp_ask(s.addr(), "example.com.", RecordType::MX)
            .await
            .unwrap()
            .answers
            .len(),
        1
    );
    s.update(|w| {
        w.remove("example.com", posture_sandbox::RecordKind::Txt);
        w.txt("example.com", "v=spf1 -all");
    });
    let m = ask(s.addr(), "example.com.", RecordType::TXT).await;
    assert!(matches!(&m.answers[0].data, RData::TXT(t) if t.to_string() == "v=spf1 -all"));
}

/// Probes see an open service every time, and once it closes its port can
/// be held closed at once (it leaves no TIME_WAIT behind) and refuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_service_is_open_then_held_closed() {
    use posture_sandbox::{ClosedPort, TcpService};
    let svc = TcpService::start("127.0.0.4".parse().unwrap())
        .await
        .unwrap();
    let addr = svc.addr();
    for i in 0..200 {
        let s = tokio::net::TcpStream::connect(addr).await;
        assert!(s.is_ok(), "probe {i}: {s:?}");
        // The probe sees no reset after connecting either.
        assert!(s.unwrap().peer_addr().is_ok(), "probe {i}");
    }
    svc.close().await;
    let held = ClosedPort::reserve(addr.ip(), addr.port()).unwrap();
    for _ in 0..20 {
        let e = tokio::net::TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);
    }
    drop(held);
}
