//! The document text index behind the `text` filter: which documents' lower-cased text
//! contains a query string, without lower-casing every document per request.
//!
//! A document's text is lower-cased once, when it is added, and split into terms (maximal
//! runs of alphanumeric characters). Each term keeps the documents that contain it, and the
//! vocabulary has a trigram index so that the terms containing a query piece are found
//! without scanning every term. The answer keeps the filter's substring semantics exactly:
//! - a query that is one run of alphanumerics matches exactly the documents with a term
//!   containing it (an occurrence cannot cross a separator), so no text is read;
//! - a query with separators ("arms embargo", "u.s.") needs, per piece, a term that equals
//!   it, starts or ends with it, depending on which sides the query has separators on; the
//!   documents having all of them are candidates, checked against their text;
//! - a query without any alphanumeric character checks every document.

use rustc_hash::{FxHashMap, FxHashSet};

/// A document's number in the index: dense, in the order documents were added.
pub(crate) type DocNo = u32;

/// A set of documents, as a bitmap over their numbers.
#[derive(Debug, Clone, Default)]
pub(crate) struct DocSet {
    words: Vec<u64>,
}

impl DocSet {
    pub(crate) fn with_capacity(docs: usize) -> Self {
        Self {
            words: vec![0; docs.div_ceil(64)],
        }
    }

    pub(crate) fn insert(&mut self, doc: DocNo) {
        let (word, bit) = (doc as usize / 64, doc % 64);
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        self.words[word] |= 1 << bit;
    }

    /// Whether `doc` is in the set.
    pub(crate) fn contains(&self, doc: DocNo) -> bool {
        self.words
            .get(doc as usize / 64)
            .is_some_and(|w| w & (1 << (doc % 64)) != 0)
    }

    fn retain_in(&mut self, other: &DocSet) {
        for (i, word) in self.words.iter_mut().enumerate() {
            *word &= other.words.get(i).copied().unwrap_or(0);
        }
    }

    #[cfg(test)]
    fn iter(&self) -> impl Iterator<Item = DocNo> + '_ {
        self.words.iter().enumerate().flat_map(|(i, word)| {
            let mut word = *word;
            std::iter::from_fn(move || {
                (word != 0).then(|| {
                    let bit = word.trailing_zeros();
                    word &= word - 1;
                    (i * 64) as DocNo + bit
                })
            })
        })
    }
}

type TermId = u32;

#[derive(Debug, Default)]
pub(crate) struct TextIndex {
    /// Document id → number.
    numbers: FxHashMap<Box<str>, DocNo>,
    /// Number → document id.
    ids: Vec<Box<str>>,
    /// Term → id.
    term_ids: FxHashMap<Box<str>, TermId>,
    /// Term id → the term.
    terms: Vec<Box<str>>,
    /// Term id → documents containing it, ascending (documents are added in order).
    postings: Vec<Vec<DocNo>>,
    /// Byte trigram → terms containing it, ascending.
    trigrams: FxHashMap<[u8; 3], Vec<TermId>>,
}

/// Which occurrences of a query piece a term must allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// The piece is the whole term (separators on both sides).
    Whole,
    /// The term starts with the piece (a separator before it only).
    Start,
    /// The term ends with the piece (a separator after it only).
    End,
    /// The piece is anywhere in the term.
    Inside,
}

impl Side {
    fn accepts(self, term: &str, piece: &str) -> bool {
        match self {
            Side::Whole => term == piece,
            Side::Start => term.starts_with(piece),
            Side::End => term.ends_with(piece),
            Side::Inside => term.contains(piece),
        }
    }
}

/// The terms of a lower-cased text, each once.
fn terms(lower: &str) -> FxHashSet<&str> {
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect()
}

fn trigrams(term: &str) -> impl Iterator<Item = [u8; 3]> + '_ {
    term.as_bytes().windows(3).map(|w| [w[0], w[1], w[2]])
}

