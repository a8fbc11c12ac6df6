//! The `gasdesk` command line, run as a user would: adding a user with the password on standard
//! input, importing a customer file, and serving the demo city.

use crate::customers::EXPORT;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn gasdesk(url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gasdesk"));
    command
        .arg("--database-url")
        .arg(url)
        .env_remove("GASDESK_DATABASE_URL")
        .env("GASDESK_LOG", "warn");
    command
}

#[test]
fn user_add_reads_the_password_from_stdin_and_import_reports_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("cli.db").display());

    let mut child = gasdesk(&url)
        .args([
            "user",
            "add",
            "shen.jiayi",
            "--role",
            "dispatcher",
            "--display-name",
            "沈佳怡",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"s3cret-pass\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("话务员"));

    let output = gasdesk(&url)
        .args(["user", "add", "x", "--role", "boss"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("boss"));

    let file = dir.path().join("export.csv");
    std::fs::write(&file, EXPORT).unwrap();
    let output = gasdesk(&url)
        .args(["import", "customers"])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("2 new, 0 updated, 4 rejected"), "{stdout}");
    assert!(stdout.contains("line 3: card_no"), "{stdout}");
    assert!(stdout.contains("line 7: arrears"), "{stdout}");

    let output = gasdesk(&url)
        .args(["import", "customers", "/no/such/file.csv"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("/no/such/file.csv"));
}

#[test]
fn serve_demo_prints_logins_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("demo.db").display());
    let mut child = gasdesk(&url)
        .args([
            "serve",
            "--demo",
            "--demo-customers",
            "500",
            "--addr",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let base = loop {
        let line = lines
            .next()
            .expect("server exited before listening")
            .unwrap();
        if let Some(base) = line.strip_prefix("gasdesk listening on ") {
            break base.to_owned();
        }
        seen.push(line);
    };
    let text = seen.join("\n");
    assert!(text.contains("500 customers"), "{text}");
    assert!(text.contains("118 service areas"), "{text}");
    // The map data's folded outlines are repaired, and each repair is reported.
    assert_eq!(text.matches("map outline repaired").count(), 8, "{text}");
    for login in [
        "admin",
        "leader",
        "dispatcher",
        "repairer",
        "patroller",
        "manager",
    ] {
        assert!(text.contains(login), "{text}");
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let login: serde_json::Value = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "dispatcher", "password": "gasdesk2026"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["token"].as_str().expect("demo dispatcher signs in");
        let page: serde_json::Value = client
            .get(format!(
                "{base}/api/v1/customers?q=%E5%A7%91%E8%8B%8F%E5%8C%BA&limit=1"
            )) // 姑苏区
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(page["total"].as_u64().unwrap() > 0, "{page}");
        let teams: Vec<serde_json::Value> = client
            .get(format!("{base}/api/v1/teams"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            teams
                .iter()
                .any(|t| t["name"] == "姑苏区维修班" && t["kind"] == "repair")
        );
        assert!(teams.iter().any(|t| t["kind"] == "emergency_repair"));
    });
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn import_areas_refuses_a_broken_file_whole_and_repairs_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("areas.db").display()
    );
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let db = gasdesk_server::open(&gasdesk_server::Config {
            database_url: url.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
        gasdesk_server::teams::create(
            &db,
            gasdesk_server::db::audit::Actor::SYSTEM,
            gasdesk_shared::api::NewTeam {
                name: "姑苏区维修班".into(),
                kind: gasdesk_shared::TeamKind::Repair,
                phone: None,
                leader_id: None,
            },
        )
        .await
        .unwrap();
        db.close().await;
    });
    // Feature 1 is a clockwise ring: refused without --repair, re-oriented with it.
    let file = dir.path().join("areas.geojson");
    std::fs::write(
        &file,
        r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"name":"双塔街道","team":"姑苏区维修班"},"geometry":{"type":"Polygon","coordinates":[[[120.60,31.28],[120.62,31.28],[120.62,31.30],[120.60,31.30],[120.60,31.28]]]}},
          {"type":"Feature","properties":{"name":"平江街道","team":"姑苏区维修班"},"geometry":{"type":"Polygon","coordinates":[[[120.62,31.30],[120.62,31.32],[120.64,31.32],[120.64,31.30],[120.62,31.30]]]}}
        ]}"#,
    )
    .unwrap();
    let output = gasdesk(&url)
        .args(["import", "areas"])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains("nothing was imported") && stdout.contains("feature 1: badly oriented"),
        "{stdout}"
    );
    let exported = gasdesk(&url).args(["export", "areas"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&exported.stdout).unwrap();
    assert_eq!(
        doc["features"].as_array().unwrap().len(),
        0,
        "nothing half-applied"
    );

    let output = gasdesk(&url)
        .args(["import", "areas", "--repair"])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("imported 2 feature(s)")
            && stdout.contains("repaired feature 1: re-oriented"),
        "{stdout}"
    );
    let exported = gasdesk(&url).args(["export", "areas"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&exported.stdout).unwrap();
    assert_eq!(doc["features"][1]["properties"]["name"], "平江街道");
}
