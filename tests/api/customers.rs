//! Customer import (the billing system's CSV export) and lookup.

use crate::on_both_engines;
use crate::support::{Engine, TestServer, expect_error};
use gasdesk_shared::Role;
use reqwest::Method;
use serde_json::Value;

/// A billing export with Chinese headers, an unknown column, and three bad rows (lines 3, 5, 6).
pub const EXPORT: &str = "\
交费卡号,户名,联系电话,用气地址,区,街道,社区,经度,纬度,欠费金额,备注
0800001,张伟,13812345678/0512-65231234,苏州市姑苏区人民路1023号3幢502室,姑苏区,双塔街道,滚绣坊社区,120.6215,31.2960,0,
,李娜,13900001111,苏州市姑苏区干将路8号1幢101室,姑苏区,,,,,,缺卡号
0800003,王芳,13700002222,苏州市吴中区东吴北路66号2幢301室,吴中区,,,120.63,31.27,128.50,
0800004,赵敏,12ab,苏州市相城区相城大道1号,相城区,,,,,,
0800005,陈静,13600003333,苏州市虎丘区狮山路9号,虎丘区,,,200.5,31.3,,经度错
0800006,刘强,13500004444,苏州市昆山市前进东路5号,昆山市,,,,,12.345,
";

on_both_engines!(
    import_keeps_good_rows_and_reports_bad_ones,
    reimport_updates_by_card_number,
    import_refusals,
    lookup_by_address_card_and_phone,
);

async fn import(server: &TestServer, token: &str, csv: &'static str) -> reqwest::Response {
    server
        .request(Method::POST, "/api/v1/customers/import", token)
        .header("content-type", "text/csv; charset=utf-8")
        .body(csv)
        .send()
        .await
        .unwrap()
}

async fn import_keeps_good_rows_and_reports_bad_ones(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let admin = server.user_token("admin", Role::Admin).await;
    let response = import(&server, &admin, EXPORT).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["inserted"], 2, "{report}");
    assert_eq!(report["updated"], 0);
    let rejected: Vec<(u64, String)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rejected,
        vec![
            (3, "card_no".to_owned()),
            (5, "phones[0]".to_owned()),
            (6, "lon".to_owned()),
            (7, "arrears".to_owned()),
        ]
    );
    assert_eq!(
        gasdesk_server::db::customers::count(&server.db)
            .await
            .unwrap(),
        2
    );
    server.stop().await;
}

async fn reimport_updates_by_card_number(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let admin = server.user_token("admin", Role::Admin).await;
    import(&server, &admin, EXPORT).await;
    let update = "card_no,name,phones,address,arrears\n0800003,王芳,13700009999,苏州市吴中区东吴北路66号2幢301室,0\n";
    let report: Value = import(&server, &admin, update).await.json().await.unwrap();
    assert_eq!(
        (report["inserted"].as_u64(), report["updated"].as_u64()),
        (Some(0), Some(1)),
        "{report}"
    );
    let page: Value = server
        .request(Method::GET, "/api/v1/customers?card_no=0800003", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1);
    let customer = &page["items"][0];
    assert_eq!(customer["phones"], serde_json::json!(["13700009999"]));
    assert_eq!(customer["arrears_fen"], 0);
    server.stop().await;
}

async fn import_refusals(engine: Engine) {
    let Some(server) = TestServer::start_with(engine, |c| c.max_import_bytes = 4096).await else {
        return;
    };
    let admin = server.user_token("admin", Role::Admin).await;
    let dispatcher = server.user_token("hw001", Role::Dispatcher).await;
    expect_error(import(&server, &dispatcher, EXPORT).await, 403, "forbidden").await;
    let response = server
        .request(Method::POST, "/api/v1/customers/import", &admin)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    expect_error(response, 415, "unsupported_media_type").await;
    let body = expect_error(
        import(&server, &admin, "姓名,电话\n张三,13800000000\n").await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "header");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("card_no"),
        "{body}"
    );
    let big: &'static str = Box::leak(
        format!(
            "card_no,name,address\n{}",
            "0800001,张伟,地址\n".repeat(500)
        )
        .into_boxed_str(),
    );
    expect_error(import(&server, &admin, big).await, 413, "payload_too_large").await;
    assert_eq!(
        gasdesk_server::db::customers::count(&server.db)
            .await
            .unwrap(),
        0,
        "nothing written"
    );
    server.stop().await;
}

async fn lookup_by_address_card_and_phone(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let admin = server.user_token("admin", Role::Admin).await;
    let dispatcher = server.user_token("hw001", Role::Dispatcher).await;
    import(&server, &admin, EXPORT).await;
    let search = |query: &'static str| {
        let request = server.request(
            Method::GET,
            &format!("/api/v1/customers?{query}"),
            &dispatcher,
        );
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let by_address = search("q=%E4%BA%BA%E6%B0%91%E8%B7%AF1023").await; // 人民路1023
    assert_eq!(by_address["total"], 1, "{by_address}");
    assert_eq!(by_address["items"][0]["name"], "张伟");
    assert_eq!(
        by_address["items"][0]["phones"].as_array().unwrap().len(),
        2
    );
    let by_phone = search("phone=0512-6523-1234").await;
    assert_eq!(by_phone["items"][0]["card_no"], "0800001");
    let by_card = search("card_no=0800003").await;
    assert_eq!(by_card["items"][0]["arrears_fen"], 12850);
    let none = search("q=%25").await; // a bare `%` is not a wildcard
    assert_eq!(none["total"], 0);
    let body = expect_error(
        server
            .request(Method::GET, "/api/v1/customers?limit=100000", &dispatcher)
            .send()
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "limit");
    expect_error(
        server
            .request(Method::GET, "/api/v1/customers?limit=abc", &dispatcher)
            .send()
            .await
            .unwrap(),
        400,
        "malformed_request",
    )
    .await;
    server.stop().await;
}
