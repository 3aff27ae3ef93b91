//! The printed form end to end: golden bytes, a strict read-back of every command and text run,
//! barcode round trips through the preview with an independent decoder (rxing), rare name
//! characters as raster, and a mock TCP printer answering status queries.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kiosk::devices::printer::interpret::{Command, parse, text_lines};
use kiosk::devices::printer::raster::{self, Align};
use kiosk::devices::printer::transport::Tcp;
use kiosk::devices::printer::{
    EscPosPrinter, PrintError, Printer, PrinterProfile, PrinterState, escpos, preview, receipt,
    sample_application,
};
use kiosk::domain::app_number::AppNumber;
use kiosk::domain::catalogue::Catalogue;
use rxing::BarcodeFormat;

use crate::support::repo;

fn profile(name: &str) -> PrinterProfile {
    PrinterProfile::builtin(name).expect("profile")
}

fn sample_job(profile: &PrinterProfile) -> Vec<u8> {
    let form = receipt::application_form(
        &sample_application(),
        &Catalogue::builtin(),
        "厦门市出入境接待大厅",
    );
    escpos::encode(&form, profile)
}

/// The committed golden job; `UPDATE_GOLDEN=1` rewrites it after an intended layout change.
fn golden(name: &str, bytes: &[u8]) -> Vec<u8> {
    let path = repo().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, bytes).expect("write golden");
    }
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()))
}

#[test]
fn sample_form_matches_the_golden_bytes() {
    for (name, file) in [
        ("generic-80", "sample-80.bin"),
        ("generic-58", "sample-58.bin"),
    ] {
        let job = sample_job(&profile(name));
        assert!(
            job == golden(file, &job),
            "{name}: bytes differ from tests/golden/{file}"
        );
    }
}

#[test]
fn every_command_reads_back_and_the_chinese_text_is_right() {
    let job = sample_job(&profile("generic-80"));
    assert_eq!(
        &job[..4],
        &[0x1B, 0x40, 0x1C, 0x26],
        "initialise, then Chinese mode"
    );
    let commands = parse(&job).expect("only known commands");
    let lines = text_lines(&commands);
    let app = sample_application();
    for expected in [
        "厦门市出入境接待大厅",
        "出入境证件申请表",
        "【绿色通道】",
        "姓名 Name: 曾小芳",
        "拼音 Pinyin: ZENG XIAOFANG",
        "身份证 ID: 3502**********0025",
        "普通护照 Ordinary passport",
        // Too long for the line: broken before the Chinese word, not inside it.
        "  签注 香港: 个人旅游 Individual visit ·",
        "一年二次",
        "费用 Fee: ￥225",
        "请携带本表和身份证到受理窗口。",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected:?} not printed; lines: {lines:#?}"
        );
    }
    assert!(
        !lines.iter().any(|l| l.contains(&app.identity.id_number)),
        "full ID number printed"
    );
    assert!(commands.contains(&Command::Code128(app.number.to_string())));
    assert!(commands.contains(&Command::QrStore(app.number.as_str().as_bytes().to_vec())));
    assert!(matches!(commands.last(), Some(Command::Cut { .. })));
    // All native on a GBK printer but the number, drawn in the number font (0/O, 1/I apart).
    let rasters: Vec<_> = commands
        .iter()
        .filter_map(|c| match c {
            Command::Raster { xbytes, rows, data } => Some((*xbytes, *rows, data.clone())),
            _ => None,
        })
        .collect();
    let number = kiosk::devices::printer::raster::number(
        app.number.as_str(),
        kiosk::devices::printer::escpos::BIG_PX,
        576,
    );
    assert_eq!(rasters.len(), 1, "one raster: the number");
    assert_eq!(
        kiosk::devices::printer::raster::Bitmap::from_gs_v0(
            rasters[0].0,
            rasters[0].1,
            &rasters[0].2
        ),
        number
    );
    // No character needs a four-byte GB18030 sequence: GBK printers cannot print those.
    for c in commands
        .iter()
        .filter_map(|c| match c {
            Command::Text(t) => Some(t),
            _ => None,
        })
        .flat_map(|t| t.chars())
    {
        let mut utf8 = [0; 4];
        let len = encoding_rs::GB18030
            .encode(c.encode_utf8(&mut utf8))
            .0
            .len();
        assert!(len <= 2, "{c:?} needs {len} bytes");
    }
}

