//! The `capsim` binary: install the signal handlers, run the command line
//! ([`cli`]), print errors. Exit status: 0 success, 1 invalid input or a
//! refused result, 2 a usage error (clap's), 128 + N a signal.

use std::process::ExitCode;

use capsim::report;

mod cli;

fn main() -> ExitCode {
    if let Err(e) = report::folder::handle_signals() {
        eprintln!("Error: {e:#}");
        return ExitCode::from(2);
    }
    // Like other command-line tools, end quietly when the reader of our output
    // goes away (`capsim schema | head`) instead of failing on the broken pipe.
    // SAFETY: setting a signal disposition to its default at start-up, before
    // any thread exists.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    match cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
