//! Structure-aware fuzzing of the event coder, on stable Rust.
//!
//! Inputs are news-like documents built from our own sentence templates and the coder's own
//! gazetteers and trigger table ([`generate`]), then damaged the way real feeds damage text
//! ([`mutate`]): splices, JSON escaping, lost or doubled newlines and full stops, sentences
//! repeated past the coder's 1500-byte piece limit, multi-byte and invisible characters next
//! to word edges and piece edges, truncation at any char boundary, straight and curly quotes.
//! Generation draws every choice from an [`arbitrary::Unstructured`], so the same code can be
//! driven by a coverage-guided fuzzer; here a seeded stream of entropy drives it ([`driver`]).
//! Every input is checked against the invariants of [`check`], and a failing one is shrunk
//! ([`shrink`]). [`stress`] holds the large inputs for the time bound.

pub mod check;
pub mod driver;
pub mod generate;
pub mod mutate;
pub mod shrink;
pub mod stress;
pub mod vocab;
