//! The pipeline on the demo subject and on variants of it with one planted defect each: every
//! check passes on the subject and fails on a picture made to fail it, for that check's reason;
//! the final file has the spec's exact geometry and JPEG properties.

use image::{Rgb, RgbImage, imageops};

use super::eval::{paint_over, turned};
use super::*;
use crate::devices::camera::sim::{BACKDROP, HEAD_Y, ZOOM_720, booth_subject, frame_with_subject};

const W: u32 = 1280;
const H: u32 = 720;

fn subject_frame(zoom: f32, x: f32, y: f32) -> RgbImage {
    frame_with_subject(&booth_subject().unwrap(), W, H, zoom, x, y)
}

fn good_frame() -> RgbImage {
    subject_frame(ZOOM_720, 0.5, HEAD_Y)
}

/// The good frame's face, measured.
fn measured(frame: &RgbImage) -> measure::Measured {
    let face = Detector::new().detect(frame)[0];
    measure::measure(frame, measure::start_region(&face))
        .unwrap()
        .expect("a measured face")
}

fn fixture(name: &str) -> RgbImage {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    image::open(path).unwrap().to_rgb8()
}

/// Replaces the plain backdrop with `paint`.
fn repaint(mut frame: RgbImage, paint: impl Fn(u32, u32) -> Rgb<u8>) -> RgbImage {
    for (x, y, p) in frame.enumerate_pixels_mut() {
        if *p == BACKDROP {
            *p = paint(x, y);
        }
    }
    frame
}

fn run(frame: &RgbImage, spec: &PhotoSpec) -> Assessment {
    assess(&mut Detector::new(), frame, spec).unwrap()
}

fn failed(a: &Assessment) -> Vec<&'static str> {
    a.report
        .checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.id)
        .collect()
}

#[test]
fn the_demo_subject_passes_and_the_file_is_spec_exact() {
    let spec = PhotoSpec::default();
    let a = run(&good_frame(), &spec);
    assert!(a.report.passed(), "{:#?}", a.report.checks);
    let photo = a.photo.expect("a photo");
    let jpeg = &photo.jpeg;
    let decoded = image::load_from_memory(jpeg).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (354, 472));
    assert_eq!(decoded.color(), image::ColorType::Rgb8, "24-bit colour");
    assert!(spec.file_size.contains(&jpeg.len()), "{} bytes", jpeg.len());
    assert!(a.report.quality.unwrap() >= spec.min_quality);
    // Baseline (SOF0), not progressive (SOF2).
    assert!(jpeg.windows(2).any(|w| w == [0xFF, 0xC0]));
    assert!(!jpeg.windows(2).any(|w| w == [0xFF, 0xC2]));
    // JFIF APP0 with density in dots per inch, 300×300.
    let jfif = jpeg
        .windows(5)
        .position(|w| w == b"JFIF\0")
        .expect("JFIF header");
    assert_eq!(&jpeg[jfif + 7..jfif + 12], &[0x01, 0x01, 0x2C, 0x01, 0x2C]);
    // No EXIF segment.
    assert!(!jpeg.windows(4).any(|w| w == b"Exif"));
}

#[test]
fn blank_frame_has_no_face() {
    let a = run(
        &RgbImage::from_pixel(W, H, Rgb([250, 250, 250])),
        &PhotoSpec::default(),
    );
    assert_eq!(failed(&a), ["face_count"]);
    assert_eq!(a.report.checks[0].value, 0.0);
    assert!(a.photo.is_none());
}

#[test]
fn two_people_are_refused() {
    let subject = booth_subject().unwrap();
    let one = frame_with_subject(&subject, W / 2, H, 0.9, 0.5, 0.45);
    let mut frame = RgbImage::new(W, H);
    imageops::overlay(&mut frame, &one, 0, 0);
    imageops::overlay(&mut frame, &one, (W / 2) as i64, 0);
    let a = run(&frame, &PhotoSpec::default());
    assert_eq!(failed(&a), ["face_count"]);
    assert!(a.report.checks[0].value >= 2.0);
}

fn first_advice(a: &Assessment) -> Advice {
    a.report.first_failure().expect("a failure").advice
}

#[test]
fn too_far_too_close_and_off_centre_say_what_to_do() {
    let spec = PhotoSpec::default();
    let far = run(&subject_frame(ZOOM_720 * 0.6, 0.5, HEAD_Y), &spec);
    assert!(failed(&far).contains(&"crop"), "{:?}", failed(&far));
    assert_eq!(first_advice(&far), Advice::MoveCloser);
    let close = run(&subject_frame(ZOOM_720 * 1.45, 0.5, 0.55), &spec);
    assert_eq!(
        first_advice(&close),
        Advice::MoveBack,
        "{:?}",
        failed(&close)
    );
    // Off to the side: the crop cannot centre the face, and says so (not "move closer").
    let edge = run(&subject_frame(ZOOM_720, 0.12, HEAD_Y), &spec);
    assert_eq!(first_advice(&edge), Advice::Centre, "{:?}", failed(&edge));
}

