//! Shared helpers: a headless kiosk on simulated devices, element lookup by accessible id, and
//! waiting on worker threads under mock time.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use i_slint_backend_testing::{ElementHandle, ElementRoot};
use kiosk::app;
use kiosk::devices::camera::sim::SimCamera;
use kiosk::devices::card::readers::sim::sim_reader;
use kiosk::devices::printer::{FilePrinter, PrinterProfile};
use kiosk::domain::catalogue::Catalogue;
use kiosk::flow::Timeouts;
use kiosk::photo::PhotoSpec;
use kiosk::store::{Limits, SharedStore, Store, StoreKey};
use kiosk::ui::{self, AppWindow, Page, SessionAdapter};
use slint::ComponentHandle;

pub struct Kiosk {
    pub running: ui::Running,
    pub data: tempfile::TempDir,
}

/// The demo's printer: files and previews under the data directory.
fn demo_printer(data: &Path) -> Box<dyn kiosk::devices::printer::Printer> {
    Box::new(FilePrinter::new(data.join("receipts"), 576, true))
}

/// A kiosk in demo mode on simulated devices, with its own data directory and no sync worker.
pub fn demo_kiosk() -> Kiosk {
    demo_kiosk_with(demo_printer, None)
}

/// The demo kiosk with another camera.
pub fn demo_kiosk_with_camera(camera: kiosk::devices::camera::CameraOpener) -> Kiosk {
    demo_kiosk_with(demo_printer, Some(camera))
}

/// A frame of the empty booth (the backdrop only).
pub fn empty_booth() -> image::RgbImage {
    image::RgbImage::from_pixel(1280, 720, image::Rgb([246, 246, 244]))
}

/// The demo kiosk with another printer, and optionally another camera.
pub fn demo_kiosk_with(
    printer: impl FnOnce(&Path) -> Box<dyn kiosk::devices::printer::Printer>,
    camera: Option<kiosk::devices::camera::CameraOpener>,
) -> Kiosk {
    kiosk_with_devices(printer, camera, None, Options::default())
}

/// A demo kiosk whose ID cards come from `card` instead of the simulated reader.
pub fn kiosk_with_card(card: Box<dyn kiosk::devices::card::CardReader>) -> Kiosk {
    kiosk_with_devices(demo_printer, None, Some(card), Options::default())
}

/// A sync worker for a test kiosk, started on its data directory.
pub type SyncStarter = Box<dyn FnOnce(SharedStore) -> kiosk::sync::worker::SyncHandle>;

/// What a demo kiosk may have besides the defaults: store limits, settings the test changes as
/// the central would (`live`), a sync worker.
#[derive(Default)]
pub struct Options {
    pub limits: Limits,
    pub live: Option<kiosk::sync::fleet::Live>,
    pub sync: Option<SyncStarter>,
    /// Makes it a police-station endorsement kiosk.
    pub station: Option<app::Station>,
    /// A data directory prepared by the test (a store left as a crash left it).
    pub data: Option<tempfile::TempDir>,
    /// Another ID card reader than the simulated one (no sample cards then).
    pub card: Option<Box<dyn kiosk::devices::card::CardReader>>,
    /// Another printer than the demo's file printer.
    pub printer: Option<Box<dyn kiosk::devices::printer::Printer>>,
    /// Another camera than the simulated booth.
    pub camera: Option<kiosk::devices::camera::CameraOpener>,
    /// The simulated reader's cards carry the demo subject's photo (as with a photo decoder).
    pub card_photo: bool,
    /// The hall kiosk's holder check.
    pub holder_check: Option<app::HolderCheckSetup>,
    /// The central the hall kiosk asks for documents on record.
    pub records: Option<kiosk::sync::station::StationClient>,
    /// The hall kiosk takes the fee by phone.
    pub fee: Option<app::FeeDesk>,
    /// The header offers "call staff", calling this central.
    pub staff: Option<kiosk::sync::station::StationClient>,
    /// Voice guidance (none: no voice button).
    pub voice: Option<app::VoiceSetup>,
}

pub fn demo_kiosk_with_options(mut options: Options) -> Kiosk {
    let card = options.card.take();
    let camera = options.camera.take();
    match options.printer.take() {
        Some(printer) => kiosk_with_devices(|_| printer, camera, card, options),
        None => kiosk_with_devices(demo_printer, camera, card, options),
    }
}

