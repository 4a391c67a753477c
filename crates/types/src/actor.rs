use serde::{Deserialize, Serialize};

/// What kind of actor a mention refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActorKind {
    /// A sovereign state.
    State,
    /// A ministry, agency, mission or administration.
    GovernmentBody,
    /// A named person.
    Person,
    /// A company or other business entity.
    Company,
    /// An intergovernmental organisation or one of its organs.
    Igo,
    /// A non-governmental organisation.
    Ngo,
    /// An unnamed group ("Western diplomats").
    Group,
}

impl ActorKind {
    /// The JSON / table name ("GOVERNMENT_BODY").
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::State => "STATE",
            ActorKind::GovernmentBody => "GOVERNMENT_BODY",
            ActorKind::Person => "PERSON",
            ActorKind::Company => "COMPANY",
            ActorKind::Igo => "IGO",
            ActorKind::Ngo => "NGO",
            ActorKind::Group => "GROUP",
        }
    }
}

/// A participant in an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Actor {
    /// Canonical name.
    pub name: String,
    /// Surface text in the document.
    pub mention: String,
    /// Kind of actor.
    pub kind: ActorKind,
    /// ISO 3166-1 alpha-3 code or IGO code; `None` when unknown.
    pub country: Option<String>,
    /// CAMEO/PLOVER agent sector (GOV, BUS, ...).
    pub sector: Option<String>,
    /// Office title for people.
    pub title: Option<String>,
    /// CAMEO actor code ("USAGOV").
    pub cameo_code: String,
}

impl Actor {
    /// Whether two actors denote the same entity (same canonical name and country).
    pub fn same_entity(&self, other: &Actor) -> bool {
        self.name == other.name && self.country == other.country
    }
}
