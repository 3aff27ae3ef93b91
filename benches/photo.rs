//! Photo budgets (issue 13): a 1280×720 frame → measured, cropped, re-measured, checked and
//! encoded photo ≤ 150 ms; live hints (detection, face mesh, segmentation) ≥ 10 frames/s. Run
//! with `cargo bench --no-default-features --bench photo`; results in docs/BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use kiosk::devices::camera::FrameSource;
use kiosk::devices::camera::sim::SimCamera;
use kiosk::photo::{Detector, PhotoSpec, assess, encode, hint, measure};

fn photo(c: &mut Criterion) {
    let frame = SimCamera::new(1280, 720)
        .expect("camera")
        .next_frame()
        .expect("frame");
    let spec = PhotoSpec::default();
    let mut detector = Detector::new();
    let a = assess(&mut detector, &frame, &spec).expect("assess");
    assert!(a.report.passed(), "the benchmark frame must pass");
    println!(
        "photo: {} bytes at quality {:?}",
        a.photo.as_ref().map_or(0, |p| p.jpeg.len()),
        a.report.quality
    );
    c.bench_function("frame to checked, cropped, encoded photo (1280x720)", |b| {
        b.iter(|| assess(&mut detector, &frame, &spec).expect("assess"))
    });
    // The parts, to see where the time goes.
    let face = detector.detect(&frame)[0];
    c.bench_function("part: face detection (1280x720 scaled to 480)", |b| {
        b.iter(|| detector.detect(&frame))
    });
    c.bench_function("part: measure (face mesh twice, segmentation)", |b| {
        b.iter(|| measure::measure(&frame, measure::start_region(&face)).expect("measure"))
    });
    let photo = a.cropped.as_ref().expect("the photo");
    c.bench_function("part: JPEG into the size window", |b| {
        b.iter(|| encode::within_window(photo, &spec).expect("encode"))
    });
    c.bench_function("preview detection and hint (1280x720)", |b| {
        b.iter(|| hint(&detector.detect(&frame), &frame, &spec).expect("hint"))
    });
}

criterion_group!(benches, photo);
criterion_main!(benches);
