fn main() {
    // Embedded assets: rebuild when any of them changes.
    println!("cargo:rerun-if-changed=static");
}
