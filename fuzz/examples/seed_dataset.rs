//! Writes the seed corpora of the dataset targets from the fixtures' tiny dataset, with and without
//! a point grid, rather than committing binaries that go stale with the format:
//! `cargo +nightly run --example seed_dataset`. Each seed is checked to load and answer first.

use std::path::Path;

use territoires_core::Dataset;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for target in ["dataset_file", "dataset_decode"] {
        let dir = root.join(target);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
    }
    for (name, dataset) in [
        ("tiny_dataset", territoires_fixtures::tiny_dataset()),
        ("tiny_dataset_grid", territoires_fuzz::tiny_dataset_with_grid()),
    ] {
        let file = dataset.to_bytes().expect("the dataset encodes");
        Dataset::from_bytes(&file, Path::new(name)).expect("the seed loads");
        territoires_fuzz::load_and_query(&file);
        let [structured, raw] = territoires_fuzz::unframe(&file);
        for input in [&structured, &raw] {
            assert_eq!(territoires_fuzz::frame(input), file, "{name} framed back");
        }
        for (target, file_name, bytes) in [
            ("dataset_file", name.to_string(), &file),
            ("dataset_decode", name.to_string(), &structured),
            ("dataset_decode", format!("{name}_raw"), &raw),
        ] {
            let path = root.join(target).join(file_name);
            std::fs::write(&path, bytes)?;
            println!("{}: {} bytes", path.display(), bytes.len());
        }
    }
    Ok(())
}
