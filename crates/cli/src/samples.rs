//! Sample articles bundled with the binary for `statecraft demo`. We wrote them ourselves,
//! about real events, in our own words.

/// A bundled article.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// File name.
    pub name: &'static str,
    /// Full text, headline and dateline included.
    pub text: &'static str,
}

/// Every bundled article.
pub const SAMPLES: &[Sample] = &[
    Sample {
        name: "treasury-tech-firms.txt",
        text: include_str!("../samples/treasury-tech-firms.txt"),
    },
    Sample {
        name: "salisbury-expulsions.txt",
        text: include_str!("../samples/salisbury-expulsions.txt"),
    },
    Sample {
        name: "sudan-relief.txt",
        text: include_str!("../samples/sudan-relief.txt"),
    },
];
