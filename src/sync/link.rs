//! The kiosk's HTTPS client for the central: mutual TLS with the device certificate, and only
//! the administration's CA trusted (the system's roots are not: a certificate any public CA
//! issued for the central's name must not be able to receive applicants' data).
//!
//! Refusals at the TLS layer — the central rejects the device certificate, or the server's
//! certificate is not from the pinned CA — are told apart from network trouble
//! ([`identity_refusal`]): retrying them cannot help until a technician acts, so the queue
//! pauses instead of counting attempts (docs/SYNC.md, "What each answer means").

use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long one request may take end to end; a stalled answer counts as "no answer".
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("{what} {path}: {source}")]
    Read {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{what} {path} is not usable PEM: {reason}")]
    Pem {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error("the HTTPS client cannot be built: {0}")]
    Client(String),
}

/// Where the central is and how to reach it.
#[derive(Clone, Debug)]
pub struct Link {
    url: String,
    client: reqwest::Client,
}

/// The PEM material of a link: the CA to trust and the device's certificate and key.
pub struct TlsMaterial {
    pub ca_pem: Vec<u8>,
    /// Certificate then private key, PEM; `None` only in the tests that show the central
    /// refuses a kiosk without one.
    pub identity_pem: Option<Vec<u8>>,
}

impl TlsMaterial {
    /// Reads the CA certificate and the device's certificate and key from files.
    pub fn read(ca: &Path, cert: &Path, key: &Path) -> Result<TlsMaterial, LinkError> {
        let read = |what, path: &Path| {
            std::fs::read(path).map_err(|source| LinkError::Read {
                what,
                path: path.to_path_buf(),
                source,
            })
        };
        let ca_pem = read("central.ca_cert", ca)?;
        let mut identity = read("central.client_cert", cert)?;
        identity.push(b'\n');
        identity.extend(read("central.client_key", key)?);
        // Checked here so that a bad file is named, not reported as a client build failure.
        reqwest::Certificate::from_pem(&ca_pem).map_err(|e| LinkError::Pem {
            what: "central.ca_cert",
            path: ca.to_path_buf(),
            reason: e.to_string(),
        })?;
        reqwest::Identity::from_pem(&identity).map_err(|e| LinkError::Pem {
            what: "central.client_cert/client_key",
            path: cert.to_path_buf(),
            reason: e.to_string(),
        })?;
        Ok(TlsMaterial {
            ca_pem,
            identity_pem: Some(identity),
        })
    }
}

impl Link {
    pub fn new(url: &str, tls: &TlsMaterial, timeout: Duration) -> Result<Link, LinkError> {
        // reqwest's own message is only "builder error": the cause is in its sources.
        let client_error = |e: reqwest::Error| LinkError::Client(error_chain(&e));
        let ca = reqwest::Certificate::from_pem(&tls.ca_pem).map_err(client_error)?;
        let mut builder = reqwest::Client::builder()
            .tls_certs_only([ca])
            .https_only(true)
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .tcp_keepalive(Duration::from_secs(30));
        if let Some(identity) = &tls.identity_pem {
            builder =
                builder.identity(reqwest::Identity::from_pem(identity).map_err(client_error)?);
        }
        Ok(Link {
            url: url.trim_end_matches('/').to_string(),
            client: builder.build().map_err(client_error)?,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

/// Why the connection failed at the TLS layer, as far as the kiosk can tell which side it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsRefusal {
    /// The kiosk did not accept the central's certificate (not from `central.ca_cert`, for
    /// another name, expired or not yet valid by the kiosk's clock): rustls's own verdict on the
    /// server's chain.
    CentralNotTrusted,
    /// The central ended the handshake with a certificate alert: it did not accept this kiosk's
    /// certificate (none, expired, revoked, from another CA).
    KioskRefused,
    /// Any other TLS failure: no common protocol version or cipher, something other than the
    /// central's TLS on that port (plain HTTP, a proxy), or a server that says only "handshake
    /// failure" (some refuse a missing client certificate so).
    Handshake,
}

impl TlsRefusal {
    /// What the technician should check, for the log line and the heartbeat's `paused`.
    pub fn advice(self) -> &'static str {
        match self {
            TlsRefusal::CentralNotTrusted => {
                "the central's certificate is not trusted: check central.ca_cert, central.url \
                 and the kiosk's clock"
            }
            TlsRefusal::KioskRefused => {
                "the central refused this kiosk's certificate: check central.client_cert and its \
                 expiry"
            }
            TlsRefusal::Handshake => {
                "no TLS session with the central: check that central.url is the central's HTTPS \
                 address and that central.client_cert is this kiosk's"
            }
        }
    }

    fn of(e: &rustls::Error) -> TlsRefusal {
        use rustls::AlertDescription as A;
        match e {
            rustls::Error::InvalidCertificate(_) => TlsRefusal::CentralNotTrusted,
            rustls::Error::AlertReceived(
                A::BadCertificate
                | A::UnsupportedCertificate
                | A::CertificateRevoked
                | A::CertificateExpired
                | A::CertificateUnknown
                | A::CertificateRequired
                | A::UnknownCA
                | A::AccessDenied
                // What a rustls server sends for a client chain whose signature does not
                // verify: a certificate from another CA under a known name.
                | A::DecryptError,
            ) => TlsRefusal::KioskRefused,
            _ => TlsRefusal::Handshake,
        }
    }
}

/// Whether a failed request was refused at the TLS layer (a certificate rejected on either
/// side, a TLS alert) rather than lost on the way, and what the refusal points at.
pub fn identity_refusal(e: &reqwest::Error) -> Option<TlsRefusal> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return Some(TlsRefusal::of(tls));
        }
        // An io::Error hides the error it wraps from `source()` (it skips to that error's own
        // source), and the connector nests them: step into it instead.
        next = match err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

/// An error with its causes, for the log line a technician reads.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}
