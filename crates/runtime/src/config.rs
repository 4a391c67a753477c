//! Layered configuration: defaults → TOML file → `STATECRAFT_*` environment → explicit
//! overrides (CLI flags). Nested keys use a double underscore in the environment:
//! `STATECRAFT_QUERY__LISTEN=0.0.0.0:50053`.

use std::path::Path;

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Exit code for configuration errors (EX_USAGE).
pub const EXIT_USAGE: i32 = 64;

/// A configuration that could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(pub String);

/// Where configuration comes from, lowest precedence first.
pub struct ConfigSources<'a> {
    /// An optional TOML file.
    pub file: Option<&'a Path>,
    /// The environment section: `STATECRAFT_<SECTION>__<KEY>` sets `<key>`; `None` reads no
    /// environment. The empty section reads `STATECRAFT_<SECTION>__<KEY>` as `<section>.<key>`
    /// (for a configuration made of service sections, like `statecraft serve`'s); variables
    /// without a double underscore (`STATECRAFT_TOKEN`) are not configuration and are skipped.
    pub env_section: Option<&'a str>,
    /// Environment variables, as `(name, value)`; the process environment in binaries, a
    /// fixed list in tests.
    pub env: Vec<(String, String)>,
}

/// Loads `T` from defaults, a TOML file, the environment and explicit overrides (a partial
/// TOML document built from CLI flags).
pub fn load<T>(sources: ConfigSources<'_>, overrides: &toml::Table) -> Result<T, ConfigError>
where
    T: Serialize + DeserializeOwned + Default,
{
    let mut figment = Figment::from(Serialized::defaults(T::default()));
    if let Some(file) = sources.file {
        if !file.exists() {
            return Err(ConfigError(format!(
                "config file {} does not exist",
                file.display()
            )));
        }
        figment = figment.merge(Toml::file(file));
    }
    if let Some(section) = sources.env_section {
        let prefix = if section.is_empty() {
            "STATECRAFT_".to_owned()
        } else {
            format!("STATECRAFT_{}__", section.to_ascii_uppercase())
        };
        let pairs: Vec<(String, String)> = sources
            .env
            .into_iter()
            .filter_map(|(name, value)| {
                name.strip_prefix(&prefix)
                    .filter(|key| !section.is_empty() || key.contains("__"))
                    .map(|key| (key.to_ascii_lowercase().replace("__", "."), value))
            })
            .collect();
        for (key, value) in pairs {
            let parsed: toml::Value = format!("v = {value}")
                .parse::<toml::Table>()
                .ok()
                .and_then(|mut t| t.remove("v"))
                .unwrap_or(toml::Value::String(value));
            figment = figment.merge(Serialized::global(&key, parsed));
        }
    }
    figment = figment.merge(Serialized::globals(overrides));
    figment.extract().map_err(|e| ConfigError(e.to_string()))
}

/// The process environment, for [`ConfigSources::env`].
pub fn process_env() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("STATECRAFT_"))
        .collect()
}

/// Renders a configuration as TOML (for `--dump-config`).
pub fn dump<T: Serialize>(config: &T) -> Result<String, ConfigError> {
    toml::to_string_pretty(config).map_err(|e| ConfigError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, default)]
    struct Sample {
        listen: String,
        limit: u64,
        nested: Nested,
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq, Default)]
    #[serde(deny_unknown_fields, default)]
    struct Nested {
        flag: bool,
    }

    impl Default for Sample {
        fn default() -> Self {
            Self {
                listen: "127.0.0.1:1".into(),
                limit: 10,
                nested: Nested::default(),
            }
        }
    }

    #[test]
    fn layers_apply_in_order_and_unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:2\"\nlimit = 20\n").unwrap();
        let env = vec![
            ("STATECRAFT_SAMPLE__LIMIT".to_owned(), "30".to_owned()),
            (
                "STATECRAFT_SAMPLE__NESTED__FLAG".to_owned(),
                "true".to_owned(),
            ),
            ("STATECRAFT_OTHER__LIMIT".to_owned(), "99".to_owned()),
        ];
        let mut overrides = toml::Table::new();
        overrides.insert("listen".into(), toml::Value::String("127.0.0.1:3".into()));
        let sample: Sample = load(
            ConfigSources {
                file: Some(&file),
                env_section: Some("sample"),
                env,
            },
            &overrides,
        )
        .unwrap();
        assert_eq!(sample.listen, "127.0.0.1:3", "flags win");
        assert_eq!(sample.limit, 30, "environment beats the file");
        assert!(sample.nested.flag, "double underscore nests");

        std::fs::write(&file, "bogus = 1\n").unwrap();
        let err = load::<Sample>(
            ConfigSources {
                file: Some(&file),
                env_section: None,
                env: vec![],
            },
            &toml::Table::new(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("bogus"), "{err}");

        // The empty section: whole key paths, and plain variables are not configuration.
        std::fs::write(&file, "listen = \"127.0.0.1:2\"\n").unwrap();
        let sample: Sample = load(
            ConfigSources {
                file: Some(&file),
                env_section: Some(""),
                env: vec![
                    ("STATECRAFT_NESTED__FLAG".to_owned(), "true".to_owned()),
                    ("STATECRAFT_TOKEN".to_owned(), "not config".to_owned()),
                ],
            },
            &toml::Table::new(),
        )
        .unwrap();
        assert!(sample.nested.flag);
        let missing = dir.path().join("missing.toml");
        assert!(
            load::<Sample>(
                ConfigSources {
                    file: Some(&missing),
                    env_section: None,
                    env: vec![]
                },
                &toml::Table::new()
            )
            .is_err()
        );
    }
}
