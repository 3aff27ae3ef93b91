//! Passive authentication (ICAO Doc 9303 Part 11 §5.1, EF.SOD in Part 10 §4.6.2, CMS SignedData of
//! RFC 5652): every data group read is hashed and compared with EF.SOD, EF.SOD's CMS signature is
//! checked with the Document Signer certificate it carries, and that certificate against the CSCA
//! certificates the technician configured. The outcome is one of three, never a silent "ok":
//! verified, no trust anchor configured (the chain could not be anchored), or failed.
//!
//! Supported signatures: ECDSA on P-256 / P-384 and RSA PKCS#1 v1.5, with SHA-1/224/256/384/512.
//! Anything else (RSA-PSS, Brainpool curves, explicit curve parameters) fails with its name.

use std::collections::BTreeMap;

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence};
use sha2::Digest;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;

use super::tlv;

pub mod oid {
    use der::asn1::ObjectIdentifier as O;
    pub const SIGNED_DATA: O = O::new_unwrap("1.2.840.113549.1.7.2");
    pub const LDS_SECURITY_OBJECT: O = O::new_unwrap("2.23.136.1.1.1");
    pub const CONTENT_TYPE: O = O::new_unwrap("1.2.840.113549.1.9.3");
    pub const MESSAGE_DIGEST: O = O::new_unwrap("1.2.840.113549.1.9.4");
    pub const SHA1: O = O::new_unwrap("1.3.14.3.2.26");
    pub const SHA224: O = O::new_unwrap("2.16.840.1.101.3.4.2.4");
    pub const SHA256: O = O::new_unwrap("2.16.840.1.101.3.4.2.1");
    pub const SHA384: O = O::new_unwrap("2.16.840.1.101.3.4.2.2");
    pub const SHA512: O = O::new_unwrap("2.16.840.1.101.3.4.2.3");
    pub const ECDSA_SHA224: O = O::new_unwrap("1.2.840.10045.4.3.1");
    pub const ECDSA_SHA256: O = O::new_unwrap("1.2.840.10045.4.3.2");
    pub const ECDSA_SHA384: O = O::new_unwrap("1.2.840.10045.4.3.3");
    pub const ECDSA_SHA512: O = O::new_unwrap("1.2.840.10045.4.3.4");
    pub const ECDSA_SHA1: O = O::new_unwrap("1.2.840.10045.4.1");
    pub const RSA: O = O::new_unwrap("1.2.840.113549.1.1.1");
    pub const RSA_SHA1: O = O::new_unwrap("1.2.840.113549.1.1.5");
    pub const RSA_SHA256: O = O::new_unwrap("1.2.840.113549.1.1.11");
    pub const RSA_SHA384: O = O::new_unwrap("1.2.840.113549.1.1.12");
    pub const RSA_SHA512: O = O::new_unwrap("1.2.840.113549.1.1.13");
    pub const RSA_SHA224: O = O::new_unwrap("1.2.840.113549.1.1.14");
    pub const EC_PUBLIC_KEY: O = O::new_unwrap("1.2.840.10045.2.1");
    pub const P256: O = O::new_unwrap("1.2.840.10045.3.1.7");
    pub const P384: O = O::new_unwrap("1.3.132.0.34");
}

/// `DataGroupHash ::= SEQUENCE { dataGroupNumber INTEGER, dataGroupHashValue OCTET STRING }`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct DataGroupHash {
    pub number: u8,
    pub hash: OctetString,
}

/// `LDSSecurityObject` (Part 10 §4.6.2.2); the optional `ldsVersionInfo` is not needed here.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct LdsSecurityObject {
    pub version: u8,
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub hashes: Vec<DataGroupHash>,
    #[asn1(optional = "true")]
    pub version_info: Option<der::Any>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum PassiveAuth {
    /// Hashes, SOD signature and the chain to a configured CSCA all hold.
    Verified {
        csca: String,
    },
    /// Hashes and SOD signature hold, but no CSCA certificate is configured to anchor the chain.
    NoTrustAnchor,
    Failed {
        reason: String,
    },
}

impl PassiveAuth {
    pub fn describe(&self) -> String {
        match self {
            PassiveAuth::Verified { csca } => format!("verified (CSCA {csca})"),
            PassiveAuth::NoTrustAnchor => "not verified: no CSCA certificate configured".into(),
            PassiveAuth::Failed { reason } => format!("FAILED: {reason}"),
        }
    }
}

pub fn hash(alg: &ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
    Some(match *alg {
        oid::SHA1 => sha1::Sha1::digest(data).to_vec(),
        oid::SHA224 => sha2::Sha224::digest(data).to_vec(),
        oid::SHA256 => sha2::Sha256::digest(data).to_vec(),
        oid::SHA384 => sha2::Sha384::digest(data).to_vec(),
        oid::SHA512 => sha2::Sha512::digest(data).to_vec(),
        _ => return None,
    })
}

