fn main() {
    // Embedded content and media: rebuild when any of them changes.
    println!("cargo:rerun-if-changed=hall.json");
    println!("cargo:rerun-if-changed=seed001.txt");
    println!("cargo:rerun-if-changed=seed001-kk.txt");
    println!("cargo:rerun-if-changed=media");
}
