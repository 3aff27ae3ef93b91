//! The device and service threads behind the UI. Each owns its device; results come back to the
//! UI thread through one channel that the UI drains on a timer, so the event loop never blocks
//! on I/O and tests with mock time see results deterministically.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDateTime;
use image::RgbImage;

use crate::devices::camera::{CameraOpener, FrameSource};
use crate::devices::card::{CardEvent, CardReader};
use crate::devices::printer::{Printer, PrinterProfile, escpos, receipt};
use crate::domain::app_number::AppNumber;
use crate::domain::application::{Application, Choices};
use crate::domain::catalogue::Catalogue;
use crate::domain::identity::Identity;
use crate::domain::photo::Photo;
use crate::photo::{Detector, Hint, PhotoSpec, assess, hint, sharpest};
use crate::store::{SharedStore, Store, lock};
use crate::sync::api::Submission;
use crate::sync::worker::SyncHandle;
use std::sync::atomic::{AtomicBool, Ordering};

/// Why a capture was not accepted: the first failed check for the applicant, and the whole
/// report (JSON) for staff.
#[derive(Debug, Clone)]
pub struct Rejection {
    pub zh: String,
    pub en: String,
    pub report: String,
}

/// What the workers report to the UI thread.
#[derive(Debug)]
pub enum Inbound {
    Card(CardEvent),
    Photo(Result<Photo, Rejection>),
    /// The camera stopped delivering frames.
    CameraFailed(String),
    /// Frames flow again after a failure.
    CameraRecovered,
    Hint(Hint),
    Saved(AppNumber),
    /// Logged where it happened; the UI only needs to know.
    SaveFailed,
    /// The save failed for want of room: nothing was saved.
    StorageFull,
    /// Whether one more application fits (reported when it changes).
    Room(bool),
    Printed,
    PrintFailed,
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) {
    if let Err(e) = std::thread::Builder::new().name(name.into()).spawn(f) {
        tracing::error!(thread = name, error = %e, "cannot start worker thread");
    }
}

/// Watches the card reader until the UI goes away.
pub fn card(mut reader: Box<dyn CardReader>, tx: Sender<Inbound>) {
    spawn("card", move || {
        loop {
            if let Some(event) = reader.wait_event(Duration::from_millis(200)) {
                if let CardEvent::Unreadable(reason) = &event {
                    tracing::warn!(%reason, "card: unreadable");
                }
                if tx.send(Inbound::Card(event)).is_err() {
                    return;
                }
            }
        }
    });
}

pub enum CameraCommand {
    Start,
    Stop,
    Capture,
}

/// The latest preview frame, replaced as new ones come: the UI shows at most one frame in flight.
pub type PreviewSlot = Arc<Mutex<Option<RgbImage>>>;

const FRAME_INTERVAL: Duration = Duration::from_millis(66);
const PREVIEW_WIDTH: u32 = 640;
/// Frames kept for a capture; the sharpest becomes the photo.
const BURST: usize = 3;
/// Run the detector on every n-th preview frame (about 5 hints a second at 15 fps).
const HINT_EVERY: u32 = 3;

fn capture_photo(
    detector: &mut Detector,
    burst: &[RgbImage],
    spec: &PhotoSpec,
) -> Result<Photo, Rejection> {
    let reject = |zh: &str, en: &str, report: String| Rejection {
        zh: zh.into(),
        en: en.into(),
        report,
    };
    let Some(best) = sharpest(burst) else {
        return Err(reject(
            "摄像头暂无画面",
            "No picture from the camera yet",
            String::new(),
        ));
    };
    match assess(detector, &burst[best], spec) {
        Ok(a) => {
            let report = serde_json::to_string(&a.report).unwrap_or_default();
            match (a.photo, a.report.first_failure()) {
                (Some(photo), _) => Ok(photo),
                (None, Some(c)) => Err(reject(c.zh, c.en, report)),
                (None, None) => Err(reject(
                    "照片未能生成",
                    "The photo could not be made",
                    report,
                )),
            }
        }
        Err(e) => Err(reject(
            "摄像头画面太小，请联系工作人员",
            "The camera picture is too small: please ask staff",
            e.to_string(),
        )),
    }
}

/// No frame for this long means the camera stalled or was unplugged.
const WATCHDOG: Duration = Duration::from_secs(2);

/// A thread reading one opened camera into a one-slot channel (frames are dropped, never queued,
/// when the worker is busy). `stop` ends it after the frame it is waiting for; a thread stuck in
/// a stalled camera is abandoned.
struct Capture {
    frames: Receiver<Result<RgbImage, String>>,
    stop: Arc<AtomicBool>,
}

