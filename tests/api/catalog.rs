//! Changing catalog entries: leaders and admins correct names, units and prices and retire
//! entries; everyone else is refused, bad values are named, and the phones' reference data
//! follows every change (and only real changes).

use crate::on_both_engines;
use crate::support::{Engine, TestServer, expect_error, ok_json, send};
use crate::sync::Phone;
use gasdesk_server::db::audit::{self, AuditFilter};
use gasdesk_shared::Role;
use reqwest::Method;
use serde_json::{Value, json};

on_both_engines!(
    leaders_and_admins_change_catalog_entries_and_each_change_is_audited,
    catalog_changes_are_refused_with_reasons,
    phones_pull_the_changed_catalog,
    the_reference_fingerprint_follows_changes_within_one_second,
);

const ITEM: &str = "/api/v1/catalog/repair-items";
const MATERIAL: &str = "/api/v1/catalog/materials";

/// One repair item `WX001` and one material `CL001`, added by the leader it returns.
async fn catalog(server: &TestServer) -> String {
    let leader = server.user_token("bz001", Role::TeamLeader).await;
    ok_json(
        send(server, Method::POST, ITEM, &leader,
            json!({"code":"WX001","name":"灶具不点火","category":"灶具","workload_points":1.5,"onsite_fee_fen":2000})).await,
        201,
    )
    .await;
    ok_json(
        send(
            server,
            Method::POST,
            MATERIAL,
            &leader,
            json!({"code":"CL001","name":"燃气胶管","spec":"1.2米","unit":"根","price_fen":1500}),
        )
        .await,
        201,
    )
    .await;
    leader
}

