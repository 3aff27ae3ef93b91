//! Compiles the Slint UI with the bundled translations. Debug builds carry element debug info,
//! which the headless UI tests need to find elements by accessible id.

fn main() {
    let debug = std::env::var("PROFILE").as_deref() == Ok("debug");
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("ui/lang")
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        .with_debug_info(debug);
    slint_build::compile_with_config("ui/app-window.slint", config).expect("Slint UI compiles");
}
