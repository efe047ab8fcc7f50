//! Embeds the console's site folder (wasm bundle, JS glue, CSS, public files) into the
//! `bosun` binary. `cargo xtask build` sets BOSUN_SITE_DIR; without it the binary embeds
//! nothing and serves pages without hydration (and says so at start).

use std::io::Write;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, base, out);
        } else if let Ok(rel) = path.strip_prefix(base) {
            out.push((rel.to_string_lossy().replace('\\', "/"), path));
        }
    }
}

fn main() {
    println!("cargo:rerun-if-env-changed=BOSUN_SITE_DIR");
    let mut files = Vec::new();
    if let Ok(dir) = std::env::var("BOSUN_SITE_DIR") {
        let dir = PathBuf::from(dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        collect(&dir, &dir, &mut files);
        for (_, p) in &files {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
    files.sort();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("embedded_assets.rs");
    let mut code = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (name, path) in &files {
        code.push_str(&format!("    ({name:?}, include_bytes!({:?})),\n", path.display().to_string()));
    }
    code.push_str("];\n");
    if let Ok(mut f) = std::fs::File::create(&out) {
        let _ = f.write_all(code.as_bytes());
    }
}
