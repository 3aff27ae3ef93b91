//! The update health gate against RAUC itself (Debian's rauc 1.8): a private system bus with the
//! project's bus policy (deploy/rauc), `rauc service` on a two-slot configuration whose
//! bootloader is a script keeping the boot state in files (RAUC's `custom` backend), bundles made
//! by the project's recipe (deploy/rauc/make-bundle) and signed by a CA made here, installed with
//! `rauc install`. A reboot is a new `rauc service` told which slot booted, chosen as GRUB does
//! in RAUC's scheme (deploy/rauc/grub.cfg): the primary slot unless it is marked bad or its
//! last boot was never confirmed (each boot is a try; marking the slot good clears it).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kiosk::update::rauc::RaucCli;
use kiosk::update::{Gate, Health, UpdateEngine, Verdict};

const BACKEND: &str = r#"#!/bin/sh
# RAUC's custom bootloader backend: the boot state in files beside this script.
S=$(dirname "$0")/boot
mkdir -p "$S"
echo "$*" >> "$S/calls.log"
case "$1" in
  get-primary) cat "$S/primary" 2>/dev/null || echo A ;;
  set-primary) echo "$2" > "$S/primary"; echo good > "$S/state.$2"; rm -f "$S/try.$2" ;;
  get-state) cat "$S/state.$2" 2>/dev/null || echo good ;;
  set-state) echo "$3" > "$S/state.$2"; rm -f "$S/try.$2" ;;
  *) exit 1 ;;
esac
"#;

/// Who the kiosk runs as in the lab, and another unprivileged user.
const KIOSK_USER: &str = "nobody";
const OTHER_USER: &str = "daemon";

struct Lab {
    dir: tempfile::TempDir,
    bus: Child,
    service: Option<Child>,
}

