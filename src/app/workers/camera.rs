//! The camera thread: preview frames, guidance hints from the face detector, captures checked
//! against the photo spec, the holder check (`face::check`) fed frame by frame,
//! and a watchdog for a stalled or unplugged camera.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use image::RgbImage;

use super::{Inbound, spawn};
use crate::app::screen::{RejectReason, Rejection};
use crate::devices::camera::{CameraOpener, FrameSource};
use crate::devices::card::idcard::portrait;
use crate::domain::holder::{HolderOutcome, HolderPrompt, HolderVerdict, Portrait};
use crate::domain::photo::Photo;
use crate::face::check::{
    CheckSettings, HolderCheck, StartError, Update, verdict as check_verdict,
};
use crate::photo::file::decode_picture;
use crate::photo::{Detector, Hint, PhotoError, PhotoSpec, assess, hint, sharpest};

pub enum CameraCommand {
    Start,
    Stop,
    Capture,
    /// Open the camera and check the face at it against a portrait; the prompts and the
    /// verdict are reported for the visit named (`Inbound::Holder`), and the camera closes.
    CheckHolder(HolderJob),
}

/// One holder check for the visit `visit` (the station's or the hall's count of visits).
pub struct HolderJob {
    pub visit: u64,
    pub reference: HolderReference,
    pub settings: CheckSettings,
}

/// The document picture the face is compared with.
pub enum HolderReference {
    /// The permit chip's DG2 portrait (JPEG or JPEG 2000).
    Chip(Portrait),
    /// The ID card's photo as its decoder gives it: 102×126 RGB, row by row (empty when the
    /// card's photo could not be read).
    CardPhoto(Portrait),
}

/// What a holder check reports to the core.
#[derive(Debug)]
pub enum HolderUpdate {
    /// The applicant is asked to do this now.
    Prompt(HolderPrompt),
    /// The check ended.
    Checked(HolderVerdict),
}

/// The reference picture as pixels, or why there is none.
fn reference_picture(reference: HolderReference) -> Result<RgbImage, String> {
    match reference {
        HolderReference::Chip(portrait) => decode_picture(&portrait.0)
            .map_err(|e| format!("the chip's portrait does not decode: {e}")),
        HolderReference::CardPhoto(mut photo) => {
            let rgb = std::mem::take(&mut *photo.0);
            RgbImage::from_raw(portrait::WIDTH, portrait::HEIGHT, rgb)
                .ok_or_else(|| "the ID card's photo was not read".to_string())
        }
    }
}

/// A holder check under way: its visit and when it started.
struct HolderRun {
    visit: u64,
    check: HolderCheck,
    started: std::time::Instant,
    last_prompt: Option<HolderPrompt>,
}

/// Starts a holder check: the portrait decoded and described. `Err` is the verdict when the
/// portrait gives nothing to compare with, or the check cannot run.
fn start_holder(job: HolderJob) -> Result<HolderRun, (u64, HolderVerdict)> {
    let threshold = job.settings.threshold;
    let portrait = match reference_picture(job.reference) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "holder check: no portrait to compare with");
            let v = check_verdict(HolderOutcome::NoPortraitFace, None, threshold);
            return Err((job.visit, v));
        }
    };
    let check = match HolderCheck::start(&portrait, job.settings, &mut rand_core::OsRng) {
        Ok(c) => c,
        Err(StartError::NoPortraitFace(v)) => return Err((job.visit, v)),
        Err(StartError::Model(e)) => {
            tracing::error!(error = %e, "holder check: face model failed on the portrait");
            let v = check_verdict(HolderOutcome::CheckFailed, None, threshold);
            return Err((job.visit, v));
        }
    };
    Ok(HolderRun {
        visit: job.visit,
        check,
        started: std::time::Instant::now(),
        last_prompt: None,
    })
}