/// The kiosk a configuration file describes, assembled as `kiosk run` assembles it and shown on
/// this thread's headless renderer at `size` (pixels): what the kiosk draws for that file.
pub fn kiosk_from_config(config: &Path, size: (u32, u32)) -> ui::Running {
    testing_backend();
    let settings = kiosk::cli::load_settings(config).expect("config");
    // librime runs once per process: the suite's engine, ready, rather than a first start
    // compiling dictionaries into this test's directory while it is being deleted.
    crate::ime::engine();
    let running = ui::start(kiosk::cli::assemble(&settings).expect("kiosk")).expect("window");
    running.window.show().expect("show");
    running
        .window
        .window()
        .set_size(slint::PhysicalSize::new(size.0, size.1));
    running
}

/// Pixels whose colour differs by more than a rounding (24 in any channel) between two frames
/// of the same size.
pub fn differing_pixels(a: &image::RgbaImage, b: &image::RgbaImage) -> usize {
    a.pixels()
        .zip(b.pixels())
        .filter(|(a, b)| a.0.iter().zip(b.0).take(3).any(|(x, y)| x.abs_diff(y) > 24))
        .count()
}

/// Headless Slint for this test thread: the software renderer, time moved by the test.
pub fn testing_backend() {
    slint::platform::set_platform(Box::new(i_slint_backend_testing::TestingBackend::new(
        i_slint_backend_testing::TestingBackendOptions {
            mock_time: true,
            threading: false,
            renderer_name: Some("software".into()),
        },
    )))
    .expect("one platform per test thread");
}

fn kiosk_with_devices(
    printer: impl FnOnce(&Path) -> Box<dyn kiosk::devices::printer::Printer>,
    camera: Option<kiosk::devices::camera::CameraOpener>,
    card: Option<Box<dyn kiosk::devices::card::CardReader>>,
    options: Options,
) -> Kiosk {
    testing_backend();
    let data = options
        .data
        .unwrap_or_else(|| tempfile::tempdir().expect("temp dir"));
    let today = chrono::Local::now().date_naive();
    let (reader, slot) = sim_reader(today, options.card_photo);
    let store: SharedStore = Arc::new(std::sync::Mutex::new(
        Store::open_with(data.path(), &test_key(), options.limits).expect("store"),
    ));
    let kiosk = app::Kiosk {
        settings: app::Settings {
            device_id: "TEST01".into(),
            site_name: "测试大厅 Test hall".into(),
            languages: vec!["zh_CN".into(), "en".into()],
            default_language: "zh_CN".into(),
            display: app::DisplayMode::Normal,
            timeouts: Timeouts::default(),
            photo: PhotoSpec::default(),
            max_photo_attempts: 3,
            pin_hash: kiosk::config::hash_pin(DEMO_PIN).expect("hash"),
            holder_check: options.holder_check,
        },
        catalogue: Arc::new(Catalogue::builtin()),
        devices: app::Devices {
            demo_cards: card
                .is_none()
                .then(|| Box::new(slot) as Box<dyn kiosk::devices::card::DemoCards>),
            card: card.unwrap_or_else(|| Box::new(reader)),
            camera: camera.unwrap_or_else(|| {
                Box::new(|| {
                    Ok(Box::new(SimCamera::new(1280, 720)?)
                        as Box<dyn kiosk::devices::camera::FrameSource>)
                })
            }),
            printer: printer(data.path()),
            printer_profile: PrinterProfile::builtin("generic-80").expect("profile"),
            reprint_hours: 12,
        },
        store: store.clone(),
        sync: options.sync.map(|start| start(store)),
        live: options.live,
        station: options.station,
        records: options.records,
        fee: options.fee,
        staff: options.staff,
        ime: Some(Arc::new(crate::ime::engine())),
        voice: options.voice,
    };
    let running = ui::start(kiosk).expect("window");
    // Shown at the portrait kiosk size: repeated elements are laid out (and findable) once the
    // window has a size.
    running.window.show().expect("show");
    running
        .window
        .window()
        .set_size(slint::PhysicalSize::new(1080, 1920));
    Kiosk { running, data }
}