/// Decodes a barcode of `format` from a preview image.
fn decode(img: &image::GrayImage, format: BarcodeFormat) -> Option<String> {
    rxing::helpers::detect_in_luma(
        img.as_raw().clone(),
        img.width(),
        img.height(),
        Some(format),
    )
    .ok()
    .map(|r| r.getText().to_string())
}

#[test]
fn barcode_and_qr_read_back_from_the_paper_for_many_numbers() {
    let cat = Catalogue::builtin();
    let mut app = sample_application();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    for i in 0..24 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let device = ["XMH01", "KS2", "PS0101", "DEMO01"][i % 4];
        let date = day + chrono::Duration::days((x % 3000) as i64);
        app.number = AppNumber::compose(device, date, (x % 99_999) as u32);
        for name in ["generic-58", "generic-80", "raster-80"] {
            let p = profile(name);
            let job = escpos::encode(&receipt::application_form(&app, &cat, "测试"), &p);
            let paper = preview::render(&job, p.dots).expect("reads back");
            assert_eq!(
                decode(&paper, BarcodeFormat::CODE_128).as_deref(),
                Some(app.number.as_str()),
                "{name} CODE128"
            );
            assert_eq!(
                decode(&paper, BarcodeFormat::QR_CODE).as_deref(),
                Some(app.number.as_str()),
                "{name} QR"
            );
        }
    }
}

#[test]
fn a_name_outside_gbk_prints_as_raster_and_reads_back() {
    let mut app = sample_application();
    app.identity.name = "刘䶮".into();
    let p = profile("generic-80");
    let job = escpos::encode(
        &receipt::application_form(&app, &Catalogue::builtin(), "测试"),
        &p,
    );
    let commands = parse(&job).expect("reads back");
    let lines = text_lines(&commands);
    assert!(
        !lines.iter().any(|l| l.contains("刘")),
        "the name line is not sent as text"
    );
    let bands: Vec<_> = commands
        .iter()
        .filter_map(|c| match c {
            Command::Raster { xbytes, rows, data } => {
                Some(raster::Bitmap::from_gs_v0(*xbytes, *rows, data))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        bands.len(),
        2,
        "one band for the name line, one for the number"
    );
    let expected = raster::text("姓名 Name: 刘䶮", escpos::TEXT_PX, p.dots, Align::Left);
    assert_eq!(
        bands[0], expected,
        "the band is the name drawn with the bundled fonts"
    );
    // The Ext-A character is drawn, not a missing-glyph box: its cell has ink on the right of 刘.
    let ink: usize = (0..expected.width)
        .flat_map(|x| (0..expected.height).map(move |y| (x, y)))
        .filter(|&(x, y)| expected.get(x, y))
        .count();
    let without = raster::text("姓名 Name: 刘", escpos::TEXT_PX, p.dots, Align::Left);
    let ink_without: usize = (0..without.width)
        .flat_map(|x| (0..without.height).map(move |y| (x, y)))
        .filter(|&(x, y)| without.get(x, y))
        .count();
    assert!(
        ink > ink_without + 40,
        "䶮 is drawn ({ink} vs {ink_without} dots)"
    );
    // And the band shows in the preview pixel for pixel.
    let paper = preview::render(&job, p.dots).expect("preview");
    let found = (0..paper.height().saturating_sub(expected.height)).any(|y0| {
        (0..expected.height).all(|y| {
            (0..expected.width).all(|x| expected.get(x, y) == (paper.get_pixel(x, y0 + y)[0] == 0))
        })
    });
    assert!(found, "the raster band appears in the preview");
    assert_eq!(
        decode(&paper, BarcodeFormat::CODE_128).as_deref(),
        Some(app.number.as_str())
    );
}

#[test]
fn gb2312_printers_get_gbk_only_characters_as_raster() {
    let mut app = sample_application();
    app.identity.name = "王喆".into();
    let job = escpos::encode(
        &receipt::application_form(&app, &Catalogue::builtin(), "测试"),
        &profile("sprt-58"),
    );
    let commands = parse(&job).expect("reads back");
    assert!(commands.iter().any(|c| matches!(c, Command::Raster { .. })));
    let native = escpos::encode(
        &receipt::application_form(&app, &Catalogue::builtin(), "测试"),
        &profile("generic-58"),
    );
    assert!(
        text_lines(&parse(&native).expect("reads back"))
            .iter()
            .any(|l| l.contains("王喆"))
    );
}

/// A TCP printer on loopback: records every byte and answers `DLE EOT n` from a table, or stays
/// silent when the table has no answer.
struct MockPrinter {
    address: String,
    received: Arc<Mutex<Vec<u8>>>,
}

fn mock_printer(answers: Option<[u8; 3]>) -> MockPrinter {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("addr").to_string();
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let log = log.clone();
            std::thread::spawn(move || {
                let mut window = Vec::new();
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        return;
                    }
                    for &b in &buf[..n] {
                        log.lock().expect("log").push(b);
                        window.push(b);
                        if window.len() > 3 {
                            window.remove(0);
                        }
                        if let ([0x10, 0x04, n], Some(a)) = (window.as_slice(), answers) {
                            let reply = match n {
                                1 => a[0],
                                2 => a[1],
                                _ => a[2],
                            };
                            let _ = stream.write_all(&[reply]);
                            window.clear();
                        }
                    }
                }
            });
        }
    });
    MockPrinter { address, received }
}