impl Capture {
    fn open(opener: &mut CameraOpener) -> Result<Capture, String> {
        let mut source: Box<dyn FrameSource> = opener().map_err(|e| e.to_string())?;
        let (tx, frames) = mpsc::sync_channel(1);
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        spawn("capture", move || {
            while !stopped.load(Ordering::Relaxed) {
                let frame = source.next_frame().map_err(|e| e.to_string());
                let failed = frame.is_err();
                match tx.try_send(frame) {
                    Err(mpsc::TrySendError::Disconnected(_)) => return,
                    _ if failed => return,
                    _ => std::thread::sleep(FRAME_INTERVAL),
                }
            }
        });
        Ok(Capture { frames, stop })
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Runs the camera while the photo step is on screen: preview frames, guidance hints from the
/// face detector, captures checked against the photo spec, and a watchdog that reports a
/// stalled or unplugged camera and keeps trying to open it again.
pub fn camera(
    mut opener: CameraOpener,
    spec: PhotoSpec,
    tx: Sender<Inbound>,
) -> (Sender<CameraCommand>, PreviewSlot) {
    let (cmd_tx, cmd_rx) = mpsc::channel::<CameraCommand>();
    let slot: PreviewSlot = Arc::new(Mutex::new(None));
    let preview = slot.clone();
    spawn("camera", move || {
        let mut detector = Detector::new();
        let mut capture: Option<Capture> = None;
        let mut failed = false;
        let mut last_frame = std::time::Instant::now();
        let mut burst: Vec<RgbImage> = Vec::new();
        let mut frames = 0u32;
        let mut last_hint = None;
        // A capture asked for before the first frame arrived waits for it.
        let mut capture_pending = false;
        let report = |event: Inbound| tx.send(event).is_ok();
        loop {
            let command = if capture.is_some() || failed {
                cmd_rx.try_recv().map_err(|e| match e {
                    mpsc::TryRecvError::Empty => RecvTimeoutError::Timeout,
                    mpsc::TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
                })
            } else {
                cmd_rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
            };
            match command {
                Ok(CameraCommand::Start) => {
                    last_hint = None;
                    last_frame = std::time::Instant::now();
                    match Capture::open(&mut opener) {
                        Ok(c) => capture = Some(c),
                        Err(e) => {
                            tracing::warn!(error = %e, "camera: cannot open");
                            failed = true;
                            if !report(Inbound::CameraFailed(e)) {
                                return;
                            }
                        }
                    }
                }
                Ok(CameraCommand::Stop) => {
                    capture = None;
                    failed = false;
                    capture_pending = false;
                    burst.clear();
                    if let Ok(mut p) = preview.lock() {
                        *p = None;
                    }
                }
                Ok(CameraCommand::Capture) => capture_pending = true,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            let Some(current) = &capture else {
                if failed {
                    // Keep trying to open the camera while the photo step is shown.
                    std::thread::sleep(WATCHDOG);
                    if let Ok(c) = Capture::open(&mut opener) {
                        capture = Some(c);
                        last_frame = std::time::Instant::now();
                    }
                }
                continue;
            };
            let frame = match current.frames.recv_timeout(FRAME_INTERVAL) {
                Ok(Ok(frame)) => frame,
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "camera: frame error");
                    continue;
                }
                Err(wait) => {
                    let gone = wait == RecvTimeoutError::Disconnected;
                    if (gone || last_frame.elapsed() >= WATCHDOG) && !failed {
                        tracing::warn!("camera: no frame for {:?}, reopening", WATCHDOG);
                        failed = true;
                        capture = None;
                        if !report(Inbound::CameraFailed("camera stalled".into())) {
                            return;
                        }
                    } else if gone || last_frame.elapsed() >= WATCHDOG {
                        capture = None;
                    }
                    continue;
                }
            };
            last_frame = std::time::Instant::now();
            if failed {
                failed = false;
                if !report(Inbound::CameraRecovered) {
                    return;
                }
            }
            let h = frame.height() * PREVIEW_WIDTH / frame.width().max(1);
            let small = image::imageops::resize(
                &frame,
                PREVIEW_WIDTH,
                h,
                image::imageops::FilterType::Triangle,
            );
            frames = frames.wrapping_add(1);
            if frames.is_multiple_of(HINT_EVERY) {
                let now = hint(&detector.detect(&frame), &frame, &spec);
                if last_hint != Some(now) {
                    last_hint = Some(now);
                    if !report(Inbound::Hint(now)) {
                        return;
                    }
                }
            }
            if let Ok(mut p) = preview.lock() {
                *p = Some(small);
            }
            burst.push(frame);
            if burst.len() > BURST {
                burst.remove(0);
            }
            if capture_pending {
                capture_pending = false;
                if !report(Inbound::Photo(capture_photo(&mut detector, &burst, &spec))) {
                    return;
                }
            }
        }
    });
    (cmd_tx, slot)
}

/// What the service thread needs to save and print one application.
pub struct SaveJob {
    pub identity: Identity,
    pub choices: Choices,
    pub photo: Option<Photo>,
    pub photo_report: Option<String>,
    pub fee: u32,
    pub created_at: NaiveDateTime,
    /// The catalogue the session priced and labelled the application with.
    pub catalogue: Arc<Catalogue>,
}

pub struct ServiceContext {
    pub store: SharedStore,
    pub printer: Box<dyn Printer>,
    pub profile: PrinterProfile,
    pub reprint_hours: u64,
    pub device_id: String,
    pub site_name: String,
    pub sync: Option<SyncHandle>,
}

/// How often a full store is checked for room again (acknowledgements purge bodies; a
/// technician may free the disk).
const ROOM_CHECK: Duration = Duration::from_secs(5);

/// Whether the store has room for one more application, logged when it changes.
fn room(store: &std::sync::Mutex<Store>, had_room: &mut bool, tx: &Sender<Inbound>) -> bool {
    let checked = lock(store).check_room();
    let now = match checked {
        Ok(()) => true,
        Err(e) => {
            if *had_room {
                tracing::error!(error = %e, "store: no room, the kiosk takes no new applicants until there is");
            }
            false
        }
    };
    if now != *had_room {
        if now {
            tracing::info!("store: room again, taking applicants");
        }
        *had_room = now;
        return tx.send(Inbound::Room(now)).is_ok();
    }
    true
}

/// Saves applications (application + outbox row in one transaction), wakes the sync worker and
/// prints the form. Printing only starts once the application is safely stored. Checks for room
/// after every save and, while there is none, every few seconds, so the attract screen stops
/// taking applicants before one of them fills in a form that cannot be saved.
pub fn service(mut ctx: ServiceContext, tx: Sender<Inbound>) -> Sender<SaveJob> {
    let (job_tx, job_rx): (Sender<SaveJob>, Receiver<SaveJob>) = mpsc::channel();
    spawn("service", move || {
        // The first check is always reported, so the technician screen and the heartbeat know
        // the storage state from the start.
        let mut had_room = lock(&ctx.store).check_room().is_ok();
        if tx.send(Inbound::Room(had_room)).is_err() {
            return;
        }
        if !had_room {
            tracing::error!("store: no room, the kiosk takes no new applicants until there is");
        }
        loop {
            let job = match job_rx.recv_timeout(ROOM_CHECK) {
                Ok(job) => job,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if !had_room && !room(&ctx.store, &mut had_room, &tx) {
                        return;
                    }
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            };
            // Fixed at capture: every retry of this submission carries the same key.
            let key = uuid::Uuid::now_v7().to_string();
            let saved = lock(&ctx.store).save_application(
                &ctx.device_id,
                job.created_at,
                job.fee,
                &key,
                |number| {
                    let application = Application {
                        number: number.clone(),
                        identity: job.identity.clone(),
                        choices: job.choices.clone(),
                        photo: job.photo.clone(),
                        photo_report: job.photo_report.clone(),
                        fee: job.fee,
                        created_at: job.created_at,
                    };
                    let body =
                        serde_json::to_string(&Submission::new(&application, &ctx.device_id, &key))
                            .expect("submission serialises");
                    (body, application)
                },
            );
            let (number, application) = match saved {
                Ok(saved) => saved,
                Err(e) => {
                    tracing::error!(error = %e, "store: application not saved");
                    let full = matches!(e, crate::store::StoreError::Full(_));
                    if full {
                        had_room = false;
                    }
                    let event = if full {
                        Inbound::StorageFull
                    } else {
                        Inbound::SaveFailed
                    };
                    if tx.send(event).is_err() {
                        return;
                    }
                    continue;
                }
            };
            tracing::info!(%number, "store: application saved and queued");
            if let Some(sync) = &ctx.sync {
                sync.wake();
            }
            if tx.send(Inbound::Saved(number.clone())).is_err() {
                return;
            }
            let form = receipt::application_form(&application, &job.catalogue, &ctx.site_name);
            let bytes = escpos::encode(&form, &ctx.profile);
            let now = application.created_at;
            // Kept so staff can reprint (`kiosk print reprint`); there is no automatic reprint.
            let kept = lock(&ctx.store).save_print_job(number.as_str(), &bytes, now);
            if let Err(e) = kept {
                tracing::warn!(%number, error = %e, "store: print job not kept for reprint");
            }
            let cutoff = now - chrono::Duration::hours(ctx.reprint_hours as i64);
            let purged = lock(&ctx.store).purge_print_jobs_before(cutoff);
            if let Err(e) = purged {
                tracing::warn!(error = %e, "store: old print jobs not purged");
            }
            let outcome = match ctx.printer.print(number.as_str(), &bytes) {
                Ok(state) => {
                    if state == crate::devices::printer::PrinterState::PaperNearEnd {
                        tracing::warn!("printer: paper near end, change the roll soon");
                    }
                    tracing::info!(%number, bytes = bytes.len(), "printer: form printed");
                    Inbound::Printed
                }
                Err(e) => {
                    tracing::error!(%number, error = %e, "printer: form not printed");
                    Inbound::PrintFailed
                }
            };
            if tx.send(outcome).is_err() || !room(&ctx.store, &mut had_room, &tx) {
                return;
            }
        }
    });
    job_tx
}