impl Kiosk {
    pub fn window(&self) -> &AppWindow {
        &self.running.window
    }

    pub fn page(&self) -> Page {
        self.window().global::<SessionAdapter>().get_page()
    }

    /// Renders a frame, as the event loop would after a change, and returns the picture.
    pub fn render(&self) -> slint::SharedPixelBuffer<slint::Rgba8Pixel> {
        self.window().window().take_snapshot().expect("snapshot")
    }

    /// Saves what the screen shows, for looking at a failing test.
    pub fn screenshot(&self, path: &Path) {
        let shot = self.render();
        image::RgbaImage::from_raw(shot.width(), shot.height(), shot.as_bytes().to_vec())
            .expect("pixels")
            .save(path)
            .expect("save png");
    }

    /// The keypad and the `fields` it types into are whole in view without scrolling, above the
    /// navigation bar (`what` names the page and screen for the failure message).
    pub fn assert_keypad_in_view(&self, what: &str, fields: &[&str]) {
        let keys = ["key-1", "key-0", "key-clear", "key-back"];
        self.assert_in_view(what, &[&keys[..], fields].concat());
    }

    /// The elements `ids` are whole in view without scrolling, above the navigation bar.
    pub fn assert_in_view(&self, what: &str, ids: &[&str]) {
        let next = self
            .find_visible("next")
            .unwrap_or_else(|| panic!("{what}: the navigation bar is not in view"));
        let nav_top = next.absolute_position().y;
        let size = self.window().window().size();
        let (width, height) = (size.width as f32, size.height as f32);
        assert!(
            nav_top + next.size().height <= height,
            "{what}: the Next button is cut off at the bottom ({nav_top} + {} > {height})",
            next.size().height
        );
        for &key in ids {
            let e = self
                .find_visible(key)
                .unwrap_or_else(|| panic!("{what}: {key} is not in view"));
            let (p, s) = (e.absolute_position(), e.size());
            assert!(
                p.x >= 0.0 && p.y >= 0.0 && p.y + s.height <= nav_top && p.x + s.width <= width,
                "{what}: {key} at {p:?} ({s:?}), the navigation bar starts at {nav_top}"
            );
        }
    }

    /// Finds an element in view as the page stands, without scrolling. What the event loop does
    /// before drawing a frame is done first (due timers, change handlers, new repeated and
    /// conditional elements), but nothing is drawn: an element's visibility is its geometry
    /// against its clips, and a full-screen snapshot per look was most of the UI tests' time.
    pub fn find_visible(&self, id: &str) -> Option<ElementHandle> {
        i_slint_backend_testing::mock_elapsed_time(Duration::ZERO);
        let id = id.to_string();
        self.window()
            .root_element()
            .query_descendants()
            .match_predicate(move |e| e.accessible_id().as_deref() == Some(id.as_str()))
            .find_first()
    }

    /// Finds an element on screen, scrolling the page as a person would when it is below the
    /// fold (elements scrolled out of view cannot be found, just as they cannot be tapped).
    pub fn find(&self, id: &str) -> Option<ElementHandle> {
        if let Some(e) = self.find_visible(id) {
            return Some(e);
        }
        let flickables = self
            .window()
            .root_element()
            .query_descendants()
            .match_type_name("Flickable")
            .find_all();
        for flick in flickables {
            flick.scroll(0.0, 100_000.0);
            for _ in 0..60 {
                if let Some(e) = self.find_visible(id) {
                    return Some(e);
                }
                flick.scroll(0.0, -300.0);
            }
        }
        None
    }

    /// Taps the element with accessible id `id` (its default action, as a screen reader would).
    pub fn tap(&self, id: &str) {
        let e = self
            .find(id)
            .unwrap_or_else(|| panic!("no element with accessible id {id:?} on {:?}", self.page()));
        assert_eq!(e.accessible_enabled(), Some(true), "{id} is disabled");
        e.invoke_accessible_default_action();
    }

    pub fn label(&self, id: &str) -> String {
        self.find(id)
            .and_then(|e| e.accessible_label())
            .unwrap_or_else(|| panic!("no label for {id:?} on {:?}", self.page()))
            .to_string()
    }