impl TextIndex {
    /// The number of a document, if it was added.
    pub(crate) fn number(&self, doc_id: &str) -> Option<DocNo> {
        self.numbers.get(doc_id).copied()
    }

    /// The id of a document number.
    pub(crate) fn id(&self, doc: DocNo) -> &str {
        &self.ids[doc as usize]
    }

    /// Documents added.
    pub(crate) fn documents(&self) -> usize {
        self.numbers.len()
    }

    /// Adds a document (once; a second call returns the first number).
    pub(crate) fn add(&mut self, doc_id: &str, text: &str) -> DocNo {
        if let Some(number) = self.number(doc_id) {
            return number;
        }
        let doc = DocNo::try_from(self.numbers.len()).expect("fewer than 2^32 documents");
        self.numbers.insert(doc_id.into(), doc);
        self.ids.push(doc_id.into());
        let lower = text.to_lowercase();
        for term in terms(&lower) {
            let id = match self.term_ids.get(term) {
                Some(id) => *id,
                None => self.new_term(term),
            };
            self.postings[id as usize].push(doc);
        }
        doc
    }

    fn new_term(&mut self, term: &str) -> TermId {
        let id = TermId::try_from(self.terms.len()).expect("fewer than 2^32 terms");
        self.term_ids.insert(term.into(), id);
        self.terms.push(term.into());
        self.postings.push(Vec::new());
        let mut seen = FxHashSet::default();
        for gram in trigrams(term) {
            if seen.insert(gram) {
                self.trigrams.entry(gram).or_default().push(id);
            }
        }
        id
    }

    /// Terms that allow `piece` on `side`.
    fn terms_for(&self, piece: &str, side: Side) -> Vec<TermId> {
        if side == Side::Whole {
            return self.term_ids.get(piece).copied().into_iter().collect();
        }
        let mut grams: Vec<&Vec<TermId>> = Vec::new();
        let mut distinct = FxHashSet::default();
        for gram in trigrams(piece) {
            if !distinct.insert(gram) {
                continue;
            }
            match self.trigrams.get(&gram) {
                Some(list) => grams.push(list),
                None => return Vec::new(),
            }
        }
        let candidates: Box<dyn Iterator<Item = TermId> + '_> = if grams.is_empty() {
            // Shorter than a trigram: every term is a candidate.
            Box::new(0..self.terms.len() as TermId)
        } else {
            grams.sort_by_key(|list| list.len());
            let (shortest, rest) = grams.split_first().expect("not empty");
            Box::new(
                shortest
                    .iter()
                    .copied()
                    .filter(move |id| rest.iter().all(|list| list.binary_search(id).is_ok())),
            )
        };
        candidates
            .filter(|id| side.accepts(&self.terms[*id as usize], piece))
            .collect()
    }

    fn documents_with(&self, terms: &[TermId]) -> DocSet {
        let mut set = DocSet::with_capacity(self.documents());
        for term in terms {
            for doc in &self.postings[*term as usize] {
                set.insert(*doc);
            }
        }
        set
    }

    /// The documents that can contain `query` (lower case already), and whether they all
    /// do (a one-run query is answered exactly by the terms; others need a [`Verifier`]).
    pub(crate) fn candidates(&self, query: &str) -> (DocSet, bool) {
        let pieces: Vec<(usize, &str)> = query
            .split(|c: char| !c.is_alphanumeric())
            .filter(|p| !p.is_empty())
            .map(|p| (p.as_ptr() as usize - query.as_ptr() as usize, p))
            .collect();
        if let [(0, piece)] = pieces.as_slice()
            && piece.len() == query.len()
        {
            return (
                self.documents_with(&self.terms_for(piece, Side::Inside)),
                true,
            );
        }
        let mut found: Option<DocSet> = None;
        for (at, piece) in &pieces {
            let open_before = *at == 0;
            let open_after = at + piece.len() == query.len();
            let side = match (open_before, open_after) {
                (false, false) => Side::Whole,
                (false, true) => Side::Start,
                (true, false) => Side::End,
                (true, true) => Side::Inside,
            };
            let docs = self.documents_with(&self.terms_for(piece, side));
            match &mut found {
                Some(set) => set.retain_in(&docs),
                None => found = Some(docs),
            }
        }
        let candidates = found.unwrap_or_else(|| {
            let mut all = DocSet::with_capacity(self.documents());
            for doc in 0..self.documents() as DocNo {
                all.insert(doc);
            }
            all
        });
        (candidates, false)
    }

    /// The documents whose lower-cased text contains `query` (lower case already), reading
    /// `text_of(doc)` only for candidates of a query with separators.
    #[cfg(test)]
    pub(crate) fn matching<'t>(&self, query: &str, text_of: impl Fn(DocNo) -> &'t str) -> DocSet {
        let (candidates, exact) = self.candidates(query);
        if exact {
            return candidates;
        }
        let verifier = Verifier::new(query);
        let mut matched = DocSet::with_capacity(self.documents());
        for doc in candidates.iter() {
            if verifier.contains(text_of(doc)) {
                matched.insert(doc);
            }
        }
        matched
    }
}