fn printer_at(mock: &MockPrinter) -> EscPosPrinter {
    EscPosPrinter::new(Box::new(Tcp::new(
        &mock.address,
        Duration::from_millis(500),
    )))
}

const QUERIES: [u8; 9] = [0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4];

#[test]
fn mock_printer_states_and_the_bytes_it_receives() {
    let ok = mock_printer(Some([0x16, 0x12, 0x12]));
    let mut printer = printer_at(&ok);
    assert_eq!(printer.status(), PrinterState::Ready);
    let job = sample_job(&profile("generic-80"));
    assert_eq!(
        printer.print("sample", &job).expect("printed"),
        PrinterState::Ready
    );
    let received = ok.received.lock().expect("log").clone();
    let expected = [
        &QUERIES[..],
        &QUERIES,
        &golden("sample-80.bin", &job),
        &QUERIES,
    ]
    .concat();
    assert!(
        received == expected,
        "the printer received status queries, the golden job, status queries"
    );

    let near_end = mock_printer(Some([0x16, 0x12, 0x1E]));
    assert_eq!(
        printer_at(&near_end)
            .print("j", &job)
            .expect("still prints"),
        PrinterState::PaperNearEnd
    );

    for (answers, state) in [
        ([0x1E, 0x32, 0x72], PrinterState::PaperEnd),
        ([0x1E, 0x16, 0x12], PrinterState::CoverOpen),
    ] {
        let mock = mock_printer(Some(answers));
        let mut p = printer_at(&mock);
        assert_eq!(p.status(), state);
        assert!(matches!(p.print("j", &job), Err(PrintError::NotReady(s)) if s == state));
        let received = mock.received.lock().expect("log").clone();
        assert_eq!(
            received,
            [QUERIES, QUERIES].concat(),
            "only status queries: no job bytes for a printer that cannot print"
        );
    }
}

#[test]
fn a_silent_printer_is_offline_within_the_timeout() {
    let silent = mock_printer(None);
    let mut printer = printer_at(&silent);
    let start = Instant::now();
    assert_eq!(printer.status(), PrinterState::Offline);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    assert!(matches!(
        printer.print("j", b"\x1b@"),
        Err(PrintError::NotReady(PrinterState::Offline))
    ));
    // Nobody listening at all: offline too, not a hang or a panic.
    let closed = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .to_string();
    let mut gone = EscPosPrinter::new(Box::new(Tcp::new(&closed, Duration::from_millis(300))));
    assert_eq!(gone.status(), PrinterState::Offline);
}

/// A configuration with a TCP printer at `address` and the store in `dir`.
fn tcp_config(dir: &std::path::Path, address: &str) -> std::path::PathBuf {
    let demo = std::fs::read_to_string(repo().join("kiosk.toml")).expect("demo config");
    let text = demo
        .replace(
            "kind = \"sim\"                  # sim | file | tcp | usb | serial",
            &format!("kind = \"tcp\"\ntarget = \"{address}\"\ntimeout_ms = 500"),
        )
        .replace(
            "data_dir = \"var\"",
            &format!("data_dir = \"{}\"", dir.join("data").display()),
        );
    assert!(
        text.contains("kind = \"tcp\""),
        "demo config layout changed"
    );
    let file = dir.join("kiosk.toml");
    std::fs::write(&file, text).expect("write config");
    // The demo's key file (var/store.key next to the file) holds the test key, so the kiosk
    // process and the test open the same store.
    std::fs::create_dir_all(dir.join("var")).expect("var");
    let key = dir.join("var/store.key");
    if !key.exists() {
        crate::support::write_test_key(&key);
    }
    file
}

