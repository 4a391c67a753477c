//! Domain types of statecraft: documents, actors, events and the CAMEO/PLOVER code table.
//!
//! Types here are precise (no `Option` for required fields, ids as newtypes) and serialise to
//! the event JSON of DESIGN.md §3. Wire types stay in `statecraft-proto`: receiving code
//! converts with `TryFrom<pb::X>` (which validates), sending code with `From<X> for pb::X`.
//! This crate depends on `statecraft-proto` only.

mod actor;
mod codes;
mod document;
mod error;
mod event;
mod validate;
mod wire;

pub use actor::{Actor, ActorKind};
pub use codes::{CameoCode, cameo_code, quad_class_of};
pub use document::{
    DateOrigin, DocId, Document, has_visible_text, is_visible, legacy_normalize_text,
    normalize_text,
};
pub use error::{ProtocolError, Result};
pub use event::{
    DatePrecision, Event, EventDate, EventType, Evidence, Plover, Polarity, SanctionDetails,
    event_id,
};
pub use validate::{
    DEFAULT_MAX_DOCUMENT_BYTES, DocumentFields, MAX_ID_BYTES, check_lookup_id,
    parse_publication_date, quote_prefix, validate_document,
};
