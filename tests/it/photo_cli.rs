//! `kiosk photo check` on the committed fixture (see tests/fixtures/README.md) and on the demo
//! subject: correct verdicts, exit codes and the final file.

use crate::support::repo;

#[test]
fn photo_check_verdicts_on_the_fixtures() {
    let astronaut = repo().join("tests/fixtures/astronaut.png");
    let out = crate::run_logs::kiosk_command()
        .args(["photo", "check", "--json"])
        .arg(&astronaut)
        .output()
        .expect("run kiosk");
    assert!(
        !out.status.success(),
        "the astronaut portrait is not a passport photo"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let verdict = |id: &str| {
        report["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["passed"].as_bool())
    };
    assert_eq!(verdict("face_count"), Some(Some(true)), "one face found");
    assert_eq!(
        verdict("background_colour"),
        Some(Some(false)),
        "flag and shuttle behind her"
    );
    assert_eq!(
        verdict("head_height"),
        Some(Some(false)),
        "too small in a 512-pixel picture"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let frame = dir.path().join("booth.png");
    let mut camera = kiosk::devices::camera::sim::SimCamera::new(1280, 720).expect("camera");
    kiosk::devices::camera::FrameSource::next_frame(&mut camera)
        .expect("frame")
        .save(&frame)
        .expect("save");
    let photo = dir.path().join("photo.jpg");
    let out = crate::run_logs::kiosk_command()
        .args(["photo", "check"])
        .arg(&frame)
        .arg("--out")
        .arg(&photo)
        .output()
        .expect("run kiosk");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let jpeg = std::fs::read(&photo).expect("photo written");
    assert!(
        (40 * 1024..=45 * 1024).contains(&jpeg.len()),
        "{} bytes",
        jpeg.len()
    );
    let out = crate::run_logs::kiosk_command()
        .args(["photo", "check", "--profile", "passport-x"])
        .arg(&frame)
        .output()
        .expect("run kiosk");
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("unknown profile")
    );
}