impl Lab {
    fn new() -> Lab {
        for tool in ["rauc", "dbus-daemon", "mksquashfs", "openssl", "setpriv"] {
            assert!(
                Command::new("sh")
                    .args(["-c", &format!("command -v {tool}")])
                    .output()
                    .is_ok_and(|o| o.status.success()),
                "{tool} is missing: make deps-test installs it"
            );
        }
        let dir = tempfile::tempdir().expect("dir");
        let d = dir.path();
        let backend = d.join("backend.sh");
        std::fs::write(&backend, BACKEND).expect("backend");
        sh(&format!(
            "chmod 755 {0}; truncate -s 4M {1}/slotA.img {1}/slotB.img; mkdir -p {1}/mnt {1}/data {1}/system.d",
            backend.display(),
            d.display()
        ));
        // The shipped policy, with `nobody` standing in for the kiosk's user (a test machine
        // need not have a `kiosk` user; `nobody` exists everywhere and has no other rights).
        let policy = std::fs::read_to_string(
            crate::support::repo().join("deploy/rauc/de.pengutronix.rauc.conf"),
        )
        .expect("policy");
        assert_eq!(policy.matches(r#"user="kiosk""#).count(), 1, "{policy}");
        std::fs::write(
            d.join("system.d/de.pengutronix.rauc.conf"),
            policy.replace(r#"user="kiosk""#, &format!(r#"user="{KIOSK_USER}""#)),
        )
        .expect("policy");
        make_pki(d);
        std::fs::write(
            d.join("system.conf"),
            format!(
                "[system]\ncompatible=exit-entry-kiosk-x86_64\nbootloader=custom\n\
                 mountprefix={0}/mnt\ndata-directory={0}/data\n\n[keyring]\npath={0}/ca.pem\n\n\
                 [handlers]\nbootloader-custom-backend={0}/backend.sh\n\n\
                 [slot.rootfs.0]\ndevice={0}/slotA.img\ntype=raw\nbootname=A\n\n\
                 [slot.rootfs.1]\ndevice={0}/slotB.img\ntype=raw\nbootname=B\n",
                d.display()
            ),
        )
        .expect("system.conf");
        std::fs::write(
            d.join("bus.conf"),
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={0}/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <includedir>{0}/system.d</includedir>
</busconfig>
"#,
                d.display()
            ),
        )
        .expect("bus.conf");
        let bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", d.join("bus.conf").display()))
            .arg("--nofork")
            .stdout(Stdio::null())
            .spawn()
            .expect("dbus-daemon");
        wait_for("the private bus", || d.join("bus").exists());
        Lab {
            dir,
            bus,
            service: None,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn address(&self) -> String {
        format!("unix:path={}", self.path("bus").display())
    }

    fn rauc(&self) -> RaucCli {
        RaucCli::on_bus(&self.address())
    }

    /// Boot state the bootloader script keeps: the primary slot, a slot's state.
    fn boot_file(&self, name: &str) -> String {
        std::fs::read_to_string(self.path("boot").join(name))
            .unwrap_or_default()
            .trim()
            .to_string()
    }

    /// Restarts the machine: the bootloader boots the primary slot unless it is marked bad or
    /// its last boot is an unconfirmed try, and counts this boot as a try of the slot it boots;
    /// RAUC's service starts knowing which slot booted. Returns the slot booted.
    fn reboot(&mut self) -> String {
        self.stop_service();
        let primary = match self.boot_file("primary").as_str() {
            "" => "A".to_string(),
            p => p.to_string(),
        };
        let other = if primary == "A" { "B" } else { "A" };
        let tried = self.path("boot").join(format!("try.{primary}")).exists();
        let booted = if self.boot_file(&format!("state.{primary}")) == "bad" || tried {
            other.to_string()
        } else {
            primary
        };
        std::fs::create_dir_all(self.path("boot")).expect("boot dir");
        std::fs::write(self.path("boot").join(format!("try.{booted}")), "1").expect("try");
        let service = Command::new("rauc")
            .arg(format!("--conf={}", self.path("system.conf").display()))
            .args(["service", &format!("--override-boot-slot={booted}")])
            .env("DBUS_SYSTEM_BUS_ADDRESS", self.address())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("rauc service");
        self.service = Some(service);
        let rauc = self.rauc();
        wait_for("rauc service", || rauc.booted().is_ok());
        booted
    }

    fn install(&self, version: &str) {
        run(Command::new("rauc")
            .arg("install")
            .arg(self.bundle(version))
            .env("DBUS_SYSTEM_BUS_ADDRESS", self.address()));
    }

    /// A bundle of `version` signed with the fleet's key, by the project's recipe.
    fn bundle(&self, version: &str) -> PathBuf {
        let image = self.path("rootfs.img");
        std::fs::write(&image, format!("kiosk root file system {version}")).expect("image");
        let bundle = self.path(&format!("kiosk-{version}.raucb"));
        let d = self.dir.path();
        run(
            Command::new(crate::support::repo().join("deploy/rauc/make-bundle")).args([
                image.as_os_str(),
                version.as_ref(),
                d.join("signing.pem").as_os_str(),
                d.join("signing.key").as_os_str(),
                d.join("ca.pem").as_os_str(),
                bundle.as_os_str(),
                "plain".as_ref(),
            ]),
        );
        bundle
    }

    /// `rauc` run as the unprivileged `user`, on the lab's bus.
    fn rauc_as(&self, user: &str, args: &[&str]) -> std::process::Output {
        Command::new("setpriv")
            .args([
                &format!("--reuid={user}"),
                // nobody's group, whatever the distribution calls it (nogroup, nobody).
                "--regid=65534",
                "--clear-groups",
                "rauc",
            ])
            .args(args)
            .env("DBUS_SYSTEM_BUS_ADDRESS", self.address())
            .output()
            .expect("setpriv")
    }

    fn gate(&self, limit: Duration) -> Gate {
        Gate {
            engine: Box::new(self.rauc()),
            verdicts: self.path("update-verdicts"),
            limit,
        }
    }

    fn stop_service(&mut self) {
        if let Some(mut s) = self.service.take() {
            let _ = s.kill();
            let _ = s.wait();
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.stop_service();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

/// The fleet's update CA and a signing certificate from it (ECDSA P-256).
fn make_pki(d: &Path) {
    sh(&format!(
        "cd {} && \
         openssl ecparam -name prime256v1 -genkey -noout -out ca.key && \
         openssl req -x509 -new -key ca.key -sha256 -days 30 -subj '/CN=test fleet update CA' \
           -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign -out ca.pem && \
         openssl ecparam -name prime256v1 -genkey -noout -out signing.key && \
         openssl req -new -key signing.key -subj '/CN=test kiosk update signing' -out signing.csr && \
         printf 'basicConstraints=critical,CA:FALSE\\nkeyUsage=critical,digitalSignature\\n' > signing.ext && \
         openssl x509 -req -in signing.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
           -sha256 -extfile signing.ext -out signing.pem",
        d.display()
    ));
}

fn sh(script: &str) {
    run(Command::new("sh").args(["-c", script]));
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("command");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn wait_for(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn healthy(ack: bool) -> impl Fn() -> Health + Send + 'static {
    move || Health {
        ready: true,
        store_problem: None,
        heartbeat_acknowledged: ack,
    }
}

#[test]
fn a_new_slot_is_kept_only_when_healthy_and_a_failed_one_falls_back() {
    let mut lab = Lab::new();
    assert_eq!(lab.reboot(), "A");
    let gate = lab.gate(Duration::from_secs(900));
    let (first, given) = gate.booted().expect("status");
    assert_eq!(given, None, "A has had no verdict");
    assert_eq!(first.bootname, "A");
    gate.conclude(&first, Verdict::Good).expect("mark good");
    assert_eq!(lab.boot_file("state.A"), "good");
    assert_eq!(
        gate.booted().expect("status").1,
        Some(Some(Verdict::Good)),
        "A's verdict is kept"
    );

    // An update the kiosk cannot confirm (no heartbeat acknowledged within the limit, here 0):
    // marked bad, and the next boot is the previous slot again.
    lab.install("2.0");
    assert_eq!(lab.boot_file("primary"), "B", "the bundle went to slot B");
    assert_eq!(lab.reboot(), "B");
    lab.gate(Duration::ZERO).spawn(healthy(false));
    wait_for("slot B marked bad", || lab.boot_file("state.B") == "bad");
    assert_eq!(lab.reboot(), "A", "the bootloader fell back");
    let gate = lab.gate(Duration::from_secs(900));
    let slot = lab.rauc().booted().expect("status");
    assert!(slot.fell_back, "RAUC reports the fallback: {slot:?}");
    assert_eq!(
        gate.booted().expect("status").1,
        Some(Some(Verdict::Good)),
        "A was confirmed before"
    );

    // The next update, with the kiosk healthy: marked good, and it stays.
    lab.install("2.1");
    assert_eq!(lab.reboot(), "B");
    lab.gate(Duration::from_secs(900)).spawn(healthy(true));
    wait_for("slot B marked good", || {
        lab.path("update-verdicts").exists()
            && std::fs::read_to_string(lab.path("update-verdicts"))
                .unwrap_or_default()
                .contains("B\t2.1")
    });
    assert_eq!(lab.boot_file("state.B"), "good");
    assert_eq!(lab.reboot(), "B", "the confirmed update stays");
    assert!(!lab.rauc().booted().expect("status").fell_back);

    // Every boot is a try: the kiosk confirms its proven slot at each start once it is on
    // screen, without waiting for the central, or the next boot would pass the slot over and
    // quietly go back to the previous version.
    assert!(lab.path("boot/try.B").exists(), "this boot is a try");
    lab.gate(Duration::from_secs(900)).spawn(healthy(false));
    wait_for("this boot of B confirmed", || {
        !lab.path("boot/try.B").exists()
    });
    assert_eq!(lab.boot_file("state.B"), "good");
    assert_eq!(lab.reboot(), "B", "confirmed, so booted again");
    // A boot the kiosk never confirmed (it did not get on screen): the next boot passes B over.
    assert_eq!(lab.reboot(), "A", "an unconfirmed boot is a failed try");
}

/// A bundle signed outside the fleet's CA is refused by RAUC with the project's recipe.
#[test]
fn a_bundle_not_signed_by_the_fleet_ca_is_refused() {
    let mut lab = Lab::new();
    lab.reboot();
    let rogue = lab.path("rogue");
    std::fs::create_dir(&rogue).expect("dir");
    make_pki(&rogue);
    let image = lab.path("rootfs.img");
    std::fs::write(&image, "rogue").expect("image");
    let bundle = lab.path("rogue.raucb");
    run(
        Command::new(crate::support::repo().join("deploy/rauc/make-bundle")).args([
            image.as_os_str(),
            "9.9".as_ref(),
            rogue.join("signing.pem").as_os_str(),
            rogue.join("signing.key").as_os_str(),
            rogue.join("ca.pem").as_os_str(),
            bundle.as_os_str(),
            "plain".as_ref(),
        ]),
    );
    let out = Command::new("rauc")
        .arg("install")
        .arg(&bundle)
        .env("DBUS_SYSTEM_BUS_ADDRESS", lab.address())
        .output()
        .expect("rauc install");
    assert!(!out.status.success(), "a rogue bundle was installed");
    // The service says why on the bus (the command line only says "failed").
    let why = Command::new("busctl")
        .arg(format!("--address={}", lab.address()))
        .args([
            "get-property",
            "de.pengutronix.rauc",
            "/",
            "de.pengutronix.rauc.Installer",
            "LastError",
        ])
        .output()
        .expect("busctl");
    let why = String::from_utf8_lossy(&why.stdout);
    assert!(why.contains("signature"), "{why}");
    assert_eq!(lab.boot_file("primary"), "", "nothing was activated");
}

/// The bus policy from the unprivileged side: the kiosk's user reads the status and marks the
/// booted slot (the health gate's two commands) but cannot install; any other user only reads.
#[test]
fn the_kiosk_user_may_read_and_mark_but_only_root_installs() {
    let mut lab = Lab::new();
    assert_eq!(lab.reboot(), "A");
    // The lab's directory is root's; the bus socket in it must be reachable, as the system
    // bus's is.
    sh(&format!("chmod 755 {}", lab.dir.path().display()));
    let bundle = lab.bundle("3.0");
    sh(&format!("chmod 644 {}", bundle.display()));
    let refused = |out: &std::process::Output, what: &str| {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{what} was allowed");
        // dbus-daemon's words for a message its policy refuses (rauc passes them on).
        assert!(
            err.contains("AccessDenied") || err.contains("Rejected send message"),
            "{what}: refused for another reason: {err}"
        );
    };

    for user in [KIOSK_USER, OTHER_USER] {
        let status = lab.rauc_as(user, &["status", "--detailed", "--output-format=json"]);
        assert!(
            status.status.success(),
            "{user} cannot read the status: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&status.stdout).expect("json");
        assert_eq!(json["booted"], "A", "{json}");
        refused(
            &lab.rauc_as(user, &["install", &bundle.display().to_string()]),
            &format!("install by {user}"),
        );
    }
    assert_eq!(lab.boot_file("primary"), "", "nothing was installed");

    refused(
        &lab.rauc_as(OTHER_USER, &["status", "mark-bad", "booted"]),
        "mark-bad by another user",
    );
    assert_eq!(lab.boot_file("state.A"), "", "A's state untouched");
    let marked = lab.rauc_as(KIOSK_USER, &["status", "mark-good", "booted"]);
    assert!(
        marked.status.success(),
        "the kiosk's user cannot mark: {}",
        String::from_utf8_lossy(&marked.stderr)
    );
    assert_eq!(lab.boot_file("state.A"), "good");
}
