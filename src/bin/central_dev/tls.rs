//! TLS for the development central: rustls that demands a client certificate from the PKI's
//! CA (a kiosk without one, or with one from another CA or out of its validity, fails the
//! handshake) and names each connection's device by its certificate's common name.

use std::path::Path;
use std::sync::Arc;

use kiosk::dev::pki;
use rustls::RootCertStore;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// The server's TLS settings: the real one, and one trusting only a throwaway CA for the
/// "reject the client certificate" fault.
pub struct Tls {
    pub normal: Arc<rustls::ServerConfig>,
    pub refusing: Arc<rustls::ServerConfig>,
}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>, String> {
    std::fs::read(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()))
}

fn certs(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{what}: {e}"))?;
    if certs.is_empty() {
        return Err(format!("{what}: no certificate"));
    }
    Ok(certs)
}

fn config(ca_pem: &[u8], cert_pem: &[u8], key_pem: &[u8]) -> Result<rustls::ServerConfig, String> {
    let mut roots = RootCertStore::empty();
    for ca in certs(ca_pem, "CA")? {
        roots.add(ca).map_err(|e| format!("CA: {e}"))?;
    }
    let verifier = WebPkiClientVerifier::builder(Arc::new(roots))
        .build()
        .map_err(|e| format!("client verifier: {e}"))?;
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| format!("server key: {e}"))?;
    let mut config = rustls::ServerConfig::builder()
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs(cert_pem, "server certificate")?, key)
        .map_err(|e| format!("server certificate: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Loads `ca.pem`, `server.pem` and `server.key` from a PKI directory.
pub fn load(dir: &Path) -> Result<Tls, String> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let ca = read(dir, pki::CA_FILE)?;
    let cert = read(dir, pki::SERVER_CERT_FILE)?;
    let key = read(dir, pki::SERVER_KEY_FILE)?;
    let stranger = pki::DevCa::new("Nobody's CA").map_err(|e| e.to_string())?;
    Ok(Tls {
        normal: Arc::new(config(&ca, &cert, &key)?),
        refusing: Arc::new(config(stranger.cert_pem().as_bytes(), &cert, &key)?),
    })
}

/// id-at-commonName (X.520).
const COMMON_NAME: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("2.5.4.3");

/// The common name of a client certificate: the kiosk's `device.id`.
pub fn common_name(cert: &CertificateDer<'_>) -> Option<String> {
    use der::Decode;
    let cert = x509_cert::Certificate::from_der(cert.as_ref()).ok()?;
    cert.tbs_certificate
        .subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == COMMON_NAME)
        .and_then(|atv| {
            der::asn1::Utf8StringRef::try_from(&atv.value)
                .map(|s| s.as_str().to_string())
                .or_else(|_| {
                    der::asn1::PrintableStringRef::try_from(&atv.value)
                        .map(|s| s.as_str().to_string())
                })
                .ok()
        })
}