/// Checks a text for a query with the filter's semantics (`text.to_lowercase()` contains
/// the lower-case query).
pub(crate) struct Verifier {
    query: String,
    /// An ASCII text lower-cases byte by byte, so an ASCII-case-insensitive search for an
    /// ASCII query answers the same without lower-casing (allocating) the text.
    ascii: Option<aho_corasick::AhoCorasick>,
}

impl Verifier {
    pub(crate) fn new(query: &str) -> Self {
        let ascii = query
            .is_ascii()
            .then(|| {
                aho_corasick::AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .build([query])
                    .ok()
            })
            .flatten();
        Self {
            query: query.to_owned(),
            ascii,
        }
    }

    pub(crate) fn contains(&self, text: &str) -> bool {
        match &self.ascii {
            Some(finder) if text.is_ascii() => finder.is_match(text),
            _ => text.to_lowercase().contains(&self.query),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCS: [&str; 5] = [
        "The European Union imposed sanctions on Belarus.",
        "Japan accused Iran of breaking an ARMS EMBARGO, the U.S. said.",
        "Sanctioned firms: Volasys Silver Star; Yanbian Silverstar.",
        "Ministers met in Genève and Zürich.",
        "-- ... --",
    ];

    fn index() -> TextIndex {
        let mut index = TextIndex::default();
        for (n, text) in DOCS.iter().enumerate() {
            assert_eq!(index.add(&format!("d{n}"), text), n as DocNo);
        }
        assert_eq!(index.add("d0", "ignored"), 0, "a document is added once");
        index
    }

    /// The index must answer exactly what lower-casing every document and searching it did.
    #[test]
    fn matches_equal_a_substring_scan_of_every_document() {
        let index = index();
        let queries = [
            "sanction",
            "sanctions",
            "anctio",
            "silverstar",
            "silver star",
            "arms embargo",
            "rms embar",
            "u.s.",
            "u.s",
            ".s. sa",
            "genève",
            "zür",
            "ch.",
            "e",
            "--",
            "-- ...",
            "nothing here",
            "star; yan",
        ];
        for query in queries {
            let got: Vec<DocNo> = index.matching(query, |d| DOCS[d as usize]).iter().collect();
            let want: Vec<DocNo> = (0..DOCS.len() as DocNo)
                .filter(|d| DOCS[*d as usize].to_lowercase().contains(query))
                .collect();
            assert_eq!(got, want, "query {query:?}");
        }
    }

    #[test]
    fn single_runs_are_answered_without_reading_text() {
        let index = index();
        let set = index.matching("silver", |_| panic!("no text is read for one run"));
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![2]);
        assert!(set.contains(2) && !set.contains(1));
    }
}
