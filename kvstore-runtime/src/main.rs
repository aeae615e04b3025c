//! `kvstore`: run a replica, or put/get as a client. See [`kvstore_runtime::cli`].

fn main() {
    if let Err(e) = kvstore_runtime::cli::main() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
