fn main() -> std::process::ExitCode {
    kiosk::cli::main()
}
