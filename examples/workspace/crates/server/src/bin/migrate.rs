//! The example's second binary: prints the migrations it would apply.

fn main() {
    for name in app_core::MIGRATIONS {
        println!("applying {name}");
    }
}
