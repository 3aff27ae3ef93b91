//! Holder check budget (issue 18): camera frame → verdict ≤ 100 ms per frame. Per frame the
//! liveness challenge needs the face's pose (the mesh on the followed face; detection only when
//! it is lost); once, on the best frame, the descriptor (chip and ResNet) and the comparison. Run
//! with `cargo bench --no-default-features --features camera-v4l,dev --bench face`; results in
//! docs/BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use kiosk::devices::camera::FrameSource;
use kiosk::devices::camera::sim::SimCamera;
use kiosk::face::descriptor::{describe, of_landmarks};
use kiosk::face::liveness::Pose;
use kiosk::face::track::Tracker;
use kiosk::face::verify::{DEFAULT_THRESHOLD, compare};
use kiosk::photo::Detector;

fn face(c: &mut Criterion) {
    let frame = SimCamera::new(1280, 720)
        .expect("camera")
        .next_frame()
        .expect("frame");
    let mut detector = Detector::new();
    let reference = describe(&mut detector, &frame).expect("a face").descriptor;
    let mut tracker = Tracker::new();
    tracker.next(&frame).expect("mesh").expect("a face");
    c.bench_function("frame to pose, face followed (1280x720)", |b| {
        b.iter(|| Pose::of(tracker.next(&frame).expect("mesh").expect("a face")))
    });
    c.bench_function(
        "frame to pose, face found by the detector (1280x720)",
        |b| {
            b.iter(|| {
                tracker.reset();
                Pose::of(tracker.next(&frame).expect("mesh").expect("a face"))
            })
        },
    );
    let landmarks = tracker.next(&frame).expect("mesh").expect("a face").clone();
    c.bench_function("frame to verdict: chip, descriptor, comparison", |b| {
        b.iter(|| {
            let live = of_landmarks(&frame, &landmarks).expect("descriptor");
            compare(&reference, &live, DEFAULT_THRESHOLD)
        })
    });
}

criterion_group!(benches, face);
criterion_main!(benches);
