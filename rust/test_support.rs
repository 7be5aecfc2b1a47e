//! What the tests of every path share: the official Unicode grapheme conformance file, and
//! random texts over an alphabet.

/// One test line: its text, its code points, and where each grapheme ends (in code points).
pub(crate) struct Case {
    pub line: String,
    pub code_points: Vec<u32>,
    pub ends: Vec<usize>,
}

/// Every test line of `tests/data/unicode/GraphemeBreakTest-17.0.0.txt`.
pub(crate) fn grapheme_break_test() -> Vec<Case> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/unicode/GraphemeBreakTest-17.0.0.txt"
    );
    let data = std::fs::read_to_string(path).expect("the conformance file is in tests/data");
    let mut cases = Vec::new();
    for line in data.lines() {
        let rule = line.split('#').next().unwrap_or("").trim();
        if rule.is_empty() {
            continue;
        }
        let mut code_points = Vec::new();
        let mut ends = Vec::new();
        for token in rule.split_whitespace() {
            match token {
                "÷" if !code_points.is_empty() => ends.push(code_points.len()),
                "÷" | "×" => {}
                hex => code_points.push(u32::from_str_radix(hex, 16).expect("a hex code point")),
            }
        }
        cases.push(Case {
            line: line.to_owned(),
            code_points,
            ends,
        });
    }
    assert!(
        cases.len() > 700,
        "only {} test lines were read",
        cases.len()
    );
    cases
}

/// `count` texts of `len` pieces of `alphabet` each, from a small deterministic generator (so the
/// tests need no extra crate).
pub(crate) fn random_texts<'a>(
    alphabet: &'a [&'a str],
    seed: u64,
    count: usize,
    len: usize,
) -> impl Iterator<Item = String> + 'a {
    let mut state = seed;
    (0..count).map(move |_| {
        let mut text = String::new();
        for _ in 0..len {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            text.push_str(alphabet[(state >> 33) as usize % alphabet.len()]);
        }
        text
    })
}