    /// Lets `ms` milliseconds of UI time pass, in 100 ms steps (the pump interval).
    pub fn advance(&self, ms: u64) {
        for _ in 0..ms.div_ceil(100) {
            i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(100));
        }
    }

    /// Runs the UI until `done` holds; worker threads run in real time meanwhile. Gives them up
    /// to a minute of real time (slow, loaded CI machines) within 100 s of UI time, under the idle
    /// timeout.
    pub fn wait_until(&self, what: &str, done: impl Fn(&Kiosk) -> bool) {
        for _ in 0..1000 {
            if done(self) {
                return;
            }
            self.advance(100);
            std::thread::sleep(Duration::from_millis(60));
        }
        let photo = self.window().global::<kiosk::ui::PhotoAdapter>();
        panic!(
            "timed out waiting for {what} (page {:?}, photo rejection {:?}, attempts left {})",
            self.page(),
            photo.get_rejection(),
            photo.get_attempts_left()
        );
    }

    /// Walks from the first sample card to the details page: a passport renewal.
    pub fn walk_to_details(&self) {
        self.tap("demo-card-0");
        self.wait_for_page(Page::CardRead);
        self.tap("next");
        self.tap("doc-passport");
        self.tap("cat-passport-renewal");
        self.tap("next");
        assert_eq!(self.page(), Page::Details);
    }

    /// Walks from the first sample card to the photo step with the minimum of choices: a
    /// passport renewal, a mobile number, the pinyin confirmed, collection at the hall.
    pub fn walk_to_photo(&self) {
        self.walk_to_details();
        self.details_to_photo();
    }

    /// From the details page to the photo step: a mobile number, the pinyin confirmed,
    /// collection at the hall.
    fn details_to_photo(&self) {
        self.fill_contact();
        self.tap("delivery-collect");
        self.tap("next");
        assert_eq!(self.page(), Page::Photo);
    }

    /// On the details page: the mobile number typed and the pinyin confirmed.
    pub fn fill_contact(&self) {
        assert_eq!(self.page(), Page::Details);
        for d in "13912345678".chars() {
            self.tap(&format!("key-{d}"));
        }
        self.tap("pinyin-confirm");
    }

    /// Sample card `index` on the reader, on to the details page with a passport renewal
    /// chosen.
    pub fn card_to_details_renewing(&self, index: usize) {
        self.tap(&format!("demo-card-{index}"));
        self.wait_for_page(Page::CardRead);
        self.tap("next");
        assert_eq!(self.page(), Page::Documents);
        self.tap("doc-passport");
        self.tap("cat-passport-renewal");
        self.tap("next");
    }

    /// From the details page to the review: as `details_to_photo`, then the booth's photo.
    pub fn details_to_review(&self) {
        self.details_to_photo();
        self.photo_to_review();
    }

    /// From the photo step to the review: the booth's photo taken.
    pub fn photo_to_review(&self) {
        assert_eq!(self.page(), Page::Photo);
        self.tap("photo-take");
        self.wait_until("the photo", |k| {
            k.window()
                .global::<kiosk::ui::PhotoAdapter>()
                .get_has_photo()
        });
        self.tap("next");
        assert_eq!(self.page(), Page::Review);
    }

    /// From the details page to the printed form: as `details_to_review`, then confirmed.
    /// Returns the application number.
    pub fn details_to_done(&self) -> String {
        self.details_to_review();
        self.tap("next");
        self.wait_for_page(Page::Done);
        self.label("number")
    }

    pub fn wait_for_page(&self, page: Page) {
        self.wait_until(&format!("page {page:?}"), |k| k.page() == page);
    }

    /// Every accessible label and value on screen, for "no trace left" checks.
    /// (The demo's sample-card buttons name made-up people on purpose and are left out.)
    pub fn visible_text(&self) -> String {
        self.render();
        self.window()
            .root_element()
            .query_descendants()
            .find_all()
            .iter()
            .flat_map(|e| [e.accessible_label(), e.accessible_value()])
            .flatten()
            .filter(|label| !label.starts_with("DEMO ·"))
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn receipts(&self) -> PathBuf {
        self.data.path().join("receipts")
    }

    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }
}

/// A test store (test key) as the kiosk shares it between its threads.
pub fn shared_store(dir: &Path) -> SharedStore {
    Arc::new(std::sync::Mutex::new(
        Store::open(dir, &test_key()).expect("store"),
    ))
}