#[test]
fn a_head_too_high_in_the_frame_is_told_to_come_down() {
    // The crown near the top edge: no room above it for the crown margin.
    let high = run(&subject_frame(ZOOM_720, 0.5, 0.36), &PhotoSpec::default());
    assert_eq!(
        first_advice(&high),
        Advice::LowerInFrame,
        "{:?}",
        failed(&high)
    );
    // The crown cut off by the top edge: the head cannot be measured.
    let cut = run(&subject_frame(ZOOM_720, 0.5, 0.2), &PhotoSpec::default());
    assert_eq!(failed(&cut), ["crown"]);
    assert_eq!(first_advice(&cut), Advice::LowerInFrame);
}

#[test]
fn the_photo_is_measured_again_and_meets_the_spec_geometry() {
    let spec = PhotoSpec::default();
    let a = run(&good_frame(), &spec);
    let photo = a.cropped.expect("the photo");
    let m = measured_photo(&photo);
    let head = m.head.expect("crown in the photo");
    let within = |v: f32, r: &std::ops::RangeInclusive<u32>| r.contains(&(v.round() as u32));
    assert!(within(head.height(), &spec.head_height), "{head:?}");
    assert!(within(head.crown, &spec.crown_margin), "{head:?}");
    assert!(within(head.eyes, &spec.eye_line), "{head:?}");
    assert!(within(head.face_width, &spec.face_width), "{head:?}");
    assert!(within(head.eye_distance, &spec.eye_distance), "{head:?}");
    assert!((head.centre_x - 177.0).abs() < 18.0, "{head:?}");
}

/// The photo measured from scratch (no frame landmarks to start from).
fn measured_photo(photo: &RgbImage) -> measure::Measured {
    measured(photo)
}

#[test]
fn a_head_tilted_to_one_side_fails_roll_only() {
    let frame = good_frame();
    let level = measured(&frame);
    let (cx, cy) = level.landmarks.eyes_midpoint();
    assert!(
        level.landmarks.roll().abs() < 3.0,
        "{}",
        level.landmarks.roll()
    );
    let tilted = turned(&frame, cx, cy, 15.0);
    let m = measured(&tilted);
    assert!(
        (m.landmarks.roll() - 15.0).abs() < 3.0,
        "{}",
        m.landmarks.roll()
    );
    let pose = checks::pose(&m.landmarks, &PhotoSpec::default());
    let failed: Vec<_> = pose.iter().filter(|c| !c.passed).map(|c| c.id).collect();
    assert_eq!(failed, ["roll"], "{pose:?}");
    assert_eq!(
        hint(
            &Detector::new().detect(&tilted),
            &tilted,
            &PhotoSpec::default()
        )
        .unwrap(),
        Hint::TiltUpright
    );
}

#[test]
fn a_face_tipped_forward_fails_pitch() {
    // The subject's own landmarks with the nose tip moved down the eye-to-chin line by what a
    // 20° pitch moves it (its depth in front of the face times sin 20°): the pitch check reads
    // the angle back and fails; the level face passes. (No image: a 2-D portrait cannot be
    // tipped, and the fixtures hold no pitched face with clear rights; see the note.)
    let level = measured(&good_frame()).landmarks;
    let spec = PhotoSpec::default();
    let pitch_check = |f: &landmarks::Landmarks| {
        checks::pose(f, &spec)
            .into_iter()
            .find(|c| c.id == "pitch")
            .unwrap()
    };
    assert!(pitch_check(&level).passed, "{:?}", pitch_check(&level));
    let mut tipped = level.clone();
    let eyes = level.eyes_midpoint();
    let chin = level.chin();
    let length = ((chin.0 - eyes.0).powi(2) + (chin.1 - eyes.1).powi(2)).sqrt();
    let depth = (level.points[landmarks::CHIN][2] - level.points[landmarks::NOSE_TIP][2]) / length;
    let shift = depth.max(0.05) * 20f32.to_radians().sin() * length;
    let unit = ((chin.0 - eyes.0) / length, (chin.1 - eyes.1) / length);
    tipped.points[landmarks::NOSE_TIP][0] += unit.0 * shift;
    tipped.points[landmarks::NOSE_TIP][1] += unit.1 * shift;
    let c = pitch_check(&tipped);
    assert!(!c.passed && c.value > level.pitch() + 10.0, "{c:?}");
    assert_eq!(c.advice, Advice::LookStraight);
}

