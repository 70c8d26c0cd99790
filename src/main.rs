//! The `ecsim` binary: parse the command line, call the library, map outcomes to exit codes.

use clap::Parser;

fn main() {
    let cli = ecsim::cli::Cli::parse();
    std::process::exit(ecsim::cli::main_with(cli));
}
