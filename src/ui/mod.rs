//! The Slint screen, and nothing else: the generated window and its adapter globals, the one
//! writer that renders the core's view into them (`view`), and the callbacks that turn touches
//! into the core's inputs (`intents`). Everything behind the screen is `app`'s.

#[allow(clippy::all, clippy::pedantic, unused_qualifications)]
mod generated {
    slint::include_modules!();
}

pub use generated::*;

mod address;
mod intents;
mod models;
mod speech;
pub mod systemd;
mod view;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use slint::{ComponentHandle, Timer, TimerMode};

use crate::app::{Controller, Kiosk, Refresh, TICK_MS};

/// How often the workers' results and the newest camera frame are taken in.
const PUMP: Duration = Duration::from_millis(100);

/// A started kiosk window; dropping it stops the timers.
pub struct Running {
    pub window: AppWindow,
    _timers: [Timer; 2],
}

/// The controller and the window it is drawn in; every change goes through here, so the screen
/// is re-rendered after each.
pub(crate) struct Shell {
    controller: Controller,
    window: slint::Weak<AppWindow>,
    painter: view::Painter,
    speech: speech::Speech,
}

impl Shell {
    /// Runs `f` on the controller, then renders what changed.
    pub(crate) fn with(&mut self, f: impl FnOnce(&mut Controller) -> Refresh) {
        let refresh = f(&mut self.controller);
        let Some(ui) = self.window.upgrade() else {
            return;
        };
        match refresh {
            Refresh::Nothing => {}
            Refresh::Preview => self.painter.preview(&ui, &self.controller.view()),
            Refresh::Everything => {
                self.painter.render(&ui, &self.controller.view());
                if let Some(words) = self.speech.next(&ui, &self.controller.view()) {
                    self.controller.say(words);
                }
            }
        }
    }
}

/// Builds the window, starts the core (its device and service threads) and the two timers that
/// drive it: a pump that takes in the workers' results, and the one-second clock. Driving time
/// from Slint timers means the headless tests control it with mock time.
pub fn start(kiosk: Kiosk) -> Result<Running, slint::PlatformError> {
    let ui = AppWindow::new()?;
    let controller = Controller::start(kiosk);
    let shell = Rc::new(RefCell::new(Shell {
        controller,
        window: ui.as_weak(),
        painter: view::Painter::default(),
        speech: speech::Speech::default(),
    }));
    intents::connect(&ui, &shell);
    address::wire(&ui, &shell);
    shell.borrow_mut().with(|_| Refresh::Everything);

    let pump = Timer::default();
    let s = shell.clone();
    pump.start(TimerMode::Repeated, PUMP, move || {
        s.borrow_mut().with(Controller::pump)
    });
    let clock = Timer::default();
    clock.start(
        TimerMode::Repeated,
        Duration::from_millis(TICK_MS),
        move || {
            shell.borrow_mut().with(|c| {
                c.tick();
                Refresh::Everything
            });
            // A restart the central asked for: the service manager starts the program again.
            if shell.borrow().controller.wants_quit() {
                let _ = slint::quit_event_loop();
            }
        },
    );
    Ok(Running {
        window: ui,
        _timers: [pump, clock],
    })
}
