//! Sample articles bundled with the binary for `statecraft demo`. We wrote them ourselves,
//! about real events, in sentences of our own: the US Treasury's 2018 sanctions on a Chinese
//! software firm and its Russian front company (an imposition, an accusation, an appeal, a
//! denial), Britain's expulsion of Russian diplomats after the Salisbury poisoning (expulsion,
//! accusations, frozen contacts, denial, condemnation) and the lifting of US trade sanctions on
//! Sudan in 2017 (lifting, praise, a threat to reimpose, an appeal). None of their wording
//! comes from a news report or from the evaluation sets (`tests/own_words.rs` checks the
//! latter).

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
