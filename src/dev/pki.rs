//! The development PKI: a CA, a server certificate for the development central and one device
//! certificate per kiosk, all ECDSA P-256. `make run` writes one to `var/pki` (through
//! `kiosk-central-dev pki`), and the tests make their own, including the bad ones (a foreign
//! CA, an expired device certificate). A real fleet gets its certificates from the
//! administration's CA; nothing here is used on an appliance.

use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use time::{Duration, OffsetDateTime};

/// A certificate and its private key, both PEM.
#[derive(Clone)]
pub struct Pair {
    pub cert_pem: String,
    pub key_pem: String,
}

/// A certificate authority that can issue server and device certificates.
pub struct DevCa {
    issuer: Issuer<'static, KeyPair>,
    cert_pem: String,
}

fn pki_error(e: rcgen::Error) -> std::io::Error {
    std::io::Error::other(format!("certificate generation: {e}"))
}

impl DevCa {
    pub fn new(name: &str) -> Result<DevCa, std::io::Error> {
        let mut params = CertificateParams::new(Vec::new()).map_err(pki_error)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::days(1);
        params.not_after = now + Duration::days(3650);
        let key = KeyPair::generate().map_err(pki_error)?;
        let cert = params.self_signed(&key).map_err(pki_error)?;
        Ok(DevCa {
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// A server certificate for these host names and IP addresses.
    pub fn server(&self, hosts: &[&str]) -> Result<Pair, std::io::Error> {
        let names = hosts.iter().map(|h| h.to_string()).collect::<Vec<_>>();
        let mut params = CertificateParams::new(names).map_err(pki_error)?;
        params
            .distinguished_name
            .push(DnType::CommonName, "kiosk-central-dev");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.issue(params, Duration::days(-1), Duration::days(825))
    }

    /// A device certificate whose common name is the kiosk's `device.id`, valid from
    /// `from_now` for `days` days (a negative start and a short span make an expired one).
    pub fn device(
        &self,
        device_id: &str,
        from_now: Duration,
        days: i64,
    ) -> Result<Pair, std::io::Error> {
        let mut params = CertificateParams::new(Vec::new()).map_err(pki_error)?;
        params
            .distinguished_name
            .push(DnType::CommonName, device_id);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.issue(params, from_now, from_now + Duration::days(days))
    }

    fn issue(
        &self,
        mut params: CertificateParams,
        start: Duration,
        end: Duration,
    ) -> Result<Pair, std::io::Error> {
        let now = OffsetDateTime::now_utc();
        params.not_before = now + start;
        params.not_after = now + end;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().map_err(pki_error)?;
        let cert = params.signed_by(&key, &self.issuer).map_err(pki_error)?;
        Ok(Pair {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

/// File names in a PKI directory, shared by the writer, the central and `kiosk.toml`.
pub const CA_FILE: &str = "ca.pem";
pub const SERVER_CERT_FILE: &str = "server.pem";
pub const SERVER_KEY_FILE: &str = "server.key";

pub fn device_cert_file(device_id: &str) -> String {
    format!("device-{device_id}.pem")
}

pub fn device_key_file(device_id: &str) -> String {
    format!("device-{device_id}.key")
}

/// Writes a fresh development PKI to `dir`: the CA certificate, a server certificate for
/// localhost and 127.0.0.1, and a certificate per device (keys owner-only). The CA's own key
/// is not kept: a new device means a new PKI, which is what development wants.
pub fn write_dev_pki(dir: &Path, device_ids: &[&str]) -> Result<(), std::io::Error> {
    std::fs::create_dir_all(dir)?;
    let ca = DevCa::new("Kiosk development CA")?;
    write_file(&dir.join(CA_FILE), ca.cert_pem(), false)?;
    let server = ca.server(&["localhost", "127.0.0.1"])?;
    write_pair(dir, SERVER_CERT_FILE, SERVER_KEY_FILE, &server)?;
    for id in device_ids {
        let pair = ca.device(id, Duration::days(-1), 825)?;
        write_pair(dir, &device_cert_file(id), &device_key_file(id), &pair)?;
    }
    Ok(())
}

pub fn write_pair(dir: &Path, cert: &str, key: &str, pair: &Pair) -> Result<(), std::io::Error> {
    write_file(&dir.join(cert), &pair.cert_pem, false)?;
    write_file(&dir.join(key), &pair.key_pem, true)
}

fn write_file(path: &Path, text: &str, secret: bool) -> Result<(), std::io::Error> {
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(if secret { 0o600 } else { 0o644 })
        .open(path)?;
    std::io::Write::write_all(&mut file, text.as_bytes())?;
    file.sync_all()
}
