//! Supervision by systemd (`Type=notify`, `WatchdogSec=` in deploy/kiosk.service), through the
//! `sd-notify` crate: `READY=1` once the window's event loop runs with the first frame drawn (the
//! store was opened before the window was built, so READY means both), then `WATCHDOG=1` from a
//! timer on the UI thread at half the interval systemd asks for — a UI thread that hangs stops
//! the pings and systemd restarts the kiosk. Without a service manager (`NOTIFY_SOCKET` unset:
//! `make run`, the tests) nothing is sent.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use sd_notify::NotifyState;
use slint::{ComponentHandle, Timer, TimerMode};

/// What keeps supervision going: dropping it stops the watchdog pings.
pub struct Supervision {
    _timers: Vec<Timer>,
    _shared: Vec<Rc<Timer>>,
}

/// Starts the READY notification and the watchdog for `window` (neither without a service
/// manager); `on_ready` runs once, on the UI thread, when the first frame is drawn.
pub fn supervise(window: &impl ComponentHandle, on_ready: impl Fn() + 'static) -> Supervision {
    let mut timers = Vec::new();
    let mut keep = Vec::new();
    let managed = std::env::var_os("NOTIFY_SOCKET").is_some();
    let ready = Rc::new(Cell::new(false));
    let announce = {
        let ready = ready.clone();
        let on_ready = Rc::new(on_ready);
        move || {
            if !ready.replace(true) {
                if managed {
                    send(&[NotifyState::Ready, NotifyState::Status("serving")]);
                    tracing::info!("systemd: ready");
                }
                on_ready();
            }
        }
    };
    // Renderers that report their frames say when the first is drawn. The software renderer
    // does not: it draws on the event loop's first turn, after that turn's timers, so a
    // zero-delay timer started from a zero-delay timer runs once the first frame is out.
    let first_frame = announce.clone();
    let notified = window
        .window()
        .set_rendering_notifier(move |state, _| {
            if matches!(state, slint::RenderingState::AfterRendering) {
                first_frame();
            }
        })
        .is_ok();
    if !notified {
        let second_turn = Rc::new(Timer::default());
        let first_turn = Timer::default();
        let next = second_turn.clone();
        first_turn.start(TimerMode::SingleShot, Duration::ZERO, move || {
            next.start(TimerMode::SingleShot, Duration::ZERO, announce.clone());
        });
        timers.push(first_turn);
        keep.push(second_turn);
    }
    let mut usec = 0;
    if managed && sd_notify::watchdog_enabled(false, &mut usec) && usec > 0 {
        let every = Duration::from_micros(usec / 2);
        let pings = Timer::default();
        pings.start(TimerMode::Repeated, every, move || {
            // Only once READY is out: a ping would start systemd's watchdog clock early.
            if ready.get() {
                send(&[NotifyState::Watchdog]);
            }
        });
        tracing::info!(
            every_ms = every.as_millis() as u64,
            "systemd: watchdog fed from the UI thread"
        );
        timers.push(pings);
    }
    Supervision {
        _timers: timers,
        _shared: keep,
    }
}

/// Tells the service manager that the kiosk is stopping (a clean exit is not a crash).
pub fn stopping() {
    if std::env::var_os("NOTIFY_SOCKET").is_some() {
        send(&[NotifyState::Stopping]);
    }
}

fn send(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(false, states) {
        tracing::warn!(error = %e, "systemd: notification not delivered");
    }
}
