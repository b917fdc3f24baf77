//! The README's "One detection, every target" section is true: each block there is
//! found, as written, in the file it names (the shipped detection, or what a build of
//! `detections/` writes for that target).

mod common;

/// `(file, block)` for every fenced block between the example markers.
fn example_blocks(readme: &str) -> Vec<(String, String)> {
    let start = readme.find("<!-- example:start -->").expect("example start marker");
    let end = readme.find("<!-- example:end -->").expect("example end marker");
    let mut blocks = Vec::new();
    let mut file = None;
    let mut lines = readme[start..end].lines();
    while let Some(line) = lines.next() {
        if let Some(name) = line.strip_prefix("<!-- file: ").and_then(|l| l.strip_suffix(" -->")) {
            file = Some(name.to_string());
        } else if line.starts_with("```") {
            let body: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
            let name = file.take().expect("every block is preceded by a file marker");
            blocks.push((name, body.join("\n") + "\n"));
        }
    }
    blocks
}

#[test]
fn readme_example_is_what_the_compiler_writes() {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let blocks = example_blocks(&readme);
    assert_eq!(blocks.len(), 5, "the detection and one block per target");

    let (_, output) = common::shipped_build(1);

    for (file, block) in blocks {
        let text = if file.starts_with("detections/") {
            std::fs::read_to_string(&file).expect("shipped detection")
        } else {
            output.files.iter().find(|(path, _)| *path == file).map(|(_, text)| text.clone()).unwrap_or_default()
        };
        assert!(text.contains(&block), "README block for `{file}` is not in it:\n{block}\n--- actual ---\n{text}");
    }
}