#[test]
fn an_open_smile_fails_mouth_closed_and_lowered_lids_fail_eyes_open() {
    let smile = fixture("london-064-smiling.jpg");
    let m = measured(&smile);
    let face = checks::face(&smile, &m.landmarks);
    let by_id = |checks: &[Check], id| checks.iter().find(|c| c.id == id).unwrap().passed;
    assert!(!by_id(&face, "mouth_closed"), "{face:?}");
    assert!(by_id(&face, "eyes_open"), "{face:?}");

    let frame = good_frame();
    let good = checks::face(&frame, &measured(&frame).landmarks);
    assert!(good.iter().all(|c| c.passed), "{good:?}");

    // Closed eyes: the subject's landmarks with each upper lid lowered onto the lower one. (No
    // image: painting the eyes over does not move the mesh's lids, which follow the face's
    // shape, and the fixtures hold no closed-eye portrait with clear rights; see the note.)
    let mut closed = measured(&frame).landmarks;
    for eye in [&landmarks::EYE_LEFT, &landmarks::EYE_RIGHT] {
        let lower = closed.points[eye.lower];
        closed.points[eye.upper][1] = lower[1] - 1.0;
    }
    let face = checks::face(&frame, &closed);
    assert!(!by_id(&face, "eyes_open"), "{face:?}");
}

#[test]
fn a_closed_lip_smile_fails_expression_only() {
    // A broad smile with the lips together: the mouth is closed, but wider than at rest.
    let path = format!(
        "{}/eval/photo/london-021-smiling.jpg",
        env!("CARGO_MANIFEST_DIR")
    );
    let smile = image::open(path).unwrap().to_rgb8();
    let face = checks::face(&smile, &measured(&smile).landmarks);
    let failed: Vec<_> = face.iter().filter(|c| !c.passed).collect();
    assert!(
        matches!(failed[..], [c] if c.id == "expression" && c.advice == Advice::NoSmile),
        "{face:?}"
    );
    let frame = good_frame();
    let neutral = checks::face(&frame, &measured(&frame).landmarks);
    let expression = neutral.iter().find(|c| c.id == "expression").unwrap();
    assert!(expression.passed, "{expression:?}");
}

#[test]
fn dark_lenses_fail_eyes_visible() {
    let frame = good_frame();
    let level = measured(&frame).landmarks;
    let mut glasses = frame.clone();
    for eye in [&landmarks::EYE_LEFT, &landmarks::EYE_RIGHT] {
        paint_over(&mut glasses, &level, &eye.contour, 1.8, Rgb([22, 22, 28]));
    }
    let m = measured(&glasses);
    let face = checks::face(&glasses, &m.landmarks);
    let visible = face.iter().find(|c| c.id == "eyes_visible").unwrap();
    assert!(!visible.passed, "{face:?}");
    assert_eq!(visible.advice, Advice::ShowEyes);
}

#[test]
fn dark_and_overexposed_faces_fail_exposure_on_the_skin() {
    let dark = imageops::colorops::brighten(&good_frame(), -120);
    let f = failed(&run(&dark, &PhotoSpec::default()));
    assert!(
        f.contains(&"face_luminance") || f.contains(&"underexposed"),
        "{f:?}"
    );
    let bright = imageops::colorops::brighten(&good_frame(), 110);
    let f = failed(&run(&bright, &PhotoSpec::default()));
    assert!(f.contains(&"overexposed"), "{f:?}");
}

#[test]
fn a_washed_out_face_fails_although_little_of_it_clips() {
    // Flare or a lifted black level: every pixel halfway to white, so the pupils and brows turn
    // pale grey while the skin stays below clipping.
    let frame = good_frame();
    let washed = RgbImage::from_fn(W, H, |x, y| {
        Rgb(frame.get_pixel(x, y).0.map(|v| 120 + v / 2))
    });
    let a = run(&washed, &PhotoSpec::default());
    let by_id = |id| a.report.checks.iter().find(|c| c.id == id).unwrap();
    assert!(!by_id("washed_out").passed, "{:?}", a.report);
    assert!(by_id("overexposed").passed, "{:?}", a.report);
    assert!(by_id("washed_out").value > 120.0);
    assert!(
        run(&frame, &PhotoSpec::default())
            .report
            .checks
            .iter()
            .any(|c| c.id == "washed_out" && c.passed)
    );
}

#[test]
fn a_white_backdrop_is_not_overexposure_and_black_hair_is_not_underexposure() {
    // The subject has black hair on a white backdrop: both sit in the crop, neither on the skin.
    let a = run(&good_frame(), &PhotoSpec::default());
    for id in ["overexposed", "underexposed", "face_luminance"] {
        let c = a.report.checks.iter().find(|c| c.id == id).unwrap();
        assert!(c.passed, "{c:?}");
    }
}

