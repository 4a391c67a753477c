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
mod wire;

pub use actor::{Actor, ActorKind};
pub use codes::{CameoCode, cameo_code, quad_class_of};
pub use document::{DateOrigin, DocId, Document, normalize_text};
pub use error::{ProtocolError, Result};
pub use event::{
    DatePrecision, Event, EventDate, EventType, Evidence, Plover, Polarity, SanctionDetails,
    event_id,
};
