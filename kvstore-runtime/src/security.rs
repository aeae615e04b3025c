//! Transport security: TLS (rustls, through tonic) for the client and
//! replica links, optional mutual TLS, and the shared replica secret that
//! keeps clients from injecting replication messages.
//!
//! * Server side, `--tls-cert`/`--tls-key` (PEM) turn TLS on for every
//!   service of the replica.
//! * Client side (the client library, and this replica's links to its
//!   peers), `--tls-ca` (PEM) is the CA that must have signed the servers'
//!   certificates; the server name checked is the host of the address (an
//!   IP address is checked against the certificate's IP SANs), or
//!   `--tls-domain`.
//! * Mutual TLS, `--tls-client-ca` (PEM): the replica verifies client
//!   certificates against this CA. What it covers is chosen by
//!   `--tls-client-auth` ([`ClientAuth`]):
//!   - `all` (default): **every** call to every service (`Kv`,
//!     `Replication`, health, reflection) must come over a connection that
//!     presented a certificate signed by the client CA; a call over a
//!     connection without one is refused with `UNAUTHENTICATED` (saying
//!     so) before it reaches the service, so nothing is applied;
//!   - `replication`: only `Replication/Deliver` needs a certificate (same
//!     `UNAUTHENTICATED` refusal, nothing delivered); `Kv`, health and
//!     reflection stay open to anonymous TLS clients.
//!
//!   In both modes a certificate that *is* presented but not signed by the
//!   client CA fails the TLS handshake: the replica closes the connection
//!   (the client sees the connection closed; the [`crate::Client`] adds a
//!   hint about client certificates to such errors).
//!
//!   The replica links present `--tls-client-cert`/`--tls-client-key`, or,
//!   when those are not given and `--tls-client-ca` is set, the replica's
//!   own `--tls-cert`/`--tls-key`. A server certificate is accepted as a
//!   client certificate when it has no Extended Key Usage extension (rcgen's
//!   default) or one listing `clientAuth`; a certificate restricted to
//!   `serverAuth` needs a separate `--tls-client-cert`.
//! * `--replica-secret`: every `Replication/Deliver` call must carry it in
//!   the [`REPLICA_SECRET_HEADER`] metadata; a call without it is
//!   `UNAUTHENTICATED`, a call with a wrong one `PERMISSION_DENIED`, and
//!   nothing is delivered. Use it together with TLS (otherwise it crosses
//!   the network in clear). It can be combined with mutual TLS.
//!
//! Every PEM file is checked when it is loaded: an unreadable file, a file
//! without the expected PEM block, or a certificate that does not parse as
//! X.509 is an error naming the file and the problem.

use std::path::{Path, PathBuf};
use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};
use tonic::{metadata::MetadataMap, Status};

/// gRPC metadata key carrying the replica secret.
pub const REPLICA_SECRET_HEADER: &str = "x-kvstore-replica-secret";

/// Which services need a client certificate when the replica has a client
/// CA (`--tls-client-ca`); see the [module documentation](self).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientAuth {
    /// Every connection (all services) must present a certificate signed
    /// by the client CA; the TLS handshake refuses the others.
    #[default]
    All,
    /// Certificates are optional at the handshake, but `Replication/Deliver`
    /// requires one signed by the client CA.
    Replication,
}

impl std::str::FromStr for ClientAuth {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "all" => Ok(ClientAuth::All),
            "replication" => Ok(ClientAuth::Replication),
            _ => Err(format!(
                "unknown client authentication mode {s:?} (expected all | replication)"
            )),
        }
    }
}

/// TLS settings of a client (the client library or a replica's peer links).
#[derive(Debug, Clone)]
pub struct ClientTls {
    /// PEM of the CA certificate(s) that signed the servers' certificates.
    pub ca_pem: Vec<u8>,
    /// Server name to verify instead of the address's host.
    pub domain: Option<String>,
    /// Client certificate chain and private key (PEM) presented to servers
    /// that require one (mutual TLS).
    pub identity: Option<(Vec<u8>, Vec<u8>)>,
}

