//! Embeds the console's site folder (wasm bundle, JS glue, CSS, public files) into the
//! `bosun` binary. The folder is `$BOSUN_SITE_DIR` when set, else the one `cargo xtask
//! build` writes for this profile (`<target>/site/<debug|release>`), so any later
//! `cargo build`/`cargo test` of the server keeps embedding the latest bundle. Without
//! a site folder the binary embeds nothing and serves pages without hydration (and
//! says so at start).

use std::io::Write;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, base, out);
        } else if let Ok(rel) = path.strip_prefix(base) {
            out.push((rel.to_string_lossy().replace('\\', "/"), path));
        }
    }
}

/// `<target>/site/<profile>`, from OUT_DIR = `<target>/<profile>/build/<pkg>/out`
/// (or `<target>/<triple>/<profile>/build/<pkg>/out` when cross-compiling).
fn default_site() -> Option<PathBuf> {
    let out = PathBuf::from(std::env::var_os("OUT_DIR")?);
    let profile = std::env::var("PROFILE").ok()?;
    let profile_dir = out
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == profile.as_str()))?;
    let target = profile_dir.parent()?;
    let triple = std::env::var("TARGET").ok()?;
    let target = if target.file_name().is_some_and(|n| n == triple.as_str()) {
        target.parent()?
    } else {
        target
    };
    Some(target.join("site").join(&profile))
}

fn main() {
    println!("cargo:rerun-if-env-changed=BOSUN_SITE_DIR");
    let mut files = Vec::new();
    let site = match std::env::var_os("BOSUN_SITE_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => default_site().inspect(|dir| {
            // Created empty when missing, so that it is watched from the first build:
            // a build before `cargo xtask build` wrote the bundle (the tests, on a
            // fresh target dir) must not keep embedding nothing once it has.
            let _ = std::fs::create_dir_all(dir);
        }),
    };
    if let Some(dir) = site.filter(|d| d.is_dir()) {
        println!("cargo:rerun-if-changed={}", dir.display());
        collect(&dir, &dir, &mut files);
        for (_, p) in &files {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
    files.sort();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()))
        .join("embedded_assets.rs");
    let mut code = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (name, path) in &files {
        code.push_str(&format!(
            "    ({name:?}, include_bytes!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    if let Ok(mut f) = std::fs::File::create(&out) {
        let _ = f.write_all(code.as_bytes());
    }
}
