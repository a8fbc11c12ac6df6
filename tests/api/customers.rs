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
    lookup_by_the_start_of_a_number,
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

/// Intake while on the phone: the first digits of a card or phone number find the customer.
async fn lookup_by_the_start_of_a_number(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let admin = server.user_token("admin", Role::Admin).await;
    let dispatcher = server.user_token("hw001", Role::Dispatcher).await;
    import(&server, &admin, EXPORT).await;
    let search = |query: String| {
        let request = server.request(
            Method::GET,
            &format!("/api/v1/customers?{query}"),
            &dispatcher,
        );
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let cards = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["card_no"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, by_card) = search("number=0800".into()).await;
    assert_eq!(status, 200, "{by_card}");
    // The two good rows of the export (the others were refused).
    assert_eq!(cards(&by_card), ["0800001", "0800003"]);
    assert_eq!(by_card["total"], 2);
    assert_ne!(by_card["capped"], true, "absent when not capped");
    let (_, one) = search("number=080000%203".into()).await; // "080000 3": spaces ignored
    assert_eq!(cards(&one), ["0800003"]);
    // A mobile's first digits, and a landline typed with its dash (stored without).
    let (_, mobile) = search("number=137".into()).await;
    assert_eq!(cards(&mobile), ["0800003"], "{mobile}");
    assert_eq!(mobile["items"][0]["name"], "王芳");
    let (_, landline) = search("number=0512-6523".into()).await;
    assert_eq!(cards(&landline), ["0800001"], "{landline}");
    // 张伟 has 13812345678; 王芳's 13700002222 does not start with 138.
    let (_, both) = search("number=138".into()).await;
    assert_eq!(cards(&both), ["0800001"]);
    let (_, none) = search("number=0801".into()).await;
    assert_eq!(none["total"], 0);
    assert_eq!(cards(&none), Vec::<String>::new());

    // Refusals name the parameter and say what is wrong.
    for (query, needle) in [
        ("number=08", "at least 3"),
        ("number=08%2500", "`%`"),
        ("number=0800&q=x", "alone"),
        ("number=012345678901234567890123456789012", "32 characters"),
    ] {
        let (status, body) = search(query.into()).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["error"]["field"], "number", "{query}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{query}: {message}");
    }

    // More matches than a page: counted up to the cap, paged in card order.
    let mut csv = String::from("交费卡号,户名,用气地址\n");
    for i in 0..505 {
        csv.push_str(&format!("0900{i:04},用户{i},苏州市姑苏区十全街{i}号\n"));
    }
    let response = server
        .request(Method::POST, "/api/v1/customers/import", &admin)
        .header("content-type", "text/csv; charset=utf-8")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let (_, many) = search("number=0900&limit=10".into()).await;
    assert_eq!(many["total"], 500, "counted up to the cap");
    assert_eq!(many["capped"], true);
    assert_eq!(cards(&many)[0], "09000000");
    let (_, tail) = search("number=0900&limit=50&offset=490".into()).await;
    assert_eq!(
        cards(&tail),
        (490..500)
            .map(|i| format!("0900{i:04}"))
            .collect::<Vec<_>>()
    );
    let (_, exact) = search("number=09000504".into()).await;
    assert_eq!(cards(&exact), ["09000504"]);
    assert_ne!(exact["capped"], true);
    server.stop().await;
}