impl ClientTls {
    /// Trust the CA in `ca_pem`.
    pub fn new(ca_pem: impl Into<Vec<u8>>) -> Self {
        ClientTls {
            ca_pem: ca_pem.into(),
            domain: None,
            identity: None,
        }
    }

    /// Read the CA from a PEM file (checked: it must hold X.509 certificates).
    pub fn from_file(path: &Path) -> Result<Self, SecurityError> {
        Ok(Self::new(load_certs(path, "CA certificate")?))
    }

    /// Present this client certificate chain and private key (PEM) to the
    /// servers (mutual TLS).
    pub fn with_identity(
        mut self,
        cert_pem: impl Into<Vec<u8>>,
        key_pem: impl Into<Vec<u8>>,
    ) -> Self {
        self.identity = Some((cert_pem.into(), key_pem.into()));
        self
    }

    /// Like [`ClientTls::with_identity`], reading and checking PEM files.
    pub fn with_identity_files(self, cert: &Path, key: &Path) -> Result<Self, SecurityError> {
        let c = load_certs(cert, "client certificate")?;
        let k = load_key(key, "client key")?;
        Ok(self.with_identity(c, k))
    }

    /// Verify this server name instead of the address's host.
    pub fn with_domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    pub(crate) fn tonic_config(&self) -> ClientTlsConfig {
        let mut c = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&self.ca_pem));
        if let Some((cert, key)) = &self.identity {
            c = c.identity(Identity::from_pem(cert, key));
        }
        match &self.domain {
            Some(d) => c.domain_name(d.clone()),
            None => c,
        }
    }
}

/// TLS files of a replica.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsFiles {
    /// Server certificate chain (PEM).
    pub cert: Option<PathBuf>,
    /// Server private key (PEM).
    pub key: Option<PathBuf>,
    /// CA that signed the peers' certificates (PEM), for the replica links.
    pub ca: Option<PathBuf>,
    /// Server name to verify on the replica links instead of the peer's host.
    pub domain: Option<String>,
    /// CA (PEM) that must have signed the client certificates (mutual TLS).
    pub client_ca: Option<PathBuf>,
    /// Which services need a client certificate (with [`TlsFiles::client_ca`]).
    pub client_auth: ClientAuth,
    /// Client certificate chain (PEM) the replica links present
    /// [default with a client CA: [`TlsFiles::cert`]].
    pub client_cert: Option<PathBuf>,
    /// Private key (PEM) of [`TlsFiles::client_cert`].
    pub client_key: Option<PathBuf>,
}

/// Errors setting up TLS.
#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    /// A PEM file could not be read.
    #[error("cannot read the {what} {path}: {error}")]
    Read {
        /// Which file.
        what: &'static str,
        /// Path.
        path: PathBuf,
        /// Cause (in the message, so not also a `source`).
        error: std::io::Error,
    },
    /// A PEM file does not hold what it should.
    #[error("the {what} {path} is unusable: {problem}")]
    Pem {
        /// Which file.
        what: &'static str,
        /// Path.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// The options do not fit together.
    #[error("{0}")]
    Options(String),
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, SecurityError> {
    std::fs::read(path).map_err(|error| SecurityError::Read {
        what,
        path: path.to_path_buf(),
        error,
    })
}

/// Read a PEM file and parse its blocks.
fn pem_items(
    path: &Path,
    what: &'static str,
) -> Result<(Vec<u8>, Vec<rustls_pemfile::Item>), SecurityError> {
    let bytes = read(path, what)?;
    let items = rustls_pemfile::read_all(&mut &bytes[..])
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| SecurityError::Pem {
            what,
            path: path.to_path_buf(),
            problem: format!("not valid PEM: {e}"),
        })?;
    Ok((bytes, items))
}