/// Feeds one frame to the holder check: the prompt when it changed, the verdict when it ended
/// (then the check is over: `None`).
fn feed_holder(mut run: HolderRun, frame: &RgbImage, tx: &Sender<Inbound>) -> Option<HolderRun> {
    let report = |update| {
        let _ = tx.send(Inbound::Holder {
            visit: run.visit,
            update,
        });
    };
    match run.check.frame(run.started.elapsed(), frame) {
        Ok(Update::Prompt(p)) => {
            if run.last_prompt != Some(p) {
                report(HolderUpdate::Prompt(p));
                run.last_prompt = Some(p);
            }
            Some(run)
        }
        Ok(Update::Done(v)) => {
            tracing::info!(
                outcome = ?v.outcome,
                distance = v.distance,
                threshold = v.threshold,
                "holder check ended"
            );
            report(HolderUpdate::Checked(v));
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "holder check: face model failed");
            let v = check_verdict(HolderOutcome::CheckFailed, None, run.check.threshold());
            report(HolderUpdate::Checked(v));
            None
        }
    }
}

/// The latest preview frame, replaced as new ones come: the UI shows at most one frame in flight.
pub type PreviewSlot = Arc<Mutex<Option<RgbImage>>>;

const FRAME_INTERVAL: Duration = Duration::from_millis(66);
/// The preview is the centre square of the frame at this side (pixels): the photo page shows a
/// portrait-shaped part of it (docs/PHOTO.md, "The photo page"), so a wide frame's sides would
/// never be seen, and a square keeps the part shown sharp at the page's size.
const PREVIEW_SIDE: u32 = 600;
/// Frames kept for a capture; the sharpest becomes the photo.
const BURST: usize = 3;
/// Run the detector on every n-th preview frame (about 5 hints a second at 15 fps).
const HINT_EVERY: u32 = 3;

