//! A throw-away country signing PKI for tests and development: an ECDSA P-256 CSCA, a Document
//! Signer it certifies, and EF.SOD signed by that Document Signer (ICAO 9303 Part 10 §4.6.2,
//! Part 12). Files are PEM so `kiosk.toml` can point `csca` at `csca.pem`.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use cms::cert::CertificateChoices;
use cms::cert::IssuerAndSerialNumber;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{OctetString, SetOfVec};
use der::pem::LineEnding;
use der::{Any, Decode, DecodePem, Encode, EncodePem};
use p256::ecdsa::{DerSignature, SigningKey, signature::Signer};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rand_core::OsRng;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use crate::devices::card::icao::pa::{DataGroupHash, LdsSecurityObject, oid};
use crate::devices::card::icao::tlv;

pub struct TestPki {
    pub csca: Certificate,
    csca_key: SigningKey,
    pub ds: Certificate,
    ds_key: SigningKey,
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn certificate(
    profile: Profile,
    serial: u32,
    subject: &str,
    key: &SigningKey,
    signer: &SigningKey,
) -> Result<Certificate, Failure> {
    let spki = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key())?;
    let validity = Validity::from_now(Duration::from_secs(10 * 365 * 86_400))?;
    let builder = CertificateBuilder::new(
        profile,
        SerialNumber::from(serial),
        validity,
        Name::from_str(subject)?,
        spki,
        signer,
    )?;
    Ok(builder.build::<DerSignature>()?)
}

impl TestPki {
    /// A new CSCA named `country_name` and a Document Signer under it.
    pub fn generate(csca_name: &str) -> Result<TestPki, Failure> {
        let csca_key = SigningKey::random(&mut OsRng);
        let ds_key = SigningKey::random(&mut OsRng);
        let subject = format!("CN={csca_name},O=Kiosk Test PKI,C=UT");
        let csca = certificate(Profile::Root, 1, &subject, &csca_key, &csca_key)?;
        let ds = certificate(
            Profile::Leaf {
                issuer: Name::from_str(&subject)?,
                enable_key_agreement: false,
                enable_key_encipherment: false,
            },
            2,
            "CN=Kiosk Test Document Signer,O=Kiosk Test PKI,C=UT",
            &ds_key,
            &csca_key,
        )?;
        Ok(TestPki {
            csca,
            csca_key,
            ds,
            ds_key,
        })
    }

    /// Loads the PKI from `dir`, creating it there on first use.
    pub fn load_or_create(dir: &Path) -> Result<TestPki, Failure> {
        let paths = ["csca.pem", "csca.key", "ds.pem", "ds.key"].map(|f| dir.join(f));
        if !paths.iter().all(|p| p.exists()) {
            std::fs::create_dir_all(dir)?;
            let pki = TestPki::generate("Kiosk Test CSCA")?;
            std::fs::write(&paths[0], pki.csca.to_pem(LineEnding::LF)?)?;
            std::fs::write(
                &paths[1],
                pki.csca_key.to_pkcs8_pem(LineEnding::LF)?.as_bytes(),
            )?;
            std::fs::write(&paths[2], pki.ds.to_pem(LineEnding::LF)?)?;
            std::fs::write(
                &paths[3],
                pki.ds_key.to_pkcs8_pem(LineEnding::LF)?.as_bytes(),
            )?;
            return Ok(pki);
        }
        let read = |p: &Path| std::fs::read_to_string(p);
        Ok(TestPki {
            csca: Certificate::from_pem(read(&paths[0])?)?,
            csca_key: SigningKey::from_pkcs8_pem(&read(&paths[1])?)?,
            ds: Certificate::from_pem(read(&paths[2])?)?,
            ds_key: SigningKey::from_pkcs8_pem(&read(&paths[3])?)?,
        })
    }

    /// The CSCA certificate as PEM, for `kiosk.toml`'s `csca` list.
    pub fn csca_pem(&self) -> Result<String, Failure> {
        Ok(self.csca.to_pem(LineEnding::LF)?)
    }

    /// EF.SOD (tag 77) over the complete data-group files, SHA-256, signed by the DS.
    pub fn sign_sod(&self, groups: &BTreeMap<u8, Vec<u8>>) -> Result<Vec<u8>, Failure> {
        use sha2::Digest;
        let sha256 = AlgorithmIdentifierOwned {
            oid: oid::SHA256,
            parameters: None,
        };
        let lso = LdsSecurityObject {
            version: 0,
            hash_algorithm: sha256.clone(),
            hashes: groups
                .iter()
                .map(|(&number, bytes)| {
                    Ok(DataGroupHash {
                        number,
                        hash: OctetString::new(sha2::Sha256::digest(bytes).to_vec())?,
                    })
                })
                .collect::<Result<_, der::Error>>()?,
            version_info: None,
        };
        let econtent = lso.to_der()?;
        let attrs: SetOfVec<Attribute> = SetOfVec::try_from(vec![
            Attribute {
                oid: oid::CONTENT_TYPE,
                values: SetOfVec::try_from(vec![Any::encode_from(&oid::LDS_SECURITY_OBJECT)?])?,
            },
            Attribute {
                oid: oid::MESSAGE_DIGEST,
                values: SetOfVec::try_from(vec![Any::encode_from(&OctetString::new(
                    sha2::Sha256::digest(&econtent).to_vec(),
                )?)?])?,
            },
        ])?;
        let signature: DerSignature = self.ds_key.sign(&attrs.to_der()?);
        let signer = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: self.ds.tbs_certificate.issuer.clone(),
                serial_number: self.ds.tbs_certificate.serial_number.clone(),
            }),
            digest_alg: sha256.clone(),
            signed_attrs: Some(attrs),
            signature_algorithm: AlgorithmIdentifierOwned {
                oid: oid::ECDSA_SHA256,
                parameters: None,
            },
            signature: OctetString::new(signature.to_bytes().to_vec())?,
            unsigned_attrs: None,
        };
        let signed = SignedData {
            version: CmsVersion::V3,
            digest_algorithms: SetOfVec::try_from(vec![sha256])?,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: oid::LDS_SECURITY_OBJECT,
                econtent: Some(Any::encode_from(&OctetString::new(econtent)?)?),
            },
            certificates: Some(CertificateSet(SetOfVec::try_from(vec![
                CertificateChoices::Certificate(self.ds.clone()),
            ])?)),
            crls: None,
            signer_infos: SignerInfos(SetOfVec::try_from(vec![signer])?),
        };
        let info = ContentInfo {
            content_type: oid::SIGNED_DATA,
            content: Any::from_der(&signed.to_der()?)?,
        };
        Ok(tlv::encode(0x77, &info.to_der()?))
    }
}