/// Read a PEM file of certificates: at least one `CERTIFICATE` block, each
/// a parsable X.509 certificate. Returns the file's bytes.
pub(crate) fn load_certs(path: &Path, what: &'static str) -> Result<Vec<u8>, SecurityError> {
    let (bytes, items) = pem_items(path, what)?;
    let bad = |problem: String| SecurityError::Pem {
        what,
        path: path.to_path_buf(),
        problem,
    };
    let mut n = 0;
    for item in items {
        if let rustls_pemfile::Item::X509Certificate(der) = item {
            n += 1;
            rustls::RootCertStore::empty()
                .add(der)
                .map_err(|e| bad(format!("certificate {n} is not valid X.509: {e}")))?;
        }
    }
    if n == 0 {
        return Err(bad(
            "no PEM certificate in it (expected a -----BEGIN CERTIFICATE----- block)".into(),
        ));
    }
    Ok(bytes)
}

/// Read a PEM file holding exactly one private key (PKCS#8, PKCS#1 or SEC1).
pub(crate) fn load_key(path: &Path, what: &'static str) -> Result<Vec<u8>, SecurityError> {
    use rustls_pemfile::Item;
    let (bytes, items) = pem_items(path, what)?;
    let keys = items
        .iter()
        .filter(|i| matches!(i, Item::Pkcs1Key(_) | Item::Pkcs8Key(_) | Item::Sec1Key(_)))
        .count();
    let problem = match keys {
        1 => return Ok(bytes),
        0 => "no PEM private key in it (expected a -----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY block)".to_string(),
        n => format!("{n} private keys in it (expected one)"),
    };
    Err(SecurityError::Pem {
        what,
        path: path.to_path_buf(),
        problem,
    })
}

impl TlsFiles {
    /// Whether the server side is on (certificate and key given).
    pub fn enabled(&self) -> bool {
        self.cert.is_some() || self.key.is_some()
    }

    /// Whether `Replication/Deliver` requires a verified client certificate.
    pub fn replication_needs_cert(&self) -> bool {
        self.client_ca.is_some()
    }

    /// Check that the options fit together.
    fn check(&self) -> Result<(), SecurityError> {
        let opt = |m: &str| Err(SecurityError::Options(m.into()));
        match (&self.cert, &self.key) {
            (Some(_), Some(_)) => {}
            (None, None) => {
                if self.ca.is_some() {
                    return opt(
                        "--tls-ca needs --tls-cert and --tls-key (TLS is on for all links or none)",
                    );
                }
                if self.client_ca.is_some()
                    || self.client_cert.is_some()
                    || self.client_key.is_some()
                {
                    return opt("--tls-client-ca, --tls-client-cert and --tls-client-key need --tls-cert and --tls-key");
                }
            }
            _ => return opt("--tls-cert and --tls-key go together"),
        }
        if self.client_cert.is_some() != self.client_key.is_some() {
            return opt("--tls-client-cert and --tls-client-key go together");
        }
        if self.client_auth != ClientAuth::All && self.client_ca.is_none() {
            return opt("--tls-client-auth needs --tls-client-ca");
        }
        Ok(())
    }

    /// The server configuration, if TLS is on.
    pub(crate) fn server(&self) -> Result<Option<ServerTlsConfig>, SecurityError> {
        self.check()?;
        let (Some(c), Some(k)) = (&self.cert, &self.key) else {
            return Ok(None);
        };
        let id = Identity::from_pem(
            load_certs(c, "TLS certificate (--tls-cert)")?,
            load_key(k, "TLS key (--tls-key)")?,
        );
        let mut config = ServerTlsConfig::new().identity(id);
        if let Some(ca) = &self.client_ca {
            let ca = load_certs(ca, "client CA certificate (--tls-client-ca)")?;
            config = config
                .client_ca_root(Certificate::from_pem(ca))
                // Verified when presented; whether one is required is
                // checked per call (see `check_peer_cert`), so that a
                // client without one gets a clear status rather than a
                // closed connection.
                .client_auth_optional(true);
        }
        Ok(Some(config))
    }

