//! How the sync room reaches the store: the kiosk's shared connection (locked for each call,
//! never across a request), or a store a command owns (`kiosk sync now`).

use crate::store::Store;

/// The store, reached one call at a time.
pub trait StoreAccess {
    fn with<R>(&mut self, f: impl FnOnce(&mut Store) -> R) -> R;
}

impl StoreAccess for Store {
    fn with<R>(&mut self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(self)
    }
}

impl StoreAccess for &std::sync::Mutex<Store> {
    fn with<R>(&mut self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut crate::store::lock(self))
    }
}