/// The hash a signature algorithm names; plain `rsaEncryption` takes the signer's digest.
fn signature_hash(
    sig: &ObjectIdentifier,
    digest: Option<&ObjectIdentifier>,
) -> Option<ObjectIdentifier> {
    Some(match *sig {
        oid::ECDSA_SHA1 | oid::RSA_SHA1 => oid::SHA1,
        oid::ECDSA_SHA224 | oid::RSA_SHA224 => oid::SHA224,
        oid::ECDSA_SHA256 | oid::RSA_SHA256 => oid::SHA256,
        oid::ECDSA_SHA384 | oid::RSA_SHA384 => oid::SHA384,
        oid::ECDSA_SHA512 | oid::RSA_SHA512 => oid::SHA512,
        oid::RSA | oid::EC_PUBLIC_KEY => *digest?,
        _ => return None,
    })
}

/// Verifies `signature` over `message` with the key in `spki`.
pub fn verify_signature(
    spki: &SubjectPublicKeyInfoOwned,
    algorithm: &ObjectIdentifier,
    digest: Option<&ObjectIdentifier>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    let hash_oid = signature_hash(algorithm, digest)
        .ok_or_else(|| format!("unsupported signature algorithm {algorithm}"))?;
    let prehash = hash(&hash_oid, message).ok_or_else(|| format!("unsupported hash {hash_oid}"))?;
    let key_bytes = spki.subject_public_key.raw_bytes();
    let bad = |e: &dyn std::fmt::Display| format!("signature does not verify ({e})");
    match spki.algorithm.oid {
        oid::EC_PUBLIC_KEY => {
            use p256::ecdsa::signature::hazmat::PrehashVerifier;
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                .ok_or("EC key without a named curve (explicit parameters are not supported)")?;
            match curve {
                oid::P256 => {
                    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes)
                        .map_err(|e| bad(&e))?;
                    let sig = p256::ecdsa::Signature::from_der(signature).map_err(|e| bad(&e))?;
                    key.verify_prehash(&prehash, &sig).map_err(|e| bad(&e))
                }
                oid::P384 => {
                    let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes)
                        .map_err(|e| bad(&e))?;
                    let sig = p384::ecdsa::Signature::from_der(signature).map_err(|e| bad(&e))?;
                    key.verify_prehash(&prehash, &sig).map_err(|e| bad(&e))
                }
                other => Err(format!("unsupported curve {other}")),
            }
        }
        oid::RSA => {
            use rsa::pkcs1::DecodeRsaPublicKey;
            let key = rsa::RsaPublicKey::from_pkcs1_der(key_bytes).map_err(|e| bad(&e))?;
            let scheme = match hash_oid {
                oid::SHA1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                oid::SHA224 => rsa::Pkcs1v15Sign::new::<sha2::Sha224>(),
                oid::SHA256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                oid::SHA384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                _ => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
            };
            key.verify(scheme, &prehash, signature).map_err(|e| bad(&e))
        }
        other => Err(format!("unsupported public key algorithm {other}")),
    }
}

/// Why a step failed, for the `Failed` reason.
type Step<T> = Result<T, String>;

/// The parts of EF.SOD passive authentication needs.
pub struct Sod {
    pub signed: SignedData,
    pub security_object: LdsSecurityObject,
    econtent: Vec<u8>,
}

pub fn parse_sod(ef_sod: &[u8]) -> Step<Sod> {
    // BER with indefinite lengths, as some chips serve it, made definite for the DER parsers
    // (the signed content and attributes are unchanged, so the signature still verifies).
    let ef_sod = tlv::definite(ef_sod).map_err(|e| format!("EF.SOD: {e}"))?;
    let outer = tlv::expect(&ef_sod, 0x77).map_err(|e| format!("EF.SOD: {e}"))?;
    let info = ContentInfo::from_der(outer.value).map_err(|e| format!("EF.SOD is not CMS: {e}"))?;
    if info.content_type != oid::SIGNED_DATA {
        return Err(format!(
            "EF.SOD content type {} is not SignedData",
            info.content_type
        ));
    }
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|e| format!("EF.SOD SignedData: {e}"))?;
    if signed.encap_content_info.econtent_type != oid::LDS_SECURITY_OBJECT {
        return Err("EF.SOD does not hold an LDS security object".into());
    }
    let econtent = signed
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or("EF.SOD has no encapsulated content")?
        .decode_as::<OctetString>()
        .map_err(|e| format!("EF.SOD content: {e}"))?
        .into_bytes();
    let security_object =
        LdsSecurityObject::from_der(&econtent).map_err(|e| format!("LDS security object: {e}"))?;
    Ok(Sod {
        signed,
        security_object,
        econtent,
    })
}

fn name_of(cert: &Certificate) -> String {
    cert.tbs_certificate.subject.to_string()
}

