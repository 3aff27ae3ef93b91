//! `kiosk out-of-service`: the screen systemd starts once `kiosk.service` has stopped
//! restarting (deploy/kiosk-out-of-service.service). It opens no store and no device — whatever
//! broke the kiosk must not break this too — and reads the configuration only for the kiosk's
//! name, showing the screen even when the file is what broke.

use std::path::Path;
use std::process::ExitCode;

use crate::ui;

/// Shows the out-of-service screen until systemd stops it (when the kiosk is started again).
pub fn run(file: &Path) -> ExitCode {
    let (id, site) = kiosk_name(file);
    tracing::error!(
        device = %id,
        "kiosk.service stopped restarting; the screen says out of service. Read \
         `journalctl -u kiosk`, fix the cause, then `systemctl reset-failed kiosk && systemctl \
         start kiosk`"
    );
    let window = match named(id, site) {
        Ok(w) => w,
        Err(e) => {
            tracing::error!("cannot open the window: {e}");
            return ExitCode::FAILURE;
        }
    };
    let _supervision = ui::systemd::supervise(&window, || {});
    super::run_window(&window)
}

/// The window, named after the kiosk `file` configures (unnamed when it cannot be read).
pub fn window(file: &Path) -> Result<ui::OutOfServiceWindow, slint::PlatformError> {
    let (id, site) = kiosk_name(file);
    named(id, site)
}

/// The window, naming kiosk `id` at `site` (empty: unnamed).
fn named(id: String, site: String) -> Result<ui::OutOfServiceWindow, slint::PlatformError> {
    let window = ui::OutOfServiceWindow::new()?;
    window.set_device_id(id.into());
    window.set_site_name(site.into());
    Ok(window)
}

/// `[device] id` and `site_name` as written, without the configuration's rules: a file that
/// breaks a rule (which may be why the kiosk stopped) still names the kiosk for staff.
fn kiosk_name(file: &Path) -> (String, String) {
    let table = std::fs::read_to_string(file)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok());
    let field = |key: &str| {
        table
            .as_ref()
            .and_then(|t| t.get("device"))
            .and_then(|d| d.get(key))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let name = (field("id"), field("site_name"));
    if name.0.is_empty() {
        tracing::warn!(
            "out-of-service screen: no [device] id in {}, the kiosk is not named",
            file.display()
        );
    }
    name
}
