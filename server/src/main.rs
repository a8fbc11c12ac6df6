//! The `gasdesk` command; everything it does lives in the library.

fn main() -> std::process::ExitCode {
    gasdesk_server::cli::run()
}