    /// The client configuration of the replica links, if TLS is on.
    pub(crate) fn links(&self) -> Result<Option<ClientTls>, SecurityError> {
        self.check()?;
        if !self.enabled() {
            return Ok(None);
        }
        let ca = match (&self.ca, &self.cert) {
            (Some(ca), _) => load_certs(ca, "CA certificate (--tls-ca)")?,
            // Without a CA, a self-signed certificate shared by all replicas is its own CA.
            (None, Some(cert)) => load_certs(cert, "TLS certificate (--tls-cert)")?,
            (None, None) => unreachable!("check() and enabled()"),
        };
        let identity = match (&self.client_cert, &self.client_key) {
            (Some(c), Some(k)) => Some((
                load_certs(c, "client certificate (--tls-client-cert)")?,
                load_key(k, "client key (--tls-client-key)")?,
            )),
            // With mutual TLS on, the peers (same configuration) want a
            // client certificate: present the server's own.
            _ => match (&self.client_ca, &self.cert, &self.key) {
                (Some(_), Some(c), Some(k)) => Some((
                    load_certs(c, "TLS certificate (--tls-cert)")?,
                    load_key(k, "TLS key (--tls-key)")?,
                )),
                _ => None,
            },
        };
        Ok(Some(ClientTls {
            ca_pem: ca,
            domain: self.domain.clone(),
            identity,
        }))
    }
}

/// Constant-time comparison of two byte strings of possibly different lengths.
fn same(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= (x ^ b.get(i).copied().unwrap_or(!x)) as usize;
    }
    diff == 0
}

/// Check the replica secret of a `Deliver` call (nothing to check when
/// `expected` is `None`).
#[allow(clippy::result_large_err)]
pub(crate) fn check_secret(meta: &MetadataMap, expected: Option<&str>) -> Result<(), Status> {
    let Some(expected) = expected else {
        return Ok(());
    };
    match meta.get(REPLICA_SECRET_HEADER) {
        None => Err(Status::unauthenticated(format!(
            "replication calls must carry the replica secret in the {REPLICA_SECRET_HEADER} metadata"
        ))),
        Some(v) if same(v.as_bytes(), expected.as_bytes()) => Ok(()),
        Some(_) => Err(Status::permission_denied(
            "wrong replica secret: only replicas of this cluster may deliver messages",
        )),
    }
}

/// Check that a call came over a connection that presented a client
/// certificate (rustls has verified it against the client CA at the
/// handshake); nothing to check when not `required`. `calls` names the
/// calls that need one, for the message.
#[allow(clippy::result_large_err)]
pub(crate) fn check_peer_cert<T>(
    req: &tonic::Request<T>,
    required: bool,
    calls: &str,
) -> Result<(), Status> {
    if !required || req.peer_certs().is_some_and(|c| !c.is_empty()) {
        return Ok(());
    }
    Err(Status::unauthenticated(format!(
        "{calls} need a client certificate signed by the replica's client CA (--tls-client-ca, \
         mutual TLS); this connection presented none"
    )))
}

/// Interceptor of every call of the server: with `true`, calls over a
/// connection without a (verified) client certificate are refused.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequireClientCert(pub bool);

