//! The RAUC adapter, over `rauc`'s command line (RAUC 1.8 as Debian packages it): `rauc status
//! --detailed --output-format=json` for the booted slot, `rauc status mark-good|mark-bad booted`
//! for the verdict. Both talk to `rauc service` on the system D-Bus (RAUC's documented
//! interface; deploy/rauc has the service unit and bus policy Debian does not ship).

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use super::engine::{BootedSlot, UpdateEngine, UpdateError, Verdict};

/// `rauc` run as a child process.
pub struct RaucCli {
    program: PathBuf,
    /// The system bus address, when not the machine's (tests run a private bus).
    bus: Option<String>,
}

impl RaucCli {
    /// `rauc` from `PATH` on the machine's system bus.
    pub fn new() -> RaucCli {
        RaucCli {
            program: "rauc".into(),
            bus: None,
        }
    }

    /// `rauc` talking to the service on the bus at `address` (`unix:path=…`).
    pub fn on_bus(address: &str) -> RaucCli {
        RaucCli {
            program: "rauc".into(),
            bus: Some(address.into()),
        }
    }

    fn run(&self, args: &[&str]) -> Result<String, UpdateError> {
        let mut cmd = Command::new(&self.program);
        cmd.args(args);
        if let Some(bus) = &self.bus {
            cmd.env("DBUS_SYSTEM_BUS_ADDRESS", bus);
        }
        let out = cmd
            .output()
            .map_err(|e| UpdateError::Unavailable(format!("{}: {e}", self.program.display())))?;
        if !out.status.success() {
            let said = String::from_utf8_lossy(&out.stderr);
            let line = said.lines().last().unwrap_or("").trim().to_string();
            return Err(if line.contains("D-Bus") || line.contains("connect") {
                UpdateError::Unavailable(line)
            } else {
                UpdateError::Refused(line)
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Default for RaucCli {
    fn default() -> Self {
        RaucCli::new()
    }
}

impl UpdateEngine for RaucCli {
    fn booted(&self) -> Result<BootedSlot, UpdateError> {
        let json = self.run(&["status", "--detailed", "--output-format=json"])?;
        booted_slot(&json)
    }

    fn mark(&self, verdict: Verdict) -> Result<(), UpdateError> {
        let what = match verdict {
            Verdict::Good => "mark-good",
            Verdict::Bad => "mark-bad",
        };
        self.run(&["status", what, "booted"]).map(|_| ())
    }
}

/// The booted slot from `rauc status --detailed --output-format=json`: `booted` is the
/// bootname, `boot_primary` the slot name the bootloader tries first, `slots` a list of
/// one-entry objects (slot name → its status, `slot_status` with the bundle and activation).
pub fn booted_slot(json: &str) -> Result<BootedSlot, UpdateError> {
    let status: Value =
        serde_json::from_str(json).map_err(|e| UpdateError::Answer(e.to_string()))?;
    let bootname = status["booted"]
        .as_str()
        .filter(|b| !b.is_empty())
        .ok_or_else(|| {
            UpdateError::Answer("no booted slot (rauc.slot= on the kernel command line?)".into())
        })?
        .to_string();
    let slots: Vec<(&String, &Value)> = status["slots"]
        .as_array()
        .ok_or_else(|| UpdateError::Answer("no slots".into()))?
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|o| o.iter())
        .collect();
    let (name, slot) = slots
        .iter()
        .find(|(_, s)| s["bootname"].as_str() == Some(bootname.as_str()))
        .ok_or_else(|| UpdateError::Answer(format!("no slot with bootname {bootname}")))?;
    let detail = &slot["slot_status"];
    let installation = format!(
        "{} activated {} ({} activations)",
        detail["bundle"]["version"]
            .as_str()
            .unwrap_or("unknown version"),
        detail["activated"]["timestamp"].as_str().unwrap_or("never"),
        detail["activated"]["count"].as_u64().unwrap_or(0),
    );
    let primary = status["boot_primary"].as_str().unwrap_or_default();
    let fell_back = !primary.is_empty()
        && primary != name.as_str()
        && slots
            .iter()
            .any(|(n, s)| n.as_str() == primary && s["boot_status"].as_str() == Some("bad"));
    Ok(BootedSlot {
        bootname,
        installation,
        fell_back,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RAUC 1.8's answer on a machine that fell back from slot B to A (shape as it prints it).
    const FELL_BACK: &str = r#"{"compatible":"k","variant":"","booted":"A","boot_primary":"rootfs.1","slots":[
        {"rootfs.1":{"class":"rootfs","bootname":"B","state":"inactive","boot_status":"bad",
          "slot_status":{"bundle":{"version":"2.0"},"activated":{"timestamp":"2026-12-01T10:00:00Z","count":1}}}},
        {"rootfs.0":{"class":"rootfs","bootname":"A","state":"booted","boot_status":"good",
          "slot_status":{"bundle":{"version":"1.0"},"activated":{"timestamp":"2026-11-01T10:00:00Z","count":3}}}}]}"#;

    #[test]
    fn the_booted_slot_and_a_fallback_are_read_from_the_status() {
        let b = booted_slot(FELL_BACK).expect("status");
        assert_eq!(b.bootname, "A");
        assert_eq!(
            b.installation,
            "1.0 activated 2026-11-01T10:00:00Z (3 activations)"
        );
        assert!(b.fell_back);
        let normal = FELL_BACK.replace(
            r#""boot_primary":"rootfs.1""#,
            r#""boot_primary":"rootfs.0""#,
        );
        assert!(!booted_slot(&normal).expect("status").fell_back);
    }

    #[test]
    fn an_answer_without_a_booted_slot_is_an_error_not_a_guess() {
        let none = FELL_BACK.replace(r#""booted":"A""#, r#""booted":"""#);
        assert!(matches!(booted_slot(&none), Err(UpdateError::Answer(_))));
        assert!(matches!(
            booted_slot("Booted from: A"),
            Err(UpdateError::Answer(_))
        ));
        let unknown = FELL_BACK.replace(r#""booted":"A""#, r#""booted":"C""#);
        assert!(matches!(booted_slot(&unknown), Err(UpdateError::Answer(_))));
    }
}