/// The live settings of a test kiosk before the central has sent any (what its kiosk.toml says).
pub fn kiosk_toml_settings() -> kiosk::sync::fleet::Settings {
    kiosk::sync::fleet::Settings {
        version: None,
        timeouts: Timeouts::default(),
        languages: vec!["zh_CN".into(), "en".into()],
        default_language: "zh_CN".into(),
        catalogue: Arc::new(Catalogue::builtin()),
        divisions: Arc::new(kiosk::domain::divisions::Divisions::builtin()),
        hours: None,
    }
}

/// The technician PIN of the test kiosks.
pub const DEMO_PIN: &str = "2468";

/// The store key of every test store (synthetic, like the rest of the test data).
pub fn test_key() -> StoreKey {
    StoreKey::from_bytes(TEST_KEY)
}

pub const TEST_KEY: [u8; 32] = [0x5A; 32];

/// Writes the test key as an owner-only key file, for kiosk processes on a test store.
pub fn write_test_key(path: &Path) {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .expect("key file");
    std::io::Write::write_all(&mut f, &TEST_KEY).expect("write key");
}

/// The kiosk binary built for these tests.
pub fn kiosk_bin() -> &'static str {
    env!("CARGO_BIN_EXE_kiosk")
}

pub fn central_bin() -> &'static str {
    env!("CARGO_BIN_EXE_kiosk-central-dev")
}

/// The repository root, where the demo kiosk.toml lives.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A pseudo-terminal pair in raw mode: the master's file, the slave's file and the slave's path.
/// Keep the slave open for the whole test: a pty whose slave side has no opener answers reads
/// with EIO.
pub fn pty() -> (std::fs::File, std::fs::File, String) {
    use std::os::fd::FromRawFd;
    let (mut m, mut s) = (0, 0);
    let mut name = [0 as libc::c_char; 128];
    // SAFETY: openpty fills two descriptors and the slave's name.
    let r = unsafe {
        libc::openpty(
            &mut m,
            &mut s,
            name.as_mut_ptr(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(r, 0, "openpty");
    // SAFETY: the name is NUL-terminated by openpty; m and s are open descriptors we now own.
    unsafe {
        let path = std::ffi::CStr::from_ptr(name.as_ptr())
            .to_string_lossy()
            .into_owned();
        // Raw mode on the slave: the line discipline must not rewrite the binary frames.
        let mut t: libc::termios = std::mem::zeroed();
        libc::tcgetattr(s, &mut t);
        libc::cfmakeraw(&mut t);
        libc::tcsetattr(s, libc::TCSANOW, &t);
        (
            std::fs::File::from_raw_fd(m),
            std::fs::File::from_raw_fd(s),
            path,
        )
    }
}

/// Every file ending in `.{ext}` under `dir`, at any depth, sorted.
pub fn files_under(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read a directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == ext) {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
}

/// Every `.rs` file under `src/`, sorted.
pub fn rust_sources() -> Vec<PathBuf> {
    files_under(&repo().join("src"), "rs")
}

/// Another person than the demo subject (London set, face 002), for holder checks.
pub const SOMEONE_ELSE: &str = "eval/photo/london-002-neutral.jpg";

/// A camera that shows the picture at `path` (under the repository) as a still at about 30
/// frames a second the first `opens` times it is opened, then the simulated booth.
pub fn camera_showing(path: &str, opens: usize) -> kiosk::devices::camera::CameraOpener {
    struct Still(image::RgbImage);
    impl kiosk::devices::camera::FrameSource for Still {
        fn next_frame(&mut self) -> Result<image::RgbImage, kiosk::devices::camera::CameraError> {
            std::thread::sleep(Duration::from_millis(30));
            Ok(self.0.clone())
        }
    }
    let picture = kiosk::photo::file::read_picture(&repo().join(path)).expect("fixture");
    let mut opened = 0;
    Box::new(move || {
        opened += 1;
        if opened <= opens {
            Ok(Box::new(Still(picture.clone())) as Box<dyn kiosk::devices::camera::FrameSource>)
        } else {
            Ok(Box::new(SimCamera::new(1280, 720)?)
                as Box<dyn kiosk::devices::camera::FrameSource>)
        }
    })
}
