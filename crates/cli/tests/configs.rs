//! The example configurations in deploy/config are documentation; loading each one here
//! keeps them from drifting from the code.

use std::path::PathBuf;

use statecraft_cli::ClusterConfig;
use statecraft_runtime::config::{ConfigSources, load};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy/config")
        .join(name)
}

fn sources(path: &std::path::Path) -> ConfigSources<'_> {
    ConfigSources {
        file: Some(path),
        env_section: None,
        env: Vec::new(),
    }
}

#[test]
fn every_example_config_loads() {
    let ingest: statecraft_ingest::Config =
        load(sources(&example("ingest.toml")), &toml::Table::new()).unwrap();
    assert_eq!(ingest.listen.port(), 50051);
    assert_eq!(
        ingest,
        statecraft_ingest::Config::default(),
        "the example documents the defaults"
    );
    let extraction: statecraft_extraction::Config =
        load(sources(&example("extraction.toml")), &toml::Table::new()).unwrap();
    assert_eq!(extraction.listen.port(), 50052);
    assert_eq!(extraction.max_deliver, 5);
    let query: statecraft_query::Config =
        load(sources(&example("query.toml")), &toml::Table::new()).unwrap();
    assert_eq!(
        query,
        statecraft_query::Config::default(),
        "the example documents the defaults"
    );
    let all: ClusterConfig =
        load(sources(&example("statecraft.toml")), &toml::Table::new()).unwrap();
    assert_eq!(all.query.listen.port(), 50053);
    assert_eq!(all.ingest.log, all.query.log);
}

#[test]
fn environment_overrides_the_file() {
    let env = vec![(
        "STATECRAFT_QUERY__MAX_PAGE_SIZE".to_owned(),
        "20".to_owned(),
    )];
    let path = example("query.toml");
    let query: statecraft_query::Config = load(
        ConfigSources {
            file: Some(&path),
            env_section: Some("query"),
            env,
        },
        &toml::Table::new(),
    )
    .unwrap();
    assert_eq!(query.max_page_size, 20);
}

/// The keys the examples show commented out are real keys with valid values: uncommented,
/// each file still loads and sets them.
#[test]
fn commented_example_keys_are_valid() {
    let dir = tempfile::tempdir().unwrap();
    let uncommented = |name: &str| {
        let text = std::fs::read_to_string(example(name)).unwrap();
        let text: String = text
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest)
                    if rest.split_once(" = ").is_some_and(|(key, _)| {
                        key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    }) =>
                {
                    rest
                }
                _ => line,
            })
            .map(|line| format!("{line}\n"))
            .collect();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let ingest: statecraft_ingest::Config =
        load(sources(&uncommented("ingest.toml")), &toml::Table::new()).unwrap();
    let extraction: statecraft_extraction::Config = load(
        sources(&uncommented("extraction.toml")),
        &toml::Table::new(),
    )
    .unwrap();
    let query: statecraft_query::Config =
        load(sources(&uncommented("query.toml")), &toml::Table::new()).unwrap();
    for server in [&ingest.server, &extraction.server, &query.server] {
        assert_eq!(server.token(), Some("change-me"));
        assert_eq!(
            server.tls_cert.as_deref(),
            Some(std::path::Path::new("certs/cert.pem"))
        );
        assert_eq!(server.metrics_listen.map(|a| a.port()), Some(9090));
    }
}
