//! Composition of the update health gate (`[update] engine = "rauc"`): RAUC's command line as the
//! engine, and the kiosk's health read from the screen (READY), the store and the fleet link.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::config::{Config, UpdateEngineKind};
use crate::store::SharedStore;
use crate::sync::fleet::Live;
use crate::update::rauc::RaucCli;
use crate::update::{Gate, Health};

/// Starts the gate when the configuration names an update engine; `ready` turns true with the
/// first frame.
pub fn start(config: &Config, ready: Arc<AtomicBool>, live: Option<Live>, store: SharedStore) {
    if config.update.engine == UpdateEngineKind::None {
        return;
    }
    let gate = Gate {
        engine: Box::new(RaucCli::new()),
        verdicts: config.store.data_dir.join("update-verdicts"),
        limit: Duration::from_secs(u64::from(config.update.confirm_minutes) * 60),
    };
    // The store was checked when it was opened; it is checked once more, on the gate's thread,
    // for the verdict itself.
    let checked = OnceLock::new();
    gate.spawn(move || Health {
        ready: ready.load(Ordering::SeqCst),
        store_problem: checked
            .get_or_init(|| match store.lock() {
                Ok(s) => s.check_integrity().err().map(|e| e.to_string()),
                Err(_) => Some("the store's lock is poisoned".to_string()),
            })
            .clone(),
        heartbeat_acknowledged: live.as_ref().is_some_and(Live::heartbeat_acknowledged),
    });
}