impl tonic::service::Interceptor for RequireClientCert {
    fn call(&mut self, req: tonic::Request<()>) -> Result<tonic::Request<()>, Status> {
        check_peer_cert(&req, self.0, "calls to this replica")?;
        Ok(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    #[test]
    fn secret_is_checked() {
        let mut m = MetadataMap::new();
        assert!(check_secret(&m, None).is_ok());
        assert_eq!(
            check_secret(&m, Some("s3")).unwrap_err().code(),
            Code::Unauthenticated
        );
        m.insert(REPLICA_SECRET_HEADER, "s4".parse().unwrap());
        assert_eq!(
            check_secret(&m, Some("s3")).unwrap_err().code(),
            Code::PermissionDenied
        );
        m.insert(REPLICA_SECRET_HEADER, "s3".parse().unwrap());
        assert!(check_secret(&m, Some("s3")).is_ok());
        assert!(!same(b"s3", b"s33") && !same(b"", b"a") && same(b"", b""));
    }

    #[test]
    fn tls_options_must_fit_together() {
        let only_cert = TlsFiles {
            cert: Some("c.pem".into()),
            ..Default::default()
        };
        assert!(only_cert.server().is_err());
        let only_ca = TlsFiles {
            ca: Some("ca.pem".into()),
            ..Default::default()
        };
        assert!(only_ca.server().is_err());
        assert!(TlsFiles::default().server().unwrap().is_none());
        let missing = TlsFiles {
            cert: Some("/nonexistent/c.pem".into()),
            key: Some("/nonexistent/k.pem".into()),
            ..Default::default()
        };
        let e = missing.server().unwrap_err().to_string();
        assert!(e.contains("/nonexistent/c.pem"), "{e}");
        let base = TlsFiles {
            cert: Some("c.pem".into()),
            key: Some("k.pem".into()),
            ..Default::default()
        };
        let half_client = TlsFiles {
            client_cert: Some("cc.pem".into()),
            ..base.clone()
        };
        assert!(half_client
            .server()
            .unwrap_err()
            .to_string()
            .contains("go together"));
        let mode_without_ca = TlsFiles {
            client_auth: ClientAuth::Replication,
            ..base.clone()
        };
        assert!(mode_without_ca.server().is_err());
        let client_ca_without_tls = TlsFiles {
            client_ca: Some("ca.pem".into()),
            ..Default::default()
        };
        assert!(client_ca_without_tls.server().is_err());
        assert_eq!("replication".parse(), Ok(ClientAuth::Replication));
        assert!("some".parse::<ClientAuth>().is_err());
    }

    #[test]
    fn bad_pem_files_are_named_with_the_problem() {
        let d = tempfile::tempdir().unwrap();
        let f = |name: &str, text: &str| {
            let p = d.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let text = f("text.pem", "hello\n");
        let e = load_certs(&text, "client CA").unwrap_err().to_string();
        assert!(
            e.contains("text.pem") && e.contains("no PEM certificate"),
            "{e}"
        );
        let e = load_key(&text, "client key").unwrap_err().to_string();
        assert!(
            e.contains("text.pem") && e.contains("no PEM private key"),
            "{e}"
        );
        let garbage = f(
            "garbage.pem",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        );
        let e = load_certs(&garbage, "client CA").unwrap_err().to_string();
        assert!(
            e.contains("garbage.pem") && e.contains("not valid X.509"),
            "{e}"
        );
        let bad_b64 = f(
            "b64.pem",
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        );
        let e = load_certs(&bad_b64, "client CA").unwrap_err().to_string();
        assert!(e.contains("b64.pem") && e.contains("not valid PEM"), "{e}");
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let cert = f("cert.pem", &ck.cert.pem());
        let key = f("key.pem", &ck.key_pair.serialize_pem());
        assert!(load_certs(&cert, "c").is_ok() && load_key(&key, "k").is_ok());
        // A key where a certificate belongs, and the other way round.
        assert!(load_certs(&key, "c").is_err() && load_key(&cert, "k").is_err());
        let e = ClientTls::new(ck.cert.pem())
            .with_identity_files(&cert, &d.path().join("missing.key"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing.key"), "{e}");
        // With a client CA, the links present the server certificate.
        let files = TlsFiles {
            cert: Some(cert.clone()),
            key: Some(key.clone()),
            client_ca: Some(cert.clone()),
            ..Default::default()
        };
        assert!(files.server().unwrap().is_some());
        assert!(files.links().unwrap().unwrap().identity.is_some());
        let no_mtls = TlsFiles {
            client_ca: None,
            ..files
        };
        assert!(no_mtls.links().unwrap().unwrap().identity.is_none());
    }
}
