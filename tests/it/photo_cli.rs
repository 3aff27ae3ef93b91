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
    assert_eq!(
        out.status.code(),
        Some(1),
        "the astronaut portrait is not a passport photo"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    assert_eq!(report["verdict"], "rejected");
    let plain = crate::run_logs::kiosk_command()
        .args(["photo", "check"])
        .arg(&astronaut)
        .output()
        .expect("run kiosk");
    let text = String::from_utf8_lossy(&plain.stdout);
    let failed = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["passed"] == false)
        .count();
    assert_eq!(
        text.lines().last().map(str::to_owned),
        Some(format!("verdict: rejected ({failed} check(s) failed)")),
        "{text}"
    );
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
    // A PNG named .jpg: the format comes from the content.
    let frame = dir.path().join("booth.jpg");
    let mut camera = kiosk::devices::camera::sim::SimCamera::new(1280, 720).expect("camera");
    kiosk::devices::camera::FrameSource::next_frame(&mut camera)
        .expect("frame")
        .save_with_format(&frame, image::ImageFormat::Png)
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
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().last(), Some("verdict: accepted"), "{text}");
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
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown profile"));
}

/// Files that give no verdict: exit status 3 (not 1, a rejection), a plain message, and with
/// `--json` exactly one object naming the error.
#[test]
fn photo_check_without_a_verdict_says_why_in_one_json_object() {
    let dir = tempfile::tempdir().expect("temp dir");
    let whole = std::fs::read(repo().join("tests/fixtures/astronaut.png")).expect("fixture");
    let mut jpeg = Vec::new();
    image::load_from_memory(&whole)
        .expect("fixture decodes")
        .to_rgb8()
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .expect("encode");
    let cut = dir.path().join("cut.jpg");
    std::fs::write(&cut, &jpeg[..jpeg.len() / 2]).expect("write");
    let text = dir.path().join("notes.jpg");
    std::fs::write(&text, "not a picture").expect("write");
    for (path, code) in [
        (cut, "damaged"),
        (text, "not-a-picture"),
        (dir.path().join("missing.jpg"), "unopenable"),
    ] {
        let out = crate::run_logs::kiosk_command()
            .args(["photo", "check", "--json"])
            .arg(&path)
            .output()
            .expect("run kiosk");
        assert_eq!(out.status.code(), Some(3), "{code}");
        let body: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{code}: one JSON object on stdout ({e})"));
        assert_eq!(body["error"]["code"], code);
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(&*path.display().to_string())),
            "{body}"
        );
        let plain = crate::run_logs::kiosk_command()
            .args(["photo", "check"])
            .arg(&path)
            .output()
            .expect("run kiosk");
        assert_eq!(plain.status.code(), Some(3));
        assert!(plain.stdout.is_empty(), "the message goes to stderr");
    }
    let out = crate::run_logs::kiosk_command()
        .args(["photo", "check", "--json", "--profile", "passport-x"])
        .arg(repo().join("tests/fixtures/astronaut.png"))
        .output()
        .expect("run kiosk");
    assert_eq!(out.status.code(), Some(2));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(body["error"]["code"], "unknown-profile");
}

/// `kiosk photo eval` on a two-picture set taken from eval/photo: a neutral face is accepted and
/// its JPEG, read back and measured from scratch, is inside the geometry; a smile with the mouth
/// open is refused by `mouth_closed`, the check that names its defect.
#[test]
fn photo_eval_counts_false_accepts_and_rejects() {
    let dir = std::env::temp_dir().join(format!("kiosk-photo-eval-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("set directory");
    for name in ["london-034-neutral.jpg", "london-064-smiling.jpg"] {
        std::fs::copy(repo().join("eval/photo").join(name), dir.join(name)).expect("copy");
    }
    std::fs::write(
        dir.join("labels.csv"),
        "file,expect,group\nlondon-034-neutral.jpg,accept,east_asian\n\
         london-064-smiling.jpg,expression,white\n",
    )
    .expect("labels");
    let out = crate::run_logs::kiosk_command()
        .args(["photo", "eval", "--json"])
        .arg(&dir)
        .output()
        .expect("run kiosk");
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let overall = &report["summary"]["overall"];
    assert_eq!(overall["compliant"], 1);
    assert_eq!(overall["false_rejects"], 0, "{report}");
    assert_eq!(overall["defective"], 1);
    assert_eq!(overall["false_accepts"], 0, "{report}");
    assert_eq!(
        report["summary"]["by_defect"]["expression"]["caught_for_its_reason"],
        1
    );
    assert_eq!(
        report["summary"]["geometry_on_file"],
        serde_json::json!([1, 1])
    );
}

/// Without `--profile`, `kiosk photo check` uses the configuration's `[photo] profile`, so a
/// technician at a blue-background site checks against the blue profile; a configuration that
/// does not load is refused (exit 2), not replaced by the default.
#[test]
fn photo_check_takes_the_profile_from_the_configuration() {
    let dir = std::env::temp_dir().join(format!("kiosk-photo-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("directory");
    let demo = std::fs::read_to_string(repo().join("kiosk.toml")).expect("kiosk.toml");
    let blue = demo.replacen(
        "profile = \"exit-entry\"",
        "profile = \"exit-entry-blue\"",
        1,
    );
    assert_ne!(blue, demo, "kiosk.toml names the photo profile");
    std::fs::write(dir.join("blue.toml"), blue).expect("config");
    std::fs::write(dir.join("bad.toml"), "[photo]\nprofile = 5\n").expect("config");
    let picture = repo().join("eval/photo/london-034-neutral.jpg");
    let run = |config: &str| {
        crate::run_logs::kiosk_command()
            .arg("-c")
            .arg(dir.join(config))
            .args(["photo", "check", "--json"])
            .arg(&picture)
            .output()
            .expect("run kiosk")
    };
    let out = run("blue.toml");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["spec"], "exit-entry-blue");
    let out = run("bad.toml");
    assert_eq!(out.status.code(), Some(2));
    let error: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(error["error"]["code"], "bad-config");
    std::fs::remove_dir_all(&dir).ok();
}
