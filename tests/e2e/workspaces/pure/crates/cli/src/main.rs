//! A CLI that prints its identity and exits 0.
fn main() {
    println!("{}", lab_ident::ident("labcli", "hello"));
}
