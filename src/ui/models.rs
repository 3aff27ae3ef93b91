//! Slint models made from the core's lists.

use slint::{ModelRc, SharedString, VecModel};

pub(super) fn model<T: Clone + 'static>(items: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items))
}

pub(super) fn strings(items: &[String]) -> ModelRc<SharedString> {
    model(items.iter().map(|s| s.as_str().into()).collect())
}
