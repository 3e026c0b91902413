//! A small TCP server: prints its identity, then answers every connection with it.
//! `--version` prints and exits 0. Listens on 127.0.0.1:$PORT (default 8080).
use std::io::Write;
use std::net::TcpListener;

fn main() {
    let id = lab_ident::ident("server", "");
    println!("{id}");
    if std::env::args().any(|a| a == "--version") {
        return;
    }
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
    let listener = TcpListener::bind(format!("127.0.0.1:{port}")).expect("bind");
    println!("listening on 127.0.0.1:{port}");
    for stream in listener.incoming().flatten() {
        let mut stream = stream;
        let _ = writeln!(stream, "{id}");
    }
}
