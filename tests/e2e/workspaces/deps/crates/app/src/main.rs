use clap::Parser;

/// Prints what matches the pattern, as JSON, with the machine and the user it runs as.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[arg(long, default_value = r"[a-z]+")]
    pattern: String,
    #[arg(long, default_value = "rsdock lab deps")]
    text: String,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    env_logger::init();
    let args = Args::parse();
    let line = tokio::spawn(async move { labdeps_core::report(&args.pattern, &args.text) }).await??;
    log::info!("reported");
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_string()))
        .unwrap_or_default();
    println!("labdeps {line} arch={} uid={uid}", std::env::consts::ARCH);
    Ok(())
}
