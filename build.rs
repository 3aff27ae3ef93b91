//! Compiles the Slint UI with the bundled translations. Debug builds carry element debug info,
//! which the headless UI tests need to find elements by accessible id; `KIOSK_UI_DEBUG_INFO=1`
//! adds it to a release build, for measuring the optimised kiosk with those tests
//! (docs/BENCHMARKS.md, "Memory").

fn main() {
    println!("cargo:rerun-if-env-changed=KIOSK_UI_DEBUG_INFO");
    let debug = std::env::var("PROFILE").as_deref() == Ok("debug")
        || std::env::var("KIOSK_UI_DEBUG_INFO").as_deref() == Ok("1");
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("ui/lang")
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        .with_debug_info(debug);
    slint_build::compile_with_config("ui/app-window.slint", config).expect("Slint UI compiles");
}