/// Step 1: every group read matches its hash in the SOD.
fn check_hashes(sod: &Sod, groups: &BTreeMap<u8, &[u8]>) -> Step<()> {
    let alg = &sod.security_object.hash_algorithm.oid;
    for (&dg, bytes) in groups {
        let listed = sod
            .security_object
            .hashes
            .iter()
            .find(|h| h.number == dg)
            .ok_or_else(|| format!("DG{dg} was read but EF.SOD has no hash for it"))?;
        let actual = hash(alg, bytes).ok_or_else(|| format!("unsupported hash {alg}"))?;
        if listed.hash.as_bytes() != actual {
            return Err(format!(
                "DG{dg} does not match its hash in EF.SOD (altered data)"
            ));
        }
    }
    Ok(())
}

/// Step 2: the signer's attributes bind the content, and the Document Signer signed them.
fn check_signature(sod: &Sod) -> Step<Certificate> {
    let signer = sod
        .signed
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or("EF.SOD has no signer")?;
    let certs: Vec<Certificate> = sod
        .signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let ds = certs
        .into_iter()
        .find(|c| match &signer.sid {
            SignerIdentifier::IssuerAndSerialNumber(id) => {
                c.tbs_certificate.issuer == id.issuer
                    && c.tbs_certificate.serial_number == id.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => c
                .tbs_certificate
                .get::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
                .ok()
                .flatten()
                .is_some_and(|(_, k)| k == *ski),
        })
        .ok_or("EF.SOD does not carry its Document Signer certificate")?;
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or("EF.SOD signer has no signed attributes")?;
    let attr = |o| {
        attrs
            .iter()
            .find(|a| a.oid == o)
            .and_then(|a| a.values.iter().next())
    };
    let content_type = attr(oid::CONTENT_TYPE)
        .and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
        .ok_or("signed attributes lack the content type")?;
    if content_type != oid::LDS_SECURITY_OBJECT {
        return Err("signed content type is not the LDS security object".into());
    }
    let digest = attr(oid::MESSAGE_DIGEST)
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or("signed attributes lack the message digest")?;
    let actual = hash(&signer.digest_alg.oid, &sod.econtent)
        .ok_or_else(|| format!("unsupported digest {}", signer.digest_alg.oid))?;
    if digest.as_bytes() != actual {
        return Err("EF.SOD content does not match its signed digest".into());
    }
    let signed_bytes = attrs.to_der().map_err(|e| e.to_string())?;
    verify_signature(
        &ds.tbs_certificate.subject_public_key_info,
        &signer.signature_algorithm.oid,
        Some(&signer.digest_alg.oid),
        &signed_bytes,
        signer.signature.as_bytes(),
    )
    .map_err(|e| format!("EF.SOD signature: {e}"))?;
    Ok(ds)
}

/// Step 3: a configured CSCA issued the Document Signer certificate.
fn check_chain(ds: &Certificate, cscas: &[Certificate]) -> Step<String> {
    let issuer = &ds.tbs_certificate.issuer;
    let candidates: Vec<&Certificate> = cscas
        .iter()
        .filter(|c| &c.tbs_certificate.subject == issuer)
        .collect();
    if candidates.is_empty() {
        return Err(format!("no configured CSCA is named {issuer}"));
    }
    let tbs = ds.tbs_certificate.to_der().map_err(|e| e.to_string())?;
    let mut last = String::new();
    for csca in candidates {
        match verify_signature(
            &csca.tbs_certificate.subject_public_key_info,
            &ds.signature_algorithm.oid,
            None,
            &tbs,
            ds.signature.raw_bytes(),
        ) {
            Ok(()) => return Ok(name_of(csca)),
            Err(e) => last = e,
        }
    }
    Err(format!("Document Signer certificate: {last}"))
}

/// Runs the three steps over the data groups read (complete files, as hashed).
pub fn verify(
    ef_sod: Option<&[u8]>,
    groups: &BTreeMap<u8, &[u8]>,
    cscas: &[Certificate],
) -> PassiveAuth {
    let outcome = (|| {
        let sod = parse_sod(ef_sod.ok_or("the chip has no EF.SOD")?)?;
        check_hashes(&sod, groups)?;
        let ds = check_signature(&sod)?;
        if cscas.is_empty() {
            return Ok(None);
        }
        check_chain(&ds, cscas).map(Some)
    })();
    match outcome {
        Ok(Some(csca)) => PassiveAuth::Verified { csca },
        Ok(None) => PassiveAuth::NoTrustAnchor,
        Err(reason) => PassiveAuth::Failed { reason },
    }
}

/// Loads CSCA certificates from PEM (one or more per file) or DER files.
pub fn load_cscas(paths: &[std::path::PathBuf]) -> Result<Vec<Certificate>, String> {
    let mut out = Vec::new();
    for p in paths {
        let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
        if bytes.starts_with(b"-----BEGIN") {
            let certs =
                Certificate::load_pem_chain(&bytes).map_err(|e| format!("{}: {e}", p.display()))?;
            if certs.is_empty() {
                return Err(format!("{}: holds no certificate", p.display()));
            }
            out.extend(certs);
        } else {
            out.push(Certificate::from_der(&bytes).map_err(|e| format!("{}: {e}", p.display()))?);
        }
    }
    Ok(out)
}
