//! The desktop build under the kiosk compositor `cage`, headless (wlroots' headless backend and
//! pixman renderer: no GPU, no seat), as an unprivileged user: the kiosk binary starts on the
//! demo configuration, says READY, and what cage shows (`grim`, wlr-screencopy) is what the
//! kiosk's renderer draws for the same configuration in this process.

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use slint::ComponentHandle;

/// cage refuses to run as root; `nobody` has no rights the test needs to take away.
const NOBODY: &str = "65534";
/// cage 0.1.4's headless output.
const SIZE: (u32, u32) = (1280, 720);

/// A headless cage whose only client is a placeholder; stopping the placeholder stops cage.
struct Cage {
    cage: Child,
    placeholder: std::path::PathBuf,
}

impl Cage {
    fn start(runtime: &Path) -> Cage {
        let placeholder = runtime.join("placeholder.pid");
        let cage = Command::new("setpriv")
            .args([
                &format!("--reuid={NOBODY}"),
                &format!("--regid={NOBODY}"),
                "--clear-groups",
                "env",
                "-i",
                "PATH=/usr/bin:/bin",
            ])
            .arg(format!("XDG_RUNTIME_DIR={}", runtime.display()))
            .args([
                "WLR_BACKENDS=headless",
                "WLR_LIBINPUT_NO_DEVICES=1",
                "WLR_RENDERER=pixman",
                // No X11 clients: do not look for Xwayland.
                "WLR_XWAYLAND=/bin/true",
                "cage",
                "-d",
                "--",
                "sh",
                "-c",
            ])
            .arg(format!(
                "echo $$ > {}; exec sleep 600",
                placeholder.display()
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cage (make deps-test installs it)");
        wait_for("cage's socket", || {
            runtime.join("wayland-0").exists() && placeholder.exists()
        });
        Cage { cage, placeholder }
    }
}

impl Drop for Cage {
    fn drop(&mut self) {
        // Its last client gone, cage exits cleanly (a signal to cage itself aborts it).
        if let Ok(pid) = std::fs::read_to_string(&self.placeholder) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.cage.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.cage.kill();
        let _ = self.cage.wait();
    }
}

fn wait_for(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The demo configuration with its own data directory and PKI under `dir`, pointing at a
/// central that is not there (the kiosk is offline-first).
fn demo_config(dir: &Path) -> std::path::PathBuf {
    kiosk::dev::pki::write_dev_pki(&dir.join("var/pki"), &["DEMO01"]).expect("pki");
    let text = std::fs::read_to_string(crate::support::repo().join("kiosk.toml"))
        .expect("kiosk.toml")
        .replace("https://127.0.0.1:8787", "https://127.0.0.1:9");
    let file = dir.join("kiosk.toml");
    std::fs::write(&file, text).expect("config");
    file
}

#[test]
fn the_desktop_build_under_cage_shows_what_the_kiosk_draws() {
    let dir = tempfile::tempdir().expect("dir");
    // nobody must reach its runtime directory inside the test's.
    Command::new("chmod")
        .arg("755")
        .arg(dir.path())
        .status()
        .expect("chmod");
    let runtime = dir.path().join("run");
    std::fs::create_dir(&runtime).expect("runtime");
    let owned = Command::new("chown")
        .arg(format!("{NOBODY}:{NOBODY}"))
        .arg(&runtime)
        .status()
        .expect("chown");
    assert!(owned.success(), "the test runs as root (make test does)");
    Command::new("chmod")
        .arg("700")
        .arg(&runtime)
        .status()
        .expect("chmod");
    let cage = Cage::start(&runtime);

    let kiosk_dir = dir.path().join("kiosk");
    let config = demo_config(&kiosk_dir);
    let notify = dir.path().join("notify");
    let socket = UnixDatagram::bind(&notify).expect("notify socket");
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let started = Instant::now();
    let mut kiosk = crate::run_logs::kiosk_command()
        .arg("--config")
        .arg(&config)
        .arg("run")
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("WAYLAND_DISPLAY", "wayland-0")
        .env("SLINT_BACKEND", "winit-software")
        .env("NOTIFY_SOCKET", &notify)
        .stderr(Stdio::null())
        .spawn()
        .expect("kiosk");
    let mut buf = [0u8; 256];
    let ready = loop {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "no READY=1 from the kiosk under cage"
        );
        if let Ok(Some(status)) = kiosk.try_wait() {
            panic!("the kiosk exited under cage: {status}");
        }
        if let Ok(n) = socket.recv(&mut buf)
            && String::from_utf8_lossy(&buf[..n]).contains("READY=1")
        {
            break started.elapsed();
        }
    };
    eprintln!(
        "cold start to READY under cage (debug build): {} ms",
        ready.as_millis()
    );
    // READY is the first frame; give the frames after it (fonts, the sync status) a moment.
    std::thread::sleep(Duration::from_secs(2));
    let shot = runtime.join("shot.png");
    let grabbed = Command::new("setpriv")
        .args([
            &format!("--reuid={NOBODY}"),
            &format!("--regid={NOBODY}"),
            "--clear-groups",
        ])
        .arg("env")
        .arg(format!("XDG_RUNTIME_DIR={}", runtime.display()))
        .args(["WAYLAND_DISPLAY=wayland-0", "grim"])
        .arg(&shot)
        .output()
        .expect("grim (make deps-test installs it)");
    assert!(
        grabbed.status.success(),
        "grim: {}",
        String::from_utf8_lossy(&grabbed.stderr)
    );
    let _ = kiosk.kill();
    let _ = kiosk.wait();
    drop(cage);
    let on_screen = image::open(&shot).expect("screenshot").to_rgba8();
    assert_eq!(on_screen.dimensions(), SIZE, "cage's headless output");
    // Something is drawn: not one colour (cage's own background is black).
    let corner = *on_screen.get_pixel(0, 0);
    let drawn_on = on_screen.pixels().filter(|p| **p != corner).count();
    assert!(
        drawn_on > (SIZE.0 * SIZE.1 / 20) as usize,
        "the screen is nearly blank: {drawn_on} pixels differ from the corner"
    );

    // The same configuration (its own copy of the data) drawn by the kiosk's renderer here.
    let twin_dir = dir.path().join("twin");
    let running = crate::support::kiosk_from_config(&demo_config(&twin_dir), SIZE);
    let drawn = running.window.window().take_snapshot().expect("frame");
    let drawn =
        image::RgbaImage::from_raw(drawn.width(), drawn.height(), drawn.as_bytes().to_vec())
            .expect("pixels");
    let differing = crate::support::differing_pixels(&on_screen, &drawn);
    let share = differing as f64 / f64::from(SIZE.0 * SIZE.1);
    eprintln!("cage's screen vs the kiosk's own rendering: {differing} pixels differ");
    if share > 0.005 {
        let _ = drawn.save(dir.path().join("drawn.png"));
        let kept = std::env::temp_dir().join("kiosk-compositor-test");
        let _ = std::fs::create_dir_all(&kept);
        let _ = std::fs::copy(&shot, kept.join("on-screen.png"));
        let _ = drawn.save(kept.join("drawn.png"));
        panic!(
            "{differing} pixels ({:.2}%) differ between cage's screen and the kiosk's own \
             rendering; both kept in {}",
            share * 100.0,
            kept.display()
        );
    }
}
