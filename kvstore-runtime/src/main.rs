//! `kvstore`: run a replica, or put/get as a client. See [`kvstore_runtime::cli`].

fn main() -> anyhow::Result<()> {
    kvstore_runtime::cli::main()
}
