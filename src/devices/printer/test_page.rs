//! The technician's test page (`kiosk print test`): Chinese text, a rare name character, and the
//! device's test number twice — once as the printer's own CODE128 and QR commands (`GS k`,
//! `GS ( k`) and once drawn by the kiosk as raster — so one look at the paper tells whether the
//! printer class has native codes (docs/PRINTING.md, "Barcodes").

use super::escpos;
use super::profile::PrinterProfile;
use super::receipt::{Align, Block, Receipt};

fn centred(text: impl Into<String>, big: bool) -> Block {
    Block::Text {
        text: text.into(),
        align: Align::Center,
        big,
        bold: big,
    }
}

/// The ESC/POS bytes of the test page for `device_id` on `profile`. The header and footer use
/// the profile as configured; section A forces native codes and section B raster codes.
pub fn job(device_id: &str, profile: &PrinterProfile) -> Vec<u8> {
    let number = format!("{device_id}TEST");
    let header = Receipt {
        blocks: vec![
            centred("打印测试 Printer test", true),
            centred(format!("设备 Device: {device_id}"), false),
            centred(
                format!(
                    "型号 Profile: {} ({} dots, {} columns)",
                    profile.name, profile.dots, profile.columns
                ),
                false,
            ),
            centred("中文：出入境证件申请表", false),
            centred("生僻字 Rare: 刘䶮 喆 堃 镕", false),
            Block::Rule,
            centred("A 打印机自带条码 Printer's own codes", false),
        ],
    };
    let codes = |number: &str| vec![Block::Code128(number.into()), Block::Qr(number.into())];
    let native = Receipt {
        blocks: codes(&number),
    };
    let raster = Receipt {
        blocks: [
            vec![Block::Rule, centred("B 图像条码 Raster codes", false)],
            codes(&number),
        ]
        .concat(),
    };
    let advice = if profile.native_code128 && profile.native_qr {
        "本配置使用 A。A 若为乱码或空白，请改用图像条码。 This profile uses A: if A shows stray characters or nothing, use raster codes."
    } else {
        "本配置使用 B（图像条码）。 This profile uses B (raster codes)."
    };
    let footer = Receipt {
        blocks: vec![
            Block::Rule,
            Block::Text {
                text: advice.into(),
                align: Align::Left,
                big: false,
                bold: false,
            },
            Block::Feed(3),
            Block::Cut,
        ],
    };
    let forced = |native: bool| PrinterProfile {
        native_code128: native,
        native_qr: native,
        ..profile.clone()
    };
    [
        escpos::encode(&header, profile),
        escpos::encode(&native, &forced(true)),
        escpos::encode(&raster, &forced(false)),
        escpos::encode(&footer, profile),
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::printer::escpos::{BARCODE_HEIGHT, QR_MODULE};
    use crate::devices::printer::interpret::{Command, parse, text_lines};
    use crate::devices::printer::raster;

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn the_test_page_shows_native_and_raster_codes_on_every_profile() {
        for name in PrinterProfile::BUILTIN_NAMES {
            let profile = PrinterProfile::builtin(name).unwrap();
            let bytes = job("PS01", &profile);
            let commands = parse(&bytes).expect("the page reads back");
            // A: the printer's own commands.
            assert!(
                commands.contains(&Command::Code128("PS01TEST".into())),
                "{name}"
            );
            assert!(
                commands.contains(&Command::QrStore(b"PS01TEST".to_vec())),
                "{name}"
            );
            // B: the same number drawn as raster symbols, centred on the paper.
            let band = |b: raster::Bitmap| {
                b.aligned(profile.dots, Align::Center)
                    .to_gs_v0(profile.max_band_rows)
            };
            let barcode = [1, 2].into_iter().any(|module| {
                let symbol = raster::code128("PS01TEST", module, u32::from(BARCODE_HEIGHT));
                contains(&bytes, &band(symbol.unwrap()))
            });
            assert!(barcode, "{name}: raster CODE128");
            let qr = raster::qr(b"PS01TEST", u32::from(QR_MODULE)).unwrap();
            assert!(contains(&bytes, &band(qr)), "{name}: raster QR");
        }
        let page = |name| {
            let p = PrinterProfile::builtin(name).unwrap();
            text_lines(&parse(&job("PS01", &p)).unwrap()).join(" ")
        };
        assert!(page("generic-58").contains("This profile uses B"));
        assert!(page("generic-80").contains("This profile uses A"));
    }
}
