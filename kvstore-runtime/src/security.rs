//! Transport security: TLS (rustls, through tonic) for the client and
//! replica links, and the shared replica secret that keeps clients from
//! injecting replication messages.
//!
//! * Server side, `--tls-cert`/`--tls-key` (PEM) turn TLS on for every
//!   service of the replica. Client certificates are not required: clients
//!   are anonymous, replicas prove themselves with the secret.
//! * Client side (the client library, and this replica's links to its
//!   peers), `--tls-ca` (PEM) is the CA that must have signed the servers'
//!   certificates; the server name checked is the host of the address (an
//!   IP address is checked against the certificate's IP SANs), or
//!   `--tls-domain`.
//! * `--replica-secret`: every `Replication/Deliver` call must carry it in
//!   the [`REPLICA_SECRET_HEADER`] metadata; a call without it is
//!   `UNAUTHENTICATED`, a call with a wrong one `PERMISSION_DENIED`, and
//!   nothing is delivered. Use it together with TLS (otherwise it crosses
//!   the network in clear).

use std::path::{Path, PathBuf};
use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};
use tonic::{metadata::MetadataMap, Status};

/// gRPC metadata key carrying the replica secret.
pub const REPLICA_SECRET_HEADER: &str = "x-kvstore-replica-secret";

/// TLS settings of a client (the client library or a replica's peer links).
#[derive(Debug, Clone)]
pub struct ClientTls {
    /// PEM of the CA certificate(s) that signed the servers' certificates.
    pub ca_pem: Vec<u8>,
    /// Server name to verify instead of the address's host.
    pub domain: Option<String>,
}

impl ClientTls {
    /// Trust the CA in `ca_pem`.
    pub fn new(ca_pem: impl Into<Vec<u8>>) -> Self {
        ClientTls {
            ca_pem: ca_pem.into(),
            domain: None,
        }
    }

    /// Read the CA from a PEM file.
    pub fn from_file(path: &Path) -> Result<Self, SecurityError> {
        Ok(Self::new(read(path, "CA certificate")?))
    }

    /// Verify this server name instead of the address's host.
    pub fn with_domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    pub(crate) fn tonic_config(&self) -> ClientTlsConfig {
        let c = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&self.ca_pem));
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
}

/// Errors setting up TLS.
#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    /// A PEM file could not be read.
    #[error("cannot read the {what} {path}: {source}")]
    Read {
        /// Which file.
        what: &'static str,
        /// Path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The options do not fit together.
    #[error("{0}")]
    Options(String),
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, SecurityError> {
    std::fs::read(path).map_err(|source| SecurityError::Read {
        what,
        path: path.to_path_buf(),
        source,
    })
}

impl TlsFiles {
    /// Whether the server side is on (certificate and key given).
    pub fn enabled(&self) -> bool {
        self.cert.is_some() || self.key.is_some()
    }

    /// The server configuration, if TLS is on.
    pub(crate) fn server(&self) -> Result<Option<ServerTlsConfig>, SecurityError> {
        match (&self.cert, &self.key) {
            (None, None) => {
                if self.ca.is_some() {
                    return Err(SecurityError::Options(
                        "--tls-ca needs --tls-cert and --tls-key (TLS is on for all links or none)"
                            .into(),
                    ));
                }
                Ok(None)
            }
            (Some(c), Some(k)) => {
                let id = Identity::from_pem(read(c, "TLS certificate")?, read(k, "TLS key")?);
                Ok(Some(ServerTlsConfig::new().identity(id)))
            }
            _ => Err(SecurityError::Options(
                "--tls-cert and --tls-key go together".into(),
            )),
        }
    }

    /// The client configuration of the replica links, if TLS is on.
    pub(crate) fn links(&self) -> Result<Option<ClientTls>, SecurityError> {
        if !self.enabled() {
            return Ok(None);
        }
        let ca = match (&self.ca, &self.cert) {
            (Some(ca), _) => read(ca, "CA certificate")?,
            // Without a CA, a self-signed certificate shared by all replicas is its own CA.
            (None, Some(cert)) => read(cert, "TLS certificate")?,
            (None, None) => unreachable!("enabled() checked"),
        };
        Ok(Some(ClientTls {
            ca_pem: ca,
            domain: self.domain.clone(),
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
    }
}
