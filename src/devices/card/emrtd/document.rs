//! A whole chip read as the kiosk uses it: files over BAC and secure messaging, the LDS parsed,
//! and passive authentication against the configured CSCA certificates.

use std::collections::BTreeMap;

use x509_cert::Certificate;
use zeroize::Zeroizing;

use super::chip::{self, ExtendedLength};
use crate::devices::card::error::CardError;
use crate::devices::card::icao::lds::{self, ImageFormat, PersonalDetails};
use crate::devices::card::icao::mrz::Mrz;
use crate::devices::card::icao::pa::{self, PassiveAuth};
use crate::devices::card::transport::apdu::Transceiver;

/// Data groups the kiosk reads: MRZ, face, national-character details.
pub const WANTED: [u8; 3] = [1, 2, 11];

#[derive(Debug, Clone)]
pub struct ChipDocument {
    pub mrz_text: Zeroizing<String>,
    pub mrz: Mrz,
    pub details: Option<PersonalDetails>,
    /// The holder's name in Chinese: DG11's full name, else the GBK name a card permit carries
    /// after its MRZ line in DG1.
    pub chinese_name: Option<String>,
    pub face: Option<(ImageFormat, Zeroizing<Vec<u8>>)>,
    /// Data groups read, in order.
    pub groups: Vec<u8>,
    pub passive_auth: PassiveAuth,
    pub apdus: usize,
    pub extended_length: bool,
}

pub fn read(
    t: &mut dyn Transceiver,
    bac_input: &str,
    cscas: &[Certificate],
    extended: ExtendedLength,
) -> Result<ChipDocument, CardError> {
    let files = chip::read_chip(t, bac_input, &WANTED, extended)?;
    let dg1 = files.groups.get(&1).ok_or(CardError::Status {
        command: "SELECT DG1",
        sw: 0x6A82,
    })?;
    let (mrz_text, mrz) = lds::dg1_mrz(dg1)?;
    // A face or details group that does not parse costs the photo or the details (and passive
    // authentication judges the bytes), not the whole read.
    let face = files
        .groups
        .get(&2)
        .and_then(|dg2| match lds::dg2_face(dg2) {
            Ok((format, bytes)) => Some((format, Zeroizing::new(bytes))),
            Err(e) => {
                tracing::warn!(error = %e, "chip: DG2 unreadable, no face");
                None
            }
        });
    let details = files.groups.get(&11).and_then(|g| match lds::dg11(g) {
        Ok(d) => Some(d),
        Err(e) => {
            tracing::warn!(error = %e, "chip: DG11 unreadable, no details");
            None
        }
    });
    let chinese_name = details
        .as_ref()
        .and_then(|d| d.full_name.clone())
        .or_else(|| lds::dg1_permit_name(dg1));
    let hashed: BTreeMap<u8, &[u8]> = files
        .groups
        .iter()
        .map(|(k, v)| (*k, v.as_slice()))
        .collect();
    let passive_auth = match files.missing.as_slice() {
        [] => pa::verify(files.sod.as_deref(), &hashed, cscas),
        missing => PassiveAuth::Failed {
            reason: format!("the chip lists data group(s) {missing:?} but does not return them"),
        },
    };
    if let PassiveAuth::Failed { reason } = &passive_auth {
        tracing::warn!(%reason, "chip: passive authentication failed");
    }
    Ok(ChipDocument {
        mrz_text: Zeroizing::new(mrz_text),
        mrz,
        details,
        chinese_name,
        face,
        groups: files.groups.keys().copied().collect(),
        passive_auth,
        apdus: files.apdus,
        extended_length: files.extended,
    })
}

/// The whole read against the virtual chips of `dev::vcard`, so only with the `dev` feature.
#[cfg(all(test, feature = "dev"))]
mod tests {
    use super::*;
    use crate::dev::vcard::emrtd::{EmrtdCard, Quirks};
    use crate::dev::vcard::pki::TestPki;
    use crate::dev::vcard::samples;
    use crate::dev::vcard::{Loopback, VirtualCard};
    use crate::devices::card::icao::{mrz, tlv};
    use std::sync::OnceLock;