fn kiosk(config: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = crate::run_logs::kiosk_command()
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .expect("run kiosk");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn command_line_status_test_page_and_reprint_against_the_mock_printer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mock = mock_printer(Some([0x16, 0x12, 0x12]));
    let config = tcp_config(dir.path(), &mock.address);
    let (ok, out) = kiosk(&config, &["print", "status"]);
    assert!(ok && out.starts_with("ready"), "{out}");

    let (ok, out) = kiosk(&config, &["print", "test"]);
    assert!(ok, "{out}");
    let received = mock.received.lock().expect("log").clone();
    let job = &received[2 * QUERIES.len()..received.len() - QUERIES.len()];
    let lines = text_lines(&parse(job).expect("test page reads back"));
    assert!(lines.iter().any(|l| l.contains("打印测试")), "{lines:?}");
    assert!(
        parse(job)
            .expect("parse")
            .iter()
            .any(|c| matches!(c, Command::Raster { .. })),
        "rare characters as raster"
    );

    // Reprint: a stored form goes out byte for byte.
    let form = sample_job(&profile("generic-80"));
    let mut store =
        kiosk::store::Store::open(&dir.path().join("data"), &crate::support::test_key())
            .expect("store");
    let at = chrono::Local::now().naive_local();
    let (number, ()) = store
        .save_application("DEMO01", at, 1, "k", |_| ("{}".into(), ()))
        .expect("save");
    store
        .save_print_job(number.as_str(), &form, at)
        .expect("job");
    mock.received.lock().expect("log").clear();
    let (ok, out) = kiosk(&config, &["print", "reprint", number.as_str()]);
    assert!(ok, "{out}");
    let received = mock.received.lock().expect("log").clone();
    assert_eq!(received, [&QUERIES[..], &form, &QUERIES].concat());
    let (ok, out) = kiosk(&config, &["print", "reprint", "DEMO0126010100001X"]);
    assert!(!ok && out.contains("no stored form"), "{out}");

    // Paper out: the command says so and fails.
    let empty = mock_printer(Some([0x1E, 0x32, 0x72]));
    let config = tcp_config(dir.path(), &empty.address);
    let (ok, out) = kiosk(&config, &["print", "status"]);
    assert!(!ok && out.starts_with("paper end"), "{out}");
    let (ok, out) = kiosk(&config, &["print", "test"]);
    assert!(!ok && out.contains("printer not ready: paper end"), "{out}");
}

#[test]
fn print_sample_writes_bytes_and_preview() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (bin, png) = (dir.path().join("s.bin"), dir.path().join("s.png"));
    let out = crate::run_logs::kiosk_command()
        .args(["print", "sample", "--width", "58", "--out"])
        .arg(&bin)
        .arg("--png")
        .arg(&png)
        .output()
        .expect("run kiosk");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read(&bin).expect("bin");
    assert!(
        written == golden("sample-58.bin", &written),
        "kiosk print sample writes the golden job"
    );
    let img = image::open(&png).expect("png").to_luma8();
    assert_eq!(img.width(), 384);
    assert_eq!(
        decode(&img, BarcodeFormat::CODE_128).as_deref(),
        Some(sample_application().number.as_str())
    );
}

/// The serial transport through a pseudo-terminal: the printer side answers status queries; a
/// printer that stops reading makes the write fail at its deadline instead of hanging.
#[test]
fn serial_transport_through_a_pseudo_terminal() {
    use kiosk::devices::printer::transport::{Device, Transport};

    let (mut master, _slave, slave) = crate::support::pty();
    let mut port = Device::serial(&slave, 115_200, Duration::from_millis(400));
    let printer_side = std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        while let Ok(n) = master.read(&mut buf) {
            got.extend_from_slice(&buf[..n]);
            if got.ends_with(&[0x10, 0x04, 1]) {
                master.write_all(&[0x16]).expect("answer");
            }
            if got.ends_with(b"END") {
                break;
            }
        }
        (got, master)
    });
    assert_eq!(port.query(&[0x10, 0x04, 1]).expect("query"), Some(0x16));
    port.send(b"\x1b@hello END").expect("send");
    let (got, _master_not_reading) = printer_side.join().expect("printer thread");
    assert!(got.ends_with(b"\x1b@hello END"));
    // Nobody reads any more: the write must give up at the deadline.
    let start = Instant::now();
    let err = port
        .send(&vec![b'x'; 1 << 20])
        .expect_err("a stalled printer");
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::TimedOut
                | std::io::ErrorKind::Other
                | std::io::ErrorKind::BrokenPipe
        ),
        "{err}"
    );
}
