//! Cameras: the V4L2 adapter on a machine without a camera fails cleanly, and a kiosk whose
//! camera cannot be opened tells the applicant to ask staff.

use kiosk::devices::camera::CameraError;
use kiosk::ui::{NoticeKind, SessionAdapter};
use slint::ComponentHandle;

use crate::support::demo_kiosk_with_camera;

#[test]
fn a_missing_v4l_camera_is_an_error_not_a_panic() {
    let missing = (0..64)
        .map(|i| format!("/dev/video{i}"))
        .find(|p| !std::path::Path::new(p).exists())
        .expect("a free index");
    assert!(matches!(
        kiosk::devices::camera::v4l::V4lCamera::open(&missing),
        Err(CameraError::Unavailable(_))
    ));
    assert!(matches!(
        kiosk::devices::camera::v4l::V4lCamera::open("camera"),
        Err(CameraError::Unavailable(_))
    ));
    let out = crate::run_logs::kiosk_command()
        .args(["camera", "list"])
        .output()
        .expect("run kiosk");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !std::path::Path::new("/dev/video0").exists() {
        assert!(
            !out.status.success() && text.contains("no cameras found"),
            "{text}"
        );
    }
}

#[test]
fn a_camera_that_cannot_open_sends_the_applicant_to_staff() {
    let k = demo_kiosk_with_camera(Box::new(|| {
        Err(CameraError::Unavailable(
            "/dev/video0: No such file or directory".into(),
        ))
    }));
    k.walk_to_photo();
    k.wait_until("the camera notice", |k| {
        k.window().global::<SessionAdapter>().get_notice() == NoticeKind::CameraUnavailable
    });
    assert!(k.label("notice").contains("工作人员"));
}
