//! Mutual TLS: a CA, server and client certificates made in the test with
//! rcgen; 3 replicas on loopback requiring client certificates
//! (`--tls-client-ca`), in both modes (`all` and `replication`).

mod common;

use common::Cluster;
use kvstore_runtime::proto::{replication_client::ReplicationClient, DeliverRequest, Envelope};
use kvstore_runtime::security::ClientAuth;
use kvstore_runtime::{Client, ClientError, ClientTls};
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tonic::transport::{ClientTlsConfig, Endpoint, Identity};
use tonic::Code;

/// A CA and its key.
struct Ca {
    cert: Certificate,
    key: KeyPair,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let cert = p.self_signed(&key).unwrap();
        Ca { cert, key }
    }

    /// A leaf certificate for loopback, with these Extended Key Usages
    /// (none: no extension, valid for any use). Returns (cert PEM, key PEM).
    fn issue(&self, name: &str, eku: &[ExtendedKeyUsagePurpose]) -> (String, String) {
        let mut p = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
        p.distinguished_name.push(DnType::CommonName, name);
        p.extended_key_usages = eku.to_vec();
        let key = KeyPair::generate().unwrap();
        let cert = p.signed_by(&key, &self.cert, &self.key).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

/// Files of the test PKI: the cluster CA, a server certificate, a client
/// certificate signed by the CA and one signed by another CA.
struct Pki {
    _dir: tempfile::TempDir,
    ca_pem: String,
    ca: PathBuf,
    server: (PathBuf, PathBuf),
    link: (PathBuf, PathBuf),
    client: (String, String),
    stranger: (String, String),
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// With `server_eku`, the server certificate is restricted to these usages.
fn pki(server_eku: &[ExtendedKeyUsagePurpose]) -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = Ca::new("kvstore test CA");
    let other = Ca::new("some other CA");
    let (sc, sk) = ca.issue("replica", server_eku);
    let (lc, lk) = ca.issue("replica link", &[ExtendedKeyUsagePurpose::ClientAuth]);
    Pki {
        ca_pem: ca.cert.pem(),
        ca: write(d, "ca.pem", &ca.cert.pem()),
        server: (write(d, "server.pem", &sc), write(d, "server.key", &sk)),
        link: (write(d, "link.pem", &lc), write(d, "link.key", &lk)),
        client: ca.issue("client", &[ExtendedKeyUsagePurpose::ClientAuth]),
        stranger: other.issue("stranger", &[ExtendedKeyUsagePurpose::ClientAuth]),
        _dir: dir,
    }
}

/// A session pinned to replica `i`, without failover, short deadline.
fn pinned(addrs: &[String], i: usize, tls: &ClientTls) -> Client {
    let mut c = Client::connect_with(addrs, Some(tls))
        .unwrap()
        .with_failover(false)
        .with_timeout(Duration::from_secs(2));
    c.set_replica(i);
    c
}

fn forged() -> DeliverRequest {
    DeliverRequest {
        origin: 0,
        incarnation: 1,
        target: 1,
        messages: vec![Envelope {
            seq: 1,
            payload: vec![0u8; 8].into(),
        }],
    }
}

/// A raw replication client to `addr` trusting `ca_pem`, with an optional identity.
async fn raw_replication(
    addr: &str,
    ca_pem: &str,
    identity: Option<&(String, String)>,
) -> Result<ReplicationClient<tonic::transport::Channel>, tonic::transport::Error> {
    let mut tls =
        ClientTlsConfig::new().ca_certificate(tonic::transport::Certificate::from_pem(ca_pem));
    if let Some((c, k)) = identity {
        tls = tls.identity(Identity::from_pem(c, k));
    }
    let ep = Endpoint::from_shared(format!("https://{addr}"))
        .unwrap()
        .tls_config(tls)
        .unwrap();
    Ok(ReplicationClient::new(ep.connect().await?))
}

/// Every replica of the cluster has `marker` and not `absent` (read with
/// the token of the session that wrote `marker`, so each replica has caught
/// up with everything before it).
async fn check_applied_everywhere(c: &Cluster, good: &ClientTls, token: &[u8], absent: &str) {
    for i in 0..c.addrs.len() {
        let mut s = pinned(&c.addrs, i, good);
        s.set_token(token.to_vec());
        assert_eq!(
            s.get("marker").await.unwrap(),
            Some(b"m".to_vec()),
            "replica {i}"
        );
        assert_eq!(
            s.get(absent).await.unwrap(),
            None,
            "replica {i} applied a refused put"
        );
    }
}

/// A client without a certificate: a clear status from the replica.
fn refused_without_cert(e: &ClientError) {
    assert_eq!(e.code(), Some(Code::Unauthenticated), "{e}");
    assert!(
        e.to_string().contains("need a client certificate")
            && e.to_string().contains("--tls-client-ca"),
        "{e}"
    );
}

/// A certificate the replica cannot verify: the TLS handshake fails, the
/// replica closes the connection, and the client explains it.
fn refused_bad_cert(e: &ClientError) {
    assert!(
        matches!(
            e.code(),
            Some(Code::Unavailable | Code::Cancelled | Code::Unknown)
        ),
        "{e}"
    );
    assert!(e.to_string().contains("--tls-client-ca"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtls_required_on_every_service() {
    // The replicas' own certificates (no Extended Key Usage: valid as client
    // certificates too) are what the replica links present.
    let p = pki(&[]);
    let mut c = Cluster::reserve("handwritten-vc", 3).await;
    let (cert, key, ca) = (p.server.0.clone(), p.server.1.clone(), p.ca.clone());
    c.customize = Box::new(move |_, cfg| {
        cfg.tls.cert = Some(cert.clone());
        cfg.tls.key = Some(key.clone());
        cfg.tls.ca = Some(ca.clone());
        cfg.tls.client_ca = Some(ca.clone());
    });
    c.start_all().await;

    // (a) A client with a CA-signed certificate works, and replication works over mTLS.
    let good =
        ClientTls::new(p.ca_pem.clone()).with_identity(p.client.0.clone(), p.client.1.clone());
    let mut s = pinned(&c.addrs, 0, &good);
    s.put("k", "over-mtls").await.unwrap();
    s.set_replica(2);
    assert_eq!(s.get("k").await.unwrap(), Some(b"over-mtls".to_vec()));

    // (b) A client without a certificate is refused.
    let anonymous = ClientTls::new(p.ca_pem.clone());
    for i in 0..3 {
        let e = pinned(&c.addrs, i, &anonymous)
            .put("refused", "x")
            .await
            .unwrap_err();
        refused_without_cert(&e);
        eprintln!("client without a certificate: {e}");
    }
    // (c) A client with a certificate from another CA is refused.
    let stranger =
        ClientTls::new(p.ca_pem.clone()).with_identity(p.stranger.0.clone(), p.stranger.1.clone());
    for i in 0..3 {
        let e = pinned(&c.addrs, i, &stranger)
            .put("refused", "y")
            .await
            .unwrap_err();
        refused_bad_cert(&e);
        eprintln!("client with another CA's certificate: {e}");
    }
    // Nor can either reach the replication service.
    let mut r = raw_replication(&c.addrs[1], &p.ca_pem, None).await.unwrap();
    let e = r.deliver(forged()).await.unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated, "{e:?}");
    if let Ok(mut r) = raw_replication(&c.addrs[1], &p.ca_pem, Some(&p.stranger)).await {
        assert!(r.deliver(forged()).await.is_err());
    }

    // (d) Nothing of the refused puts was applied anywhere.
    s.set_replica(1);
    s.put("marker", "m").await.unwrap();
    let token = s.token().to_vec();
    check_applied_everywhere(&c, &good, &token, "refused").await;
    c.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtls_for_replication_only() {
    // Server certificates restricted to serverAuth: the links present a
    // separate client certificate (--tls-client-cert/--tls-client-key).
    let p = pki(&[ExtendedKeyUsagePurpose::ServerAuth]);
    let mut c = Cluster::reserve("handwritten-vc", 3).await;
    let (cert, key, ca) = (p.server.0.clone(), p.server.1.clone(), p.ca.clone());
    let (lc, lk) = p.link.clone();
    c.customize = Box::new(move |_, cfg| {
        cfg.tls.cert = Some(cert.clone());
        cfg.tls.key = Some(key.clone());
        cfg.tls.ca = Some(ca.clone());
        cfg.tls.client_ca = Some(ca.clone());
        cfg.tls.client_auth = ClientAuth::Replication;
        cfg.tls.client_cert = Some(lc.clone());
        cfg.tls.client_key = Some(lk.clone());
    });
    c.start_all().await;

    // Anonymous TLS clients may use the Kv service; replication works over mTLS links.
    let anonymous = ClientTls::new(p.ca_pem.clone());
    let mut s = pinned(&c.addrs, 0, &anonymous);
    s.put("k", "v").await.unwrap();
    s.set_replica(2);
    assert_eq!(s.get("k").await.unwrap(), Some(b"v".to_vec()));
    // So may clients with a CA-signed certificate.
    let good =
        ClientTls::new(p.ca_pem.clone()).with_identity(p.client.0.clone(), p.client.1.clone());
    pinned(&c.addrs, 1, &good).put("k2", "v2").await.unwrap();

    // An anonymous client cannot deliver replication messages: a clear status.
    let mut r = raw_replication(&c.addrs[1], &p.ca_pem, None).await.unwrap();
    let e = r.deliver(forged()).await.unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated, "{e:?}");
    assert!(e.message().contains("--tls-client-ca"), "{e:?}");

    // A certificate from another CA is refused at the handshake, for every service.
    let stranger =
        ClientTls::new(p.ca_pem.clone()).with_identity(p.stranger.0.clone(), p.stranger.1.clone());
    let e = pinned(&c.addrs, 0, &stranger)
        .put("refused", "y")
        .await
        .unwrap_err();
    refused_bad_cert(&e);
    if let Ok(mut r) = raw_replication(&c.addrs[1], &p.ca_pem, Some(&p.stranger)).await {
        assert!(r.deliver(forged()).await.is_err());
    }

    // Nothing refused was applied anywhere: the forged message (origin 0,
    // seq 1) did not displace replica 0's real first message.
    let mut s = pinned(&c.addrs, 0, &anonymous);
    s.put("marker", "m").await.unwrap();
    let token = s.token().to_vec();
    check_applied_everywhere(&c, &anonymous, &token, "refused").await;
    let mut s1 = pinned(&c.addrs, 1, &anonymous);
    s1.set_token(token);
    assert_eq!(s1.get("k").await.unwrap(), Some(b"v".to_vec()));
    c.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_pem_files_are_named() {
    let p = pki(&[]);
    let dir = tempfile::tempdir().unwrap();
    let not_pem = write(dir.path(), "not-a-cert.pem", "hello\n");
    let mut c = Cluster::reserve("handwritten-vc", 1).await;
    let (cert, key) = p.server.clone();
    let bad = not_pem.clone();
    c.customize = Box::new(move |_, cfg| {
        cfg.tls.cert = Some(cert.clone());
        cfg.tls.key = Some(key.clone());
        cfg.tls.client_ca = Some(bad.clone());
    });
    let e = c.try_start(0).await.unwrap_err().to_string();
    assert!(
        e.contains("not-a-cert.pem") && e.contains("no PEM certificate"),
        "{e}"
    );
    // A missing file, and a key where a certificate belongs, on the client side.
    let e = ClientTls::new(p.ca_pem.clone())
        .with_identity_files(&dir.path().join("nope.pem"), &p.server.1)
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope.pem"), "{e}");
    let e = ClientTls::new(p.ca_pem.clone())
        .with_identity_files(&p.server.1, &p.server.1)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("server.key") && e.contains("no PEM certificate"),
        "{e}"
    );
}
