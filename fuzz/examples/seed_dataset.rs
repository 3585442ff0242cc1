//! Writes the seed corpora of the dataset targets from the fixtures' tiny dataset, rather than
//! committing a binary that goes stale with the format: `cargo run --example seed_dataset`.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let dataset = territoires_fixtures::tiny_dataset();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let payload = territoires_fuzz::payload(&dataset);
    for (target, bytes) in [
        ("dataset_file", territoires_fuzz::framed(&payload)),
        ("dataset_decode", payload),
    ] {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("tiny_dataset"), &bytes)?;
        println!("{}: {} bytes", dir.join("tiny_dataset").display(), bytes.len());
    }
    Ok(())
}
