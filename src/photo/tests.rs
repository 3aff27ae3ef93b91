//! The pipeline on the demo subject and synthetic variants: each check gives the expected
//! verdict, and the final file has the spec's exact geometry and JPEG properties.

use image::{Rgb, RgbImage, imageops};

use super::*;
use crate::devices::camera::sim::{BACKDROP, HEAD_Y, booth_subject, frame_with_subject};

const W: u32 = 1280;
const H: u32 = 720;

fn subject_frame(zoom: f32, x: f32, y: f32) -> RgbImage {
    frame_with_subject(&booth_subject().unwrap(), W, H, zoom, x, y)
}

fn good_frame() -> RgbImage {
    subject_frame(2.35, 0.5, HEAD_Y)
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
    let one = frame_with_subject(&subject, W / 2, H, 1.1, 0.5, 0.4);
    let mut frame = RgbImage::new(W, H);
    imageops::overlay(&mut frame, &one, 0, 0);
    imageops::overlay(&mut frame, &one, (W / 2) as i64, 0);
    let a = run(&frame, &PhotoSpec::default());
    assert_eq!(failed(&a), ["face_count"]);
    assert!(a.report.checks[0].value >= 2.0);
}

#[test]
fn too_far_and_off_centre_say_what_to_do() {
    let far = run(&subject_frame(1.4, 0.5, HEAD_Y), &PhotoSpec::default());
    assert!(failed(&far).contains(&"head_height"), "{:?}", failed(&far));
    assert_eq!(
        far.report.first_failure().unwrap().advice,
        crate::photo::Advice::MoveCloser
    );
    let edge = run(&subject_frame(2.35, 0.12, HEAD_Y), &PhotoSpec::default());
    let f = failed(&edge);
    assert!(f.contains(&"crop") && f.contains(&"centred"), "{f:?}");
}

#[test]
fn dark_and_overexposed_faces_fail_exposure() {
    let dark = imageops::colorops::brighten(&good_frame(), -110);
    let f = failed(&run(&dark, &PhotoSpec::default()));
    assert!(
        f.contains(&"face_luminance") || f.contains(&"underexposed"),
        "{f:?}"
    );
    let bright = imageops::colorops::brighten(&good_frame(), 95);
    let f = failed(&run(&bright, &PhotoSpec::default()));
    assert!(
        f.contains(&"overexposed") || f.contains(&"face_luminance"),
        "{f:?}"
    );
}

#[test]
fn backgrounds_grey_gradient_blue_and_busy() {
    let gradient = repaint(good_frame(), |x, _| {
        let v = 150 + (x * 100 / W) as u8;
        Rgb([v, v, v])
    });
    let f = failed(&run(&gradient, &PhotoSpec::default()));
    assert!(
        f.contains(&"background_colour") || f.contains(&"background_uniform"),
        "{f:?}"
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

    // The original portrait: flag and shuttle behind her.
    let portrait = image::load_from_memory(include_bytes!("../../assets/demo/portrait.png"))
        .unwrap()
        .to_rgb8();
    let busy = imageops::resize(&portrait, 1536, 1536, imageops::FilterType::Triangle);
    let frame = imageops::crop_imm(&busy, 128, 0, W, H).to_image();
    let f = failed(&run(&frame, &PhotoSpec::default()));
    assert!(f.iter().any(|id| id.starts_with("background")), "{f:?}");
}

#[test]
fn blur_fails_sharpness_and_the_burst_keeps_the_sharpest() {
    let sharp = good_frame();
    let blurred = imageops::blur(&sharp, 3.0);
    assert!(failed(&run(&blurred, &PhotoSpec::default())).contains(&"sharpness"));
    assert_eq!(sharpest(&[blurred.clone(), sharp, blurred]), Some(1));
}

#[test]
fn hints_follow_the_applicant() {
    let mut d = Detector::new();
    let spec = PhotoSpec::default();
    let hint_for = |d: &mut Detector, f: &RgbImage| hint(&d.detect(f), f, &spec);
    assert_eq!(hint_for(&mut d, &good_frame()), Hint::Ready);
    assert_eq!(
        hint_for(&mut d, &RgbImage::from_pixel(W, H, Rgb([250, 250, 250]))),
        Hint::NoFace
    );
    assert_eq!(
        hint_for(&mut d, &subject_frame(1.4, 0.5, HEAD_Y)),
        Hint::MoveCloser
    );
    assert_eq!(
        hint_for(&mut d, &subject_frame(2.35, 0.12, HEAD_Y)),
        Hint::Centre
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

#[test]
fn a_turned_face_is_asked_to_look_straight() {
    // Darken one side of the face region: what a head turned away from the light looks like to
    // the symmetry proxy.
    let mut frame = good_frame();
    let mut d = Detector::new();
    let face = d.detect(&frame)[0];
    let (x0, y0) = (face.x as u32, face.y as u32);
    for y in y0..y0 + face.height as u32 {
        for x in x0 + face.width as u32 / 2..x0 + face.width as u32 {
            let p = frame.get_pixel_mut(x, y);
            p.0 = p.0.map(|c| (c as f32 * 0.45) as u8);
        }
    }
    let spec = PhotoSpec::default();
    assert_eq!(hint(&d.detect(&frame), &frame, &spec), Hint::LookStraight);
    assert!(failed(&run(&frame, &spec)).contains(&"pose"));
}