#[test]
fn a_grey_scale_picture_fails_natural_colour() {
    let grey = imageops::grayscale(&good_frame());
    let grey = RgbImage::from_fn(W, H, |x, y| {
        let l = grey.get_pixel(x, y)[0];
        Rgb([l, l, l])
    });
    let f = failed(&run(&grey, &PhotoSpec::default()));
    assert!(f.contains(&"natural_colour"), "{f:?}");
}

#[test]
fn backgrounds_grey_blue_and_a_shadow_beside_the_head() {
    let grey = repaint(good_frame(), |_, _| Rgb([196, 196, 196]));
    assert_eq!(
        failed(&run(&grey, &PhotoSpec::default())),
        ["background_colour"]
    );

    let blue = repaint(good_frame(), |_, _| Rgb([100, 197, 255]));
    let white_spec = run(&blue, &PhotoSpec::default());
    assert!(failed(&white_spec).contains(&"background_colour"));
    let blue_spec = run(&blue, &PhotoSpec::named("exit-entry-blue").unwrap());
    assert!(
        !failed(&blue_spec).contains(&"background_colour"),
        "{:?}",
        failed(&blue_spec)
    );

    // A soft shadow on the backdrop right of the head.
    let m = measured(&good_frame());
    let (cx, cy) = m.landmarks.eyes_midpoint();
    let reach = m.landmarks.face_width();
    let shadow = repaint(good_frame(), |x, y| {
        let d = ((x as f32 - cx - reach * 0.8).powi(2) + (y as f32 - cy).powi(2)).sqrt();
        let k = (1.0 - d / (reach * 0.9)).clamp(0.0, 1.0) * 70.0;
        Rgb(BACKDROP.0.map(|c| (c as f32 - k) as u8))
    });
    assert_eq!(
        failed(&run(&shadow, &PhotoSpec::default())),
        ["background_uniform"]
    );
}

#[test]
fn blur_fails_sharpness_and_the_burst_keeps_the_sharpest() {
    let sharp = good_frame();
    let blurred = imageops::blur(&sharp, 4.0);
    assert!(failed(&run(&blurred, &PhotoSpec::default())).contains(&"sharpness"));
    assert_eq!(sharpest(&[blurred.clone(), sharp, blurred]), Some(1));
}

#[test]
fn hints_follow_the_applicant() {
    let mut d = Detector::new();
    let spec = PhotoSpec::default();
    let hint_for = |d: &mut Detector, f: &RgbImage| hint(&d.detect(f), f, &spec).unwrap();
    assert_eq!(hint_for(&mut d, &good_frame()), Hint::Ready);
    assert_eq!(
        hint_for(&mut d, &RgbImage::from_pixel(W, H, Rgb([250, 250, 250]))),
        Hint::NoFace
    );
    assert_eq!(
        hint_for(&mut d, &subject_frame(ZOOM_720 * 0.6, 0.5, HEAD_Y)),
        Hint::MoveCloser
    );
    assert_eq!(
        hint_for(&mut d, &subject_frame(ZOOM_720, 0.12, HEAD_Y)),
        Hint::Centre
    );
    assert_eq!(
        hint_for(&mut d, &subject_frame(ZOOM_720, 0.5, 0.2)),
        Hint::LowerInFrame
    );
}

#[test]
fn encoding_outside_the_window_is_an_error() {
    let spec = PhotoSpec::default();
    let flat = RgbImage::from_pixel(354, 472, Rgb([240, 240, 240]));
    assert!(matches!(
        encode::within_window(&flat, &spec),
        Err(encode::EncodeError::TooSmall { .. })
    ));
    let mut noise = RgbImage::new(354, 472);
    let mut x: u32 = 1;
    for p in noise.pixels_mut() {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        *p = Rgb([(x >> 16) as u8, (x >> 8) as u8, x as u8]);
    }
    assert!(matches!(
        encode::within_window(&noise, &spec),
        Err(encode::EncodeError::TooLarge { .. })
    ));
}

#[test]
fn small_frames_are_an_error() {
    assert_eq!(
        assess(
            &mut Detector::new(),
            &RgbImage::new(320, 240),
            &PhotoSpec::default()
        )
        .err(),
        Some(PhotoError::FrameTooSmall(320, 240))
    );
}

#[test]
fn every_frame_of_the_simulated_camera_passes() {
    use crate::devices::camera::{FrameSource, sim::SimCamera};
    let mut camera = SimCamera::new(W, H).unwrap();
    let mut detector = Detector::new();
    for i in 0..16 {
        let frame = camera.next_frame().unwrap();
        let a = assess(&mut detector, &frame, &PhotoSpec::default()).unwrap();
        let failed: Vec<_> = a
            .report
            .checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| (c.id, c.value))
            .collect();
        assert!(failed.is_empty(), "frame {i}: {failed:?}");
    }
}