    fn pki() -> &'static TestPki {
        static PKI: OnceLock<TestPki> = OnceLock::new();
        PKI.get_or_init(|| TestPki::generate("Kiosk Test CSCA").unwrap())
    }

    fn specimen_bac() -> String {
        mrz::bac_input_from_fields("L898902C3", "740812", "120415").unwrap()
    }

    /// Reads with the specimen's MRZ data and the test CSCA; the read itself must succeed.
    fn read_specimen(t: &mut dyn Transceiver) -> ChipDocument {
        read(
            t,
            &specimen_bac(),
            std::slice::from_ref(&pki().csca),
            ExtendedLength::Auto,
        )
        .unwrap()
    }

    /// Reads the sample permit with its own access key and the test CSCA.
    fn read_permit(
        t: &mut dyn Transceiver,
        extended: ExtendedLength,
    ) -> Result<ChipDocument, CardError> {
        let (number, expiry, birth) = samples::PERMIT;
        let bac = mrz::bac_input_from_fields(number, birth, expiry).unwrap();
        read(t, &bac, std::slice::from_ref(&pki().csca), extended)
    }

    fn loopback(card: EmrtdCard, max_response: usize) -> Loopback<EmrtdCard> {
        Loopback { card, max_response }
    }

    #[test]
    fn reads_and_verifies_the_specimen_passport() {
        let mut t = loopback(samples::passport(pki(), 20_000, Quirks::default()), 65_535);
        let doc = read_specimen(&mut t);
        assert_eq!(doc.mrz.document_number, "L898902C3");
        assert_eq!(doc.groups, [1, 2]);
        let (format, face) = doc.face.unwrap();
        assert_eq!((format, face.len()), (ImageFormat::Jpeg, 20_000));
        assert!(image::load_from_memory(&face).is_ok(), "the face decodes");
        assert!(
            matches!(doc.passive_auth, PassiveAuth::Verified { ref csca } if csca.contains("Kiosk Test CSCA"))
        );
        // SELECT + GET CHALLENGE + MUTUAL AUTH, then SELECT + one extended READ BINARY for each
        // of EF.COM, DG1, DG2 and EF.SOD: the minimum.
        assert!(doc.extended_length);
        assert_eq!(doc.apdus, 3 + 4 * 2, "{}", doc.apdus);
    }

    #[test]
    fn short_only_chips_are_read_in_231_byte_chunks_after_a_fresh_bac() {
        let quirks = Quirks {
            extended_length: false,
            omit_do99: true,
            ..Quirks::default()
        };
        let mut t = loopback(samples::passport(pki(), 20_000, quirks), 65_535);
        let doc = read_specimen(&mut t);
        assert!(!doc.extended_length);
        assert!(matches!(doc.passive_auth, PassiveAuth::Verified { .. }));
        let mut short = loopback(samples::passport(pki(), 20_000, quirks), 258);
        let doc = read(&mut short, &specimen_bac(), &[], ExtendedLength::Auto).unwrap();
        let dg2_reads = (20_000usize + 100).div_ceil(231);
        assert!(
            doc.apdus >= 3 + dg2_reads && doc.apdus <= 3 + dg2_reads + 20,
            "{}",
            doc.apdus
        );
        assert_eq!(doc.passive_auth, PassiveAuth::NoTrustAnchor);
    }

    #[test]
    fn the_permit_yields_its_chinese_name_from_dg11() {
        let mut t = loopback(samples::permit(pki(), Quirks::default()), 258);
        let doc = read_permit(&mut t, ExtendedLength::Never).unwrap();
        assert_eq!(doc.mrz.kind, mrz::MrzKind::PermitHkMacau);
        assert_eq!(doc.groups, [1, 2, 11]);
        assert_eq!(doc.details.unwrap().full_name.as_deref(), Some("曾小芳"));
        assert!(matches!(doc.passive_auth, PassiveAuth::Verified { .. }));
    }

    #[test]
    fn a_wrong_mrz_is_access_denied() {
        let mut t = loopback(samples::passport(pki(), 1_000, Quirks::default()), 258);
        let wrong = mrz::bac_input_from_fields("L898902C3", "740813", "120415").unwrap();
        let err = read(&mut t, &wrong, &[], ExtendedLength::Auto).unwrap_err();
        assert_eq!(err, CardError::AccessDenied(0x6300));
        assert!(err.advice().en.contains("do not match"));
    }

    /// Counts MUTUAL AUTHENTICATE commands on their way to the card.
    struct CountingMutualAuth<T> {
        inner: T,
        sent: usize,
    }

    impl<T: Transceiver> Transceiver for CountingMutualAuth<T> {
        fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, CardError> {
            if apdu.get(1) == Some(&0x82) {
                self.sent += 1;
            }
            self.inner.transmit(apdu)
        }

        fn max_response(&self) -> usize {
            self.inner.max_response()
        }
    }

    /// Records whether any command went out in extended form.
    struct Encodings<T> {
        inner: T,
        extended: usize,
        sent: usize,
    }

    impl<T: Transceiver> Transceiver for Encodings<T> {
        fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, CardError> {
            self.sent += 1;
            if crate::devices::card::transport::apdu::is_extended(apdu) {
                self.extended += 1;
            }
            self.inner.transmit(apdu)
        }

        fn max_response(&self) -> usize {
            self.inner.max_response()
        }
    }

    #[test]
    fn a_short_only_chip_on_a_short_apdu_reader_is_read_with_short_apdus_only() {
        let quirks = Quirks {
            extended_length: false,
            ..Quirks::default()
        };
        for mode in [ExtendedLength::Never, ExtendedLength::Auto] {
            let mut t = Encodings {
                inner: loopback(samples::passport(pki(), 20_000, quirks), 258),
                extended: 0,
                sent: 0,
            };
            let doc = read(&mut t, &specimen_bac(), &[], mode).expect("read");
            assert_eq!(doc.face.expect("face").1.len(), 20_000);
            assert_eq!(
                t.extended, 0,
                "{mode:?}: {} of {} APDUs extended",
                t.extended, t.sent
            );
            // 231-byte chunks of the 20 KB face, not a fallback to anything smaller.
            assert!(
                doc.apdus < 3 + 2 + 100 + 10,
                "{mode:?}: {} APDUs",
                doc.apdus
            );
        }
    }

    #[test]
    fn a_chip_refusing_long_reads_is_read_with_smaller_ones() {
        let quirks = Quirks {
            extended_length: false,
            max_read: Some(160),
            ..Quirks::default()
        };
        let mut t = loopback(samples::passport(pki(), 5_000, quirks), 65_535);
        let doc = read(
            &mut t,
            &specimen_bac(),
            std::slice::from_ref(&pki().csca),
            ExtendedLength::Auto,
        )
        .expect("read with 160-byte reads");
        assert_eq!(*doc.face.expect("face").1, samples::face_jpeg(5_000));
        assert!(matches!(doc.passive_auth, PassiveAuth::Verified { .. }));
        assert!(!doc.extended_length);
        // A chip refusing even 64 bytes cannot be read, and says so with its status.
        let tiny = Quirks {
            max_read: Some(32),
            ..quirks
        };
        let mut t = loopback(samples::passport(pki(), 5_000, tiny), 65_535);
        assert!(read(&mut t, &specimen_bac(), &[], ExtendedLength::Auto).is_err());
    }

    #[test]
    fn any_refusal_of_mutual_authenticate_is_wrong_keys_and_is_not_sent_again() {
        for refusal in [0x6988, 0x6982, 0x6A88, 0x6F00] {
            let quirks = Quirks {
                refusal,
                ..Quirks::default()
            };
            let mut t = CountingMutualAuth {
                inner: loopback(samples::passport(pki(), 1_000, quirks), 65_535),
                sent: 0,
            };
            let wrong = mrz::bac_input_from_fields("L898902C3", "740813", "120415").unwrap();
            let err = read(&mut t, &wrong, &[], ExtendedLength::Auto).unwrap_err();
            assert_eq!(err, CardError::AccessDenied(refusal));
            assert!(err.advice().en.contains("do not match"), "{refusal:04X}");
            assert_eq!(
                t.sent, 1,
                "{refusal:04X}: the same wrong keys were sent again"
            );
        }
    }

    #[test]
    fn a_chip_that_ends_the_session_with_a_plain_error_is_authenticated_again() {
        // EF.COM lists DG11, the chip has none and answers its SELECT in plain, dropping the
        // session. The kiosk must not go on with a counter the chip no longer has: it
        // authenticates again and reads EF.SOD, and the document is whole without DG11.
        let quirks = Quirks {
            plain_errors: true,
            missing: Some(lds::dg_file(11)),
            ..Quirks::default()
        };
        let mut t = CountingMutualAuth {
            inner: loopback(samples::permit(pki(), quirks), 65_535),
            sent: 0,
        };
        let doc = read_permit(&mut t, ExtendedLength::Auto).expect("read after a fresh BAC");
        assert_eq!(t.sent, 2, "one BAC, then one after the plain error");
        assert_eq!(doc.groups, [1, 2]);
        assert!(doc.face.is_some());
        // A genuine chip serves every group it lists: withholding one fails passive
        // authentication, so the station sends the holder to a window.
        assert!(
            matches!(doc.passive_auth, PassiveAuth::Failed { ref reason } if reason.contains("[11]")),
            "{:?}",
            doc.passive_auth
        );
    }

    /// The specimen passport with its files as given.
    fn specimen_with(change: impl Fn(&mut BTreeMap<u16, Vec<u8>>)) -> EmrtdCard {
        let mut groups = BTreeMap::new();
        groups.insert(1, lds::build::dg1(samples::SPECIMEN_TD3));
        groups.insert(2, lds::build::dg2(&samples::face_jpeg(2_000)));
        let mut files: BTreeMap<u16, Vec<u8>> = BTreeMap::new();
        files.insert(lds::EF_COM, lds::build::com(&[1, 2]));
        files.insert(lds::EF_SOD, pki().sign_sod(&groups).unwrap());
        for (n, bytes) in groups {
            files.insert(lds::dg_file(n), bytes);
        }
        change(&mut files);
        EmrtdCard::new(&specimen_bac(), files, Quirks::default())
    }

    /// `77 L { 30 L … }` rewritten as `77 80 { 30 80 … 00 00 } 00 00`.
    fn indefinite(sod: &[u8]) -> Vec<u8> {
        let outer = tlv::expect(sod, 0x77).unwrap();
        let content = tlv::expect(outer.value, 0x30).unwrap();
        let mut out = vec![0x77, 0x80, 0x30, 0x80];
        out.extend_from_slice(content.value);
        out.extend_from_slice(&[0, 0, 0, 0]);
        out
    }

    #[test]
    fn an_ef_sod_in_indefinite_length_ber_is_read_and_verified() {
        for max in [65_535, 258] {
            let card = specimen_with(|files| {
                let sod = files[&lds::EF_SOD].clone();
                files.insert(lds::EF_SOD, indefinite(&sod));
            });
            let mut t = loopback(card, max);
            let doc = read_specimen(&mut t);
            assert!(doc.face.is_some());
            assert!(
                matches!(doc.passive_auth, PassiveAuth::Verified { .. }),
                "{:?}",
                doc.passive_auth
            );
        }
    }

    #[test]
    fn a_broken_face_or_sod_costs_the_photo_or_the_verdict_not_the_read() {
        let card = specimen_with(|files| {
            files.insert(
                lds::dg_file(2),
                tlv::encode(0x75, &[0x7F, 0x61, 0x01, 0x00]),
            );
        });
        let doc = read_specimen(&mut loopback(card, 65_535));
        assert_eq!(doc.mrz.document_number, "L898902C3");
        assert!(doc.face.is_none());
        assert!(matches!(doc.passive_auth, PassiveAuth::Failed { .. }));
        let card = specimen_with(|files| {
            files.insert(
                lds::EF_SOD,
                tlv::encode(0x77, &[0x30, 0x03, 0x02, 0x01, 0x00]),
            );
        });
        let doc = read_specimen(&mut loopback(card, 65_535));
        assert!(doc.face.is_some());
        assert!(matches!(doc.passive_auth, PassiveAuth::Failed { .. }));
    }

    /// Rewrites one data group of a card image without re-signing EF.SOD.
    fn tampered(dg: u8, change: impl Fn(&mut Vec<u8>)) -> EmrtdCard {
        specimen_with(|files| {
            if let Some(bytes) = files.get_mut(&lds::dg_file(dg)) {
                change(bytes);
            }
        })
    }

    #[test]
    fn a_tampered_face_fails_passive_authentication() {
        let card = tampered(2, |b| {
            let n = b.len();
            b[n - 10] ^= 0xFF;
        });
        let doc = read(
            &mut loopback(card, 65_535),
            &specimen_bac(),
            std::slice::from_ref(&pki().csca),
            ExtendedLength::Auto,
        )
        .unwrap();
        match doc.passive_auth {
            PassiveAuth::Failed { reason } => assert!(reason.contains("DG2"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_foreign_csca_or_a_forged_sod_fails() {
        let foreign = TestPki::generate("Kiosk Test CSCA").unwrap();
        let mut t = loopback(samples::passport(pki(), 1_000, Quirks::default()), 65_535);
        let doc = read(
            &mut t,
            &specimen_bac(),
            std::slice::from_ref(&foreign.csca),
            ExtendedLength::Auto,
        )
        .unwrap();
        assert!(
            matches!(doc.passive_auth, PassiveAuth::Failed { ref reason } if reason.contains("Document Signer")),
            "{:?}",
            doc.passive_auth
        );
        // A SOD re-signed by another Document Signer over the altered data: hashes match, the
        // signature holds, the chain does not.
        let mut t = loopback(
            samples::passport(&foreign, 1_000, Quirks::default()),
            65_535,
        );
        let doc = read_specimen(&mut t);
        assert!(matches!(doc.passive_auth, PassiveAuth::Failed { .. }));
        // No EF.SOD at all.
        let mut card = tampered(0, |_| {});
        card.reset();
        let mut files_without_sod = loopback(card, 65_535);
        files_without_sod.card = {
            let mut groups = BTreeMap::new();
            groups.insert(lds::EF_COM, lds::build::com(&[1]));
            groups.insert(lds::dg_file(1), lds::build::dg1(samples::SPECIMEN_TD3));
            EmrtdCard::new(&specimen_bac(), groups, Quirks::default())
        };
        let doc = read_specimen(&mut files_without_sod);
        assert!(
            matches!(doc.passive_auth, PassiveAuth::Failed { ref reason } if reason.contains("no EF.SOD"))
        );
    }

    /// A transceiver that corrupts or cuts responses after `after` exchanges.
    struct Faulty<F: FnMut(Vec<u8>) -> Result<Vec<u8>, CardError>> {
        inner: Loopback<EmrtdCard>,
        after: usize,
        fault: F,
    }

    impl<F: FnMut(Vec<u8>) -> Result<Vec<u8>, CardError>> Transceiver for Faulty<F> {
        fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, CardError> {
            let r = self.inner.transmit(apdu)?;
            if self.after == 0 {
                return (self.fault)(r);
            }
            self.after -= 1;
            Ok(r)
        }
        fn max_response(&self) -> usize {
            258
        }
    }

    #[test]
    fn broken_responses_become_typed_errors() {
        type Fault = fn(Vec<u8>) -> Result<Vec<u8>, CardError>;
        type Expect = fn(&CardError) -> bool;
        let faults: [(Fault, Expect); 5] = [
            (
                |mut r| {
                    // Protected answers only; the plain handshake stays intact.
                    if r.len() > 12 {
                        r[3] ^= 1;
                    }
                    Ok(r)
                },
                |e| matches!(e, CardError::SecureMessaging(_)),
            ),
            (
                |r| Ok(r[..r.len() / 2].to_vec()),
                |e| {
                    matches!(
                        e,
                        CardError::Tlv(_)
                            | CardError::SecureMessaging(_)
                            | CardError::Malformed { .. }
                    )
                },
            ),
            (
                |_| Ok(vec![0x90]),
                |e| matches!(e, CardError::Malformed { .. }),
            ),
            (
                |_| Ok(vec![0x69, 0x88]),
                |e| matches!(e, CardError::SecureMessaging(_) | CardError::Status { .. }),
            ),
            (|_| Err(CardError::Removed), |e| *e == CardError::Removed),
        ];
        for (after, (fault, expected)) in (3..12).zip(faults.iter().cycle()) {
            let mut t = Faulty {
                inner: loopback(samples::passport(pki(), 3_000, Quirks::default()), 258),
                after,
                fault: *fault,
            };
            let err = read(&mut t, &specimen_bac(), &[], ExtendedLength::Never).unwrap_err();
            assert!(expected(&err), "after {after}: {err:?}");
            assert!(err.advice().en.contains("place the card again"), "{err}");
        }
    }
}
