//! Device ports (traits) and their adapters. Simulated devices are first-class adapters: demo
//! mode and the tests use them through the same traits as the real ones.

pub mod camera;
pub mod card;
pub mod deadline;
pub mod mrz;
pub mod payment;
pub mod printer;
pub mod serial;
pub mod voice;
pub mod writer;
