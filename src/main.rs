//! The `capsim` binary: install the signal handlers, run the command line
//! ([`cli`]), print errors. Exit status: 0 success; 1 invalid input or a
//! refused result; 2 a usage error (clap's) or an unexpected failure (a
//! file that could not be written for a reason other than the user's
//! input, an internal error); 128 + N stopped by signal N.

use std::process::ExitCode;

use capsim::report;
use capsim::scenario::ScenarioError;

mod cli;

/// The exit status of a failed command: 1 when the error is about the
/// user's input (a scenario, a flag, a path given), 2 when it is not.
fn status(e: &anyhow::Error) -> u8 {
    use std::io::ErrorKind::*;
    for cause in e.chain() {
        if cause.downcast_ref::<ScenarioError>().is_some() {
            return 1;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                NotFound | PermissionDenied | AlreadyExists | InvalidInput | InvalidData
                | ReadOnlyFilesystem | IsADirectory | NotADirectory | DirectoryNotEmpty => 1,
                _ => 2,
            };
        }
        if cause.downcast_ref::<polars::error::PolarsError>().is_some() {
            return 2;
        }
    }
    1
}

fn main() -> ExitCode {
    // Like other command-line tools, end quietly when the reader of our output
    // goes away (`capsim schema | head`) instead of failing on the broken pipe.
    // SAFETY: setting a signal disposition to its default at start-up, before
    // any thread exists.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    if let Err(e) = report::folder::handle_signals() {
        eprintln!("Error: {e:#}");
        return ExitCode::from(2);
    }
    // A panic is a bug: its message is printed by the default hook; the
    // status says it was not the input's fault.
    match std::panic::catch_unwind(cli::run) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) if e.downcast_ref::<cli::NothingFeasible>().is_some() => {
            eprintln!("{e}");
            ExitCode::from(3)
        }
        Ok(Err(e)) => {
            eprintln!("Error: {e:#}");
            ExitCode::from(status(&e))
        }
        Err(_) => {
            eprintln!(
                "Error: an internal error (a bug in capsim; please report it with the command)"
            );
            ExitCode::from(2)
        }
    }
}
