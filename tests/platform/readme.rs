//! The README's local examples, run as written against the launcher, so that the README
//! cannot drift from what the platform does.
//!
//! An example is a `sh` code block right after a line `<!-- example: NAME expect=WHAT -->`,
//! where WHAT is `data` (an answer with data and no errors), `same-as:OTHER` (the very answer
//! example OTHER got), `code:CODE` (an error whose `extensions.code` is CODE), `multipart` (an
//! incremental `@defer` answer: a first part with data, then parts whose last says `hasNext:
//! false`, no errors) or `none` (a step that prints nothing, e.g. making a token). The blocks run in README order in one bash
//! session (a block may set a variable, e.g. a token, that a later block sends as a header),
//! with the README's gateway address replaced by the test's, `cargo run --release -q --` by the
//! launcher binary under test, and the launcher's data directory (its dev key) the test's.

use crate::support::{Options, Platform};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use subgraph_kit::testing::TestDb;

/// The address the README's examples use.
const README_GATEWAY: &str = "http://127.0.0.1:4000";

/// One marked example of the README.
#[derive(Debug)]
struct Example {
    name: String,
    expect: String,
    script: String,
}

/// Every marked example of `readme`, in order.
fn examples(readme: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        let Some(marker) = line
            .trim()
            .strip_prefix("<!-- example:")
            .and_then(|rest| rest.strip_suffix("-->"))
        else {
            continue;
        };
        let mut words = marker.split_whitespace();
        let name = words.next().expect("an example name").to_string();
        let expect = words
            .find_map(|w| w.strip_prefix("expect="))
            .unwrap_or_else(|| panic!("example {name} says nothing to expect"))
            .to_string();
        assert_eq!(
            lines.next().map(str::trim),
            Some("```sh"),
            "example {name}: the marker must be followed by a sh block"
        );
        let script: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        found.push(Example {
            name,
            expect,
            script: script.join("\n"),
        });
    }
    found
}

/// Run every example in one bash session; returns each one's standard output.
fn run(examples: &[Example], gateway: &str, data_dir: &Path, dir: &Path) -> Vec<String> {
    let launcher = env!("CARGO_BIN_EXE_crowdcrunch");
    let mut session = String::from("set -euo pipefail\n");
    for (i, example) in examples.iter().enumerate() {
        let script = example
            .script
            .replace(README_GATEWAY, gateway)
            .replace("cargo run --release -q --", launcher);
        session.push_str(&format!("{{\n{script}\n}} > {}/{i}.out\n", dir.display()));
    }
    let output = Command::new("bash")
        .arg("-c")
        .arg(&session)
        .env("CROWDCRUNCH_DATA_DIR", data_dir)
        .output()
        .expect("run bash");
    assert!(
        output.status.success(),
        "the README's examples failed ({}):\n{}\n--- stderr\n{}",
        output.status,
        session,
        String::from_utf8_lossy(&output.stderr)
    );
    (0..examples.len())
        .map(|i| std::fs::read_to_string(dir.join(format!("{i}.out"))).expect("an output"))
        .collect()
}

fn json(name: &str, output: &str) -> Value {
    serde_json::from_str(output)
        .unwrap_or_else(|e| panic!("example {name} printed no JSON ({e}): {output}"))
}

/// Checks a `multipart/mixed` (boundary `-`) incremental answer.
fn check_multipart(name: &str, output: &str) {
    let parts: Vec<Value> = output
        .split("\r\n---")
        .filter_map(|chunk| serde_json::from_str(chunk.split_once("\r\n\r\n")?.1.trim()).ok())
        .collect();
    assert!(
        parts.len() >= 2,
        "{name}: not an incremental answer: {output}"
    );
    assert_eq!(parts[0]["hasNext"], true, "{name}: {output}");
    assert!(parts[0]["data"].is_object(), "{name}: {output}");
    assert_eq!(parts[parts.len() - 1]["hasNext"], false, "{name}: {output}");
    for part in &parts {
        assert!(part.get("errors").is_none(), "{name}: {output}");
        for item in part["incremental"].as_array().into_iter().flatten() {
            assert!(item.get("errors").is_none(), "{name}: {output}");
            assert!(item["data"].is_object(), "{name}: {output}");
        }
    }
}

#[test]
fn the_readme_examples_run_as_written_against_the_launcher() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let examples = examples(&readme);
    // The examples the README promises a newcomer: an answer, a replayed retry, an error code.
    for kind in ["data", "same-as:", "code:"] {
        assert!(
            examples.iter().any(|e| e.expect.starts_with(kind)),
            "no README example expects {kind}: {examples:#?}"
        );
    }
    let db = tokio::runtime::Runtime::new()
        .expect("tokio runtime")
        .block_on(TestDb::create());
    let dir = std::env::temp_dir().join(format!("cc-readme-{}", uuid::Uuid::new_v4()));
    let data_dir = dir.join("data");
    std::fs::create_dir_all(&data_dir).expect("a work directory");
    let platform = Platform::start(Options {
        database_url: Some(&db.url),
        data_dir: &data_dir,
    });
    let gateway = format!("http://{}", platform.addrs["gateway"]);
    let outputs = run(&examples, &gateway, &data_dir, &dir);
    for (example, output) in examples.iter().zip(&outputs) {
        let name = &example.name;
        if example.expect == "none" {
            assert!(output.trim().is_empty(), "{name} printed {output}");
            continue;
        }
        if example.expect == "multipart" {
            check_multipart(name, output);
            continue;
        }
        let answer = json(name, output);
        if example.expect == "data" {
            assert!(answer.get("errors").is_none(), "{name}: {answer:#}");
            assert!(
                answer["data"]
                    .as_object()
                    .is_some_and(|d| d.values().all(|v| !v.is_null())),
                "{name}: {answer:#}"
            );
        } else if let Some(other) = example.expect.strip_prefix("same-as:") {
            let first = examples
                .iter()
                .position(|e| e.name == other)
                .unwrap_or_else(|| panic!("{name}: no example {other}"));
            assert_eq!(answer, json(other, &outputs[first]), "{name} vs {other}");
        } else if let Some(code) = example.expect.strip_prefix("code:") {
            assert_eq!(
                answer["errors"][0]["extensions"]["code"], code,
                "{name}: {answer:#}"
            );
        } else {
            panic!("{name}: unknown expectation {:?}", example.expect);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
