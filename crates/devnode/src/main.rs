//! `devnode`: the development chain in the terminal. Everything but the entry point lives in
//! [`devnode::cli`], which `taoscope devnode` shares.

fn main() -> std::process::ExitCode {
    devnode::cli::main_with_args("devnode", std::env::args().skip(1))
}