async fn list(server: &TestServer, path: &str, token: &str) -> Vec<Value> {
    ok_json(
        server
            .request(Method::GET, path, token)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
    .as_array()
    .unwrap()
    .clone()
}

async fn audit_entries(server: &TestServer, entity: &str, id: &Value) -> Vec<audit::AuditRow> {
    let filter = AuditFilter {
        entity: Some(entity),
        entity_id: id.as_str(),
        limit: 20,
        offset: 0,
    };
    audit::list(&server.db, &filter).await.unwrap().0
}

async fn leaders_and_admins_change_catalog_entries_and_each_change_is_audited(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let leader = catalog(&server).await;
    let admin = server.user_token("admin", Role::Admin).await;
    let repairer = server.user_token("wx001", Role::Repairer).await;

    let item = ok_json(
        send(
            &server,
            Method::PATCH,
            &format!("{ITEM}/WX001"),
            &leader,
            json!({"name":" 灶具打不着火 ","workload_points":2.0,"onsite_fee_fen":2500}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(item["code"], "WX001");
    assert_eq!(item["name"], "灶具打不着火", "trimmed");
    assert_eq!(item["category"], "灶具", "untouched");
    assert_eq!(item["workload_points"], 2.0);
    assert_eq!(item["onsite_fee_fen"], 2500);
    assert_eq!(item["active"], true);
    assert_eq!(list(&server, ITEM, &repairer).await, vec![item.clone()]);

    let material = ok_json(
        send(
            &server,
            Method::PATCH,
            &format!("{MATERIAL}/CL001"),
            &admin,
            json!({"unit":"米","price_fen":1800,"spec":"","active":false}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(material["name"], "燃气胶管");
    assert_eq!(material["unit"], "米");
    assert_eq!(material["price_fen"], 1800);
    assert_eq!(material["spec"], Value::Null, "a blank spec clears it");
    assert_eq!(material["active"], false, "retired");
    assert_eq!(
        list(&server, MATERIAL, &repairer).await,
        vec![material.clone()],
        "a retired entry stays readable"
    );
    // And comes back into use.
    let material = ok_json(
        send(
            &server,
            Method::PATCH,
            &format!("{MATERIAL}/CL001"),
            &leader,
            json!({"active":true}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(material["active"], true);

    let entries = audit_entries(&server, "repair_item", &item["id"]).await;
    assert_eq!(entries.len(), 2, "created and changed");
    assert_eq!(entries[0].action, "repair_item.update");
    assert_eq!(
        entries[0].details.0,
        json!({"code":"WX001","name":{"old":"灶具不点火","new":"灶具打不着火"},
               "workload_points":{"old":1.5,"new":2.0},
               "onsite_fee_fen":{"old":2000,"new":2500}})
    );
    let entries = audit_entries(&server, "material", &material["id"]).await;
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0].action, "material.update");
    assert_eq!(
        entries[0].details.0,
        json!({"code":"CL001","active":{"old":false,"new":true}})
    );
    assert_eq!(
        entries[1].details.0,
        json!({"code":"CL001","unit":{"old":"根","new":"米"},"price_fen":{"old":1500,"new":1800},
               "spec":{"old":"1.2米","new":null},"active":{"old":true,"new":false}})
    );

    // A change that changes nothing is answered but neither written nor audited.
    let same = ok_json(
        send(
            &server,
            Method::PATCH,
            &format!("{ITEM}/WX001"),
            &leader,
            json!({"name":"灶具打不着火","onsite_fee_fen":2500}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(same, item);
    assert_eq!(
        audit_entries(&server, "repair_item", &item["id"])
            .await
            .len(),
        2
    );
    server.stop().await;
}

async fn catalog_changes_are_refused_with_reasons(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let leader = catalog(&server).await;
    for role in [
        Role::Repairer,
        Role::Dispatcher,
        Role::Patroller,
        Role::Manager,
    ] {
        let token = server
            .user_token(&format!("u{}", role.as_str()), role)
            .await;
        for path in [
            format!("{ITEM}/WX001"),
            format!("{MATERIAL}/CL001"),
            format!("{ITEM}/NOPE"),
        ] {
            expect_error(
                send(
                    &server,
                    Method::PATCH,
                    &path,
                    &token,
                    json!({"name":"改名"}),
                )
                .await,
                403,
                "forbidden",
            )
            .await;
        }
    }
    for path in [format!("{ITEM}/NOPE"), format!("{MATERIAL}/WX001")] {
        let body = expect_error(
            send(
                &server,
                Method::PATCH,
                &path,
                &leader,
                json!({"name":"改名"}),
            )
            .await,
            404,
            "not_found",
        )
        .await;
        assert!(
            body["error"]["message"].as_str().unwrap().contains('`'),
            "{body}"
        );
    }
    let refused = [
        (ITEM, json!({"name":"  "}), "name"),
        (ITEM, json!({"category":""}), "category"),
        (ITEM, json!({"workload_points":-0.5}), "workload_points"),
        (ITEM, json!({"workload_points":1000.5}), "workload_points"),
        (ITEM, json!({"onsite_fee_fen":-1}), "onsite_fee_fen"),
        (ITEM, json!({"onsite_fee_fen":"20元"}), "onsite_fee_fen"),
        (ITEM, json!({"active":"no"}), "active"),
        (ITEM, json!({"code":"WX002"}), "code"),
        (MATERIAL, json!({"name":"x".repeat(65)}), "name"),
        (MATERIAL, json!({"unit":""}), "unit"),
        (MATERIAL, json!({"unit":"立方米每小时每平方"}), "unit"),
        (MATERIAL, json!({"price_fen":-5}), "price_fen"),
        (MATERIAL, json!({"price_fen":2_000_000_000}), "price_fen"),
        (MATERIAL, json!({"price_fen":1.5}), "price_fen"),
        (MATERIAL, json!({"spec":"y".repeat(65)}), "spec"),
        // A bad value refuses the whole change, the good ones with it.
        (
            MATERIAL,
            json!({"name":"新名字","price_fen":-5}),
            "price_fen",
        ),
    ];
    for (base, change, field) in refused {
        let code = if base == ITEM { "WX001" } else { "CL001" };
        let body = expect_error(
            send(
                &server,
                Method::PATCH,
                &format!("{base}/{code}"),
                &leader,
                change.clone(),
            )
            .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(body["error"]["field"], field, "{change}: {body}");
    }
    let items = list(&server, ITEM, &leader).await;
    assert_eq!(items[0]["name"], "灶具不点火");
    assert_eq!(items[0]["workload_points"], 1.5);
    assert_eq!(items[0]["onsite_fee_fen"], 2000);
    let materials = list(&server, MATERIAL, &leader).await;
    assert_eq!(materials[0]["name"], "燃气胶管");
    assert_eq!(materials[0]["unit"], "根");
    assert_eq!(materials[0]["price_fen"], 1500);
    assert_eq!(materials[0]["spec"], "1.2米");
    assert_eq!(
        audit_entries(&server, "repair_item", &items[0]["id"])
            .await
            .len(),
        1
    );
    assert_eq!(
        audit_entries(&server, "material", &materials[0]["id"])
            .await
            .len(),
        1
    );
    server.stop().await;
}

async fn phones_pull_the_changed_catalog(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let leader = catalog(&server).await;
    let repairer = server.user_token("wx001", Role::Repairer).await;
    let mut phone = Phone::register(&server, &repairer, Role::Repairer).await;
    phone.pull_all(&server).await;
    let before = phone
        .replica
        .reference
        .clone()
        .expect("catalogs for offline use");
    assert_eq!(before.materials[0].price_fen, 1500);

    // Unchanged catalogs are not sent again, and neither after a change that changes nothing.
    ok_json(
        send(
            &server,
            Method::PATCH,
            &format!("{MATERIAL}/CL001"),
            &leader,
            json!({"price_fen":1500}),
        )
        .await,
        200,
    )
    .await;
    assert!(phone.pull_page(&server, 200).await.reference.is_none());

    // Right after one another, within the same second: each change reaches the phone.
    for (price, retire) in [(1800, false), (1801, true), (1802, false)] {
        ok_json(
            send(
                &server,
                Method::PATCH,
                &format!("{MATERIAL}/CL001"),
                &leader,
                json!({"price_fen":price}),
            )
            .await,
            200,
        )
        .await;
        ok_json(
            send(
                &server,
                Method::PATCH,
                &format!("{ITEM}/WX001"),
                &leader,
                json!({"active":!retire,"name":format!("灶具不点火{price}")}),
            )
            .await,
            200,
        )
        .await;
        let previous = phone.replica.reference.clone().unwrap().version;
        let reference = phone
            .pull_page(&server, 200)
            .await
            .reference
            .expect("the catalog changed");
        assert_ne!(reference.version, previous);
        assert_eq!(reference.materials[0].price_fen, price);
        assert_eq!(reference.repair_items[0].name, format!("灶具不点火{price}"));
        assert_eq!(
            reference.repair_items[0].active, !retire,
            "kept, marked retired"
        );
        assert_eq!(
            phone.replica.reference.as_ref().unwrap().version,
            reference.version
        );
    }
    server.stop().await;
}

/// Changes within one second whose stored times differ only in the fraction's length (SQLite
/// keeps `…05.1Z` and `…05.12Z`, which sort against time as text) still change the fingerprint
/// the phones' reference version is cached under.
async fn the_reference_fingerprint_follows_changes_within_one_second(engine: Engine) {
    use gasdesk_server::db::{catalog as store, sync::reference_fingerprint};
    use time::macros::datetime;
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let leader = catalog(&server).await;
    ok_json(
        send(
            &server,
            Method::POST,
            ITEM,
            &leader,
            json!({"code":"WX002","name":"热水器不打火","category":"热水器","workload_points":2.0}),
        )
        .await,
        201,
    )
    .await;
    let mut seen = Vec::new();
    // Each change to the other item than the last: the newest time is always the one just set.
    for (code, at) in ["WX001", "WX002", "WX001", "WX002"].into_iter().zip([
        datetime!(2030-01-01 0:00:05 UTC),
        datetime!(2030-01-01 0:00:05.1 UTC),
        datetime!(2030-01-01 0:00:05.12 UTC),
        datetime!(2030-01-01 0:00:05.123 UTC),
    ]) {
        let mut item = store::repair_item_by_code(&server.db, code)
            .await
            .unwrap()
            .unwrap();
        item.updated_at = at;
        let mut tx = server.db.begin().await.unwrap();
        store::update_repair_item(&mut tx, &item).await.unwrap();
        tx.commit().await.unwrap();
        let fingerprint = reference_fingerprint(&server.db).await.unwrap();
        assert!(
            !seen.contains(&fingerprint),
            "{at}: {fingerprint} seen before"
        );
        seen.push(fingerprint);
    }
    server.stop().await;
}