/// Assesses the sharpest frame of `burst`; the other frames are dropped first, so they are not
/// alive while the face models run (the moment of the kiosk's highest memory).
fn capture_photo(
    detector: &mut Detector,
    mut burst: Vec<RgbImage>,
    spec: &PhotoSpec,
) -> Result<Photo, Rejection> {
    let reject = |reason, report| Rejection { reason, report };
    let Some(best) = sharpest(&burst) else {
        return Err(reject(RejectReason::NoPicture, String::new()));
    };
    let frame = burst.swap_remove(best);
    drop(burst);
    match assess(detector, &frame, spec) {
        Ok(a) => {
            let report = serde_json::to_string(&a.report).unwrap_or_default();
            match (a.photo, a.report.first_failure()) {
                (Some(photo), _) => Ok(photo),
                (None, Some(c)) => Err(reject(RejectReason::Check(c.advice), report)),
                (None, None) => Err(reject(RejectReason::NotMade, report)),
            }
        }
        Err(e @ PhotoError::FrameTooSmall(..)) => {
            Err(reject(RejectReason::CameraTooSmall, e.to_string()))
        }
        Err(e @ PhotoError::Model(_)) => {
            tracing::error!(error = %e, "photo: face model failed on a capture");
            Err(reject(RejectReason::NotMade, e.to_string()))
        }
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

/// The preview shown while the applicant poses: the centre square of the frame scaled to
/// `PREVIEW_SIDE` and mirrored, so it moves as a mirror does (lean left, the face goes left).
/// Only the preview: the photo keeps the camera's orientation, as a photographer's picture does.
fn preview_of(frame: &RgbImage) -> RgbImage {
    let (w, h) = frame.dimensions();
    let side = w.min(h);
    let square = image::imageops::crop_imm(frame, (w - side) / 2, (h - side) / 2, side, side);
    // An area average (`thumbnail`) rather than a filtered `resize`: the filter's first pass
    // goes through a float RGBA copy of the whole square (7 MB for every frame of a 720p
    // camera), and a preview shrinking it by less than half gains nothing from the filter.
    let mut small = image::imageops::thumbnail(&*square, PREVIEW_SIDE, PREVIEW_SIDE);
    image::imageops::flip_horizontal_in_place(&mut small);
    small
}

/// The start-up check: opens the camera, waits for one frame and closes it again, so the
/// technician screen and the heartbeat know from the start whether the camera works. The frame
/// is dropped unseen.
fn probe(opener: &mut CameraOpener) -> Result<(), String> {
    let capture = Capture::open(opener)?;
    match capture.frames.recv_timeout(WATCHDOG) {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(format!("no frame within {WATCHDOG:?}")),
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
        let mut holder: Option<HolderRun> = None;
        let report = |event: Inbound| tx.send(event).is_ok();
        let checked = probe(&mut opener);
        if let Err(e) = &checked {
            tracing::warn!(error = %e, "camera: start-up check failed");
        }
        if !report(Inbound::CameraChecked(checked)) {
            return;
        }
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
                Ok(CameraCommand::CheckHolder(job)) => match start_holder(job) {
                    Ok(run) => {
                        last_frame = std::time::Instant::now();
                        match Capture::open(&mut opener) {
                            Ok(c) => {
                                capture = Some(c);
                                holder = Some(run);
                            }
                            Err(e) => {
                                // Without a camera nobody can be confirmed: staff compare.
                                tracing::error!(error = %e, "holder check: camera cannot open");
                                let update = HolderUpdate::Checked(check_verdict(
                                    HolderOutcome::CheckFailed,
                                    None,
                                    run.check.threshold(),
                                ));
                                if !report(Inbound::Holder {
                                    visit: run.visit,
                                    update,
                                }) {
                                    return;
                                }
                            }
                        }
                    }
                    Err((visit, verdict)) => {
                        let update = HolderUpdate::Checked(verdict);
                        if !report(Inbound::Holder { visit, update }) {
                            return;
                        }
                    }
                },
                Ok(CameraCommand::Stop) => {
                    capture = None;
                    failed = false;
                    capture_pending = false;
                    holder = None;
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
                    if (gone || last_frame.elapsed() >= WATCHDOG)
                        && let Some(run) = holder.take()
                    {
                        // A camera that stalls mid-check ends it: staff compare.
                        tracing::warn!("holder check: the camera stalled");
                        let update = HolderUpdate::Checked(check_verdict(
                            HolderOutcome::CheckFailed,
                            None,
                            run.check.threshold(),
                        ));
                        capture = None;
                        if !report(Inbound::Holder {
                            visit: run.visit,
                            update,
                        }) {
                            return;
                        }
                        continue;
                    }
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
            let small = preview_of(&frame);
            if let Some(run) = holder.take() {
                if let Ok(mut p) = preview.lock() {
                    *p = Some(small);
                }
                holder = feed_holder(run, &frame, &tx);
                if holder.is_none() {
                    // The check is over: the camera closes until it is asked for again.
                    capture = None;
                }
                continue;
            }
            frames = frames.wrapping_add(1);
            if frames.is_multiple_of(HINT_EVERY) {
                let now = match hint(&detector.detect(&frame), &frame, &spec) {
                    Ok(h) => h,
                    Err(e) => {
                        tracing::error!(error = %e, "photo: face model failed on a preview frame");
                        Hint::NoFace
                    }
                };
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
                // The frames behind the photo go with it (pictures of a face, and 8 MB); a
                // retake fills the burst again from new frames.
                let photo = capture_photo(&mut detector, std::mem::take(&mut burst), &spec);
                if !report(Inbound::Photo(photo)) {
                    return;
                }
            }
        }
    });
    (cmd_tx, slot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_is_the_mirrored_centre_square() {
        // Left of x = 600 red, then blue up to x = 900, then green: the centre square of a
        // 1280×720 frame spans x = 280..1000.
        let frame = RgbImage::from_fn(1280, 720, |x, _| match x {
            0..600 => image::Rgb([255, 0, 0]),
            600..900 => image::Rgb([0, 0, 255]),
            _ => image::Rgb([0, 255, 0]),
        });
        let p = preview_of(&frame);
        assert_eq!((p.width(), p.height()), (PREVIEW_SIDE, PREVIEW_SIDE));
        // Mirrored: x = 950 (green) comes first, x = 300 (red) last.
        assert_eq!(p.get_pixel(20, 300).0, [0, 255, 0], "green on the left");
        assert_eq!(p.get_pixel(300, 300).0, [0, 0, 255], "blue in the middle");
        assert_eq!(
            p.get_pixel(PREVIEW_SIDE - 20, 300).0,
            [255, 0, 0],
            "red on the right"
        );
    }
}
