//! Consultations, events and the knowledge base on both engines, walked the way an agent and a
//! team leader work, with the refusals: a reply to a closed event, closing what still needs a
//! reply, a link to a ticket that does not exist, a field worker editing the knowledge base;
//! each clear and leaving nothing half-written.

use crate::on_both_engines;
use crate::support::{Engine, TestServer, expect_error, ok_json, send};
use gasdesk_server::db::audit::Actor;
use gasdesk_shared::Role;
use gasdesk_shared::callcenter::{EventKind, NewEvent};
use reqwest::Method;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

on_both_engines!(
    consultations_are_answered_or_forwarded_and_replied,
    events_take_one_reply_and_close_only_when_answered,
    knowledge_search_finds_chinese_words_and_ranks_keywords_first,
);

async fn get(server: &TestServer, path: &str, token: &str) -> reqwest::Response {
    server
        .request(Method::GET, path, token)
        .send()
        .await
        .unwrap()
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

/// How many audit entries there are about one kind of entity.
async fn audited(server: &TestServer, admin: &str, entity: &str) -> u64 {
    let page = ok_json(
        get(server, &format!("/api/v1/audit?entity={entity}"), admin).await,
        200,
    )
    .await;
    page["total"].as_u64().unwrap()
}

async fn consultations_are_answered_or_forwarded_and_replied(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let agent = server.user_token("hw001", Role::Dispatcher).await;
    let admin = server.user_token("admin", Role::Admin).await;
    let repairer = server.user_token("wx001", Role::Repairer).await;
    let patroller = server.user_token("xx001", Role::Patroller).await;
    let path = "/api/v1/consultations";

    // Answered on the call, then closed; closed is final.
    let answered = ok_json(
        send(
            &server,
            Method::POST,
            path,
            &agent,
            json!({
                "caller": "李女士", "phone": "138 1234 5678",
                "question": "燃气费可以在哪里交？", "answer": "营业厅、银行代收或手机缴费均可",
            }),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(answered["status"], "answered");
    assert_eq!(answered["phone"], "13812345678");
    let answered_id = answered["id"].as_str().unwrap().to_owned();
    let closed = ok_json(
        send(
            &server,
            Method::POST,
            &format!("{path}/{answered_id}/close"),
            &agent,
            json!(null),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(closed["status"], "closed");
    let body = expect_error(
        send(
            &server,
            Method::POST,
            &format!("{path}/{answered_id}/close"),
            &agent,
            json!(null),
        )
        .await,
        409,
        "conflict",
    )
    .await;
    assert_eq!(body["error"]["field"], "status");
    let body = expect_error(
        get(&server, &format!("{path}/{answered_id}/slip"), &agent).await,
        409,
        "conflict",
    )
    .await;
    assert_eq!(body["error"]["field"], "status");

    // Forwarded to a department with a due date; the slip carries the escaped text.
    let due = OffsetDateTime::now_utc() + time::Duration::days(2);
    let forwarded = ok_json(
        send(
            &server,
            Method::POST,
            path,
            &agent,
            json!({
                "caller": "王先生", "phone": "0512-6523 1234",
                "question": "想把灶具移到阳台 <能否改管>？ \"急\" & 谢谢",
                "forward": {"department": "工程部<安装>", "due_at": rfc3339(due)},
            }),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(forwarded["status"], "forwarded");
    assert_eq!(forwarded["overdue"], false);
    let id = forwarded["id"].as_str().unwrap().to_owned();
    let response = get(&server, &format!("{path}/{id}/slip"), &agent).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(
        html.contains("想把灶具移到阳台 &lt;能否改管&gt;？ &quot;急&quot; &amp; 谢谢"),
        "{html}"
    );
    assert!(html.contains("工程部&lt;安装&gt;"), "{html}");
    assert!(html.contains("@page{size:A4"));
    assert!(!html.contains("<能否改管>"));

    // Awaiting replies: listed as forwarded, not yet overdue.
    let waiting = ok_json(
        get(&server, &format!("{path}?status=forwarded"), &agent).await,
        200,
    )
    .await;
    assert_eq!(waiting["total"], 1);
    assert_eq!(waiting["items"][0]["id"], id.as_str());
    let overdue = ok_json(
        get(&server, &format!("{path}?overdue=true"), &agent).await,
        200,
    )
    .await;
    assert_eq!(overdue["total"], 0);
    // A day later than due (set in the database): now it is overdue.
    let past = gasdesk_server::db::now() - time::Duration::days(1);
    let uuid = uuid::Uuid::parse_str(&id).unwrap();
    gasdesk_server::on_db!(&server.db, pool => sqlx::query("UPDATE consultations SET due_at = $1 WHERE id = $2")
        .bind(past)
        .bind(uuid)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
        .unwrap());
    let overdue = ok_json(
        get(&server, &format!("{path}?overdue=true"), &agent).await,
        200,
    )
    .await;
    assert_eq!(overdue["total"], 1);
    assert_eq!(overdue["items"][0]["overdue"], true);
    let found = ok_json(
        get(&server, &format!("{path}?q=%E9%98%B3%E5%8F%B0"), &agent).await,
        200,
    )
    .await;
    assert_eq!(found["total"], 1, "search by 阳台");

    // Not closable before the department replies; not answerable once forwarded.
    let body = expect_error(
        send(
            &server,
            Method::POST,
            &format!("{path}/{id}/close"),
            &agent,
            json!(null),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "reply");
    let body = expect_error(
        send(
            &server,
            Method::POST,
            &format!("{path}/{id}/answer"),
            &agent,
            json!({"answer": "可以"}),
        )
        .await,
        409,
        "conflict",
    )
    .await;
    assert_eq!(body["error"]["field"], "status");
    let replied = ok_json(
        send(
            &server,
            Method::POST,
            &format!("{path}/{id}/reply"),
            &agent,
            json!({"reply": "可以移，需预约上门勘察", "replier": "工程部 赵工"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(replied["status"], "replied");
    assert_eq!(replied["overdue"], false);
    assert_eq!(replied["replier"], "工程部 赵工");
    let body = expect_error(
        send(
            &server,
            Method::POST,
            &format!("{path}/{id}/reply"),
            &agent,
            json!({"reply": "again"}),
        )
        .await,
        409,
        "conflict",
    )
    .await;
    assert_eq!(body["error"]["field"], "status");
    let waiting = ok_json(
        get(&server, &format!("{path}?status=forwarded"), &agent).await,
        200,
    )
    .await;
    assert_eq!(waiting["total"], 0);
    ok_json(
        send(
            &server,
            Method::POST,
            &format!("{path}/{id}/close"),
            &agent,
            json!(null),
        )
        .await,
        200,
    )
    .await;

    // Open, then forwarded later.
    let open = ok_json(
        send(
            &server,
            Method::POST,
            path,
            &agent,
            json!({
            "caller": "张三", "phone": "13900001111", "question": "阶梯气价怎么算？"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(open["status"], "open");
    let open_id = open["id"].as_str().unwrap();
    let body = expect_error(
        send(&server, Method::POST, &format!("{path}/{open_id}/forward"), &agent,
            json!({"department": "营业部", "due_at": rfc3339(OffsetDateTime::now_utc() - time::Duration::hours(1))})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "due_at");
    let forwarded = ok_json(
        send(
            &server,
            Method::POST,
            &format!("{path}/{open_id}/forward"),
            &agent,
            json!({"department": "营业部", "due_at": rfc3339(due)}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(forwarded["department"], "营业部");

    // Refusals, each naming its field and writing nothing.
    let before = ok_json(get(&server, path, &agent).await, 200).await["total"]
        .as_u64()
        .unwrap();
    let audit_before = audited(&server, &admin, "consultation").await;
    for (body, field) in [
        (
            json!({"caller": "张三", "phone": "13900001111", "question": "?", "answer": "a",
                "forward": {"department": "营业部", "due_at": rfc3339(due)}}),
            "forward",
        ),
        (
            json!({"caller": "张三", "phone": "12ab", "question": "?"}),
            "phone",
        ),
        (
            json!({"caller": " ", "phone": "13900001111", "question": "?"}),
            "caller",
        ),
        (
            json!({"caller": "张三", "phone": "13900001111", "question": "?",
                "customer_id": uuid::Uuid::now_v7()}),
            "customer_id",
        ),
        (
            json!({"caller": "张三", "phone": "13900001111", "question": "?",
                "forward": {"department": "", "due_at": rfc3339(due)}}),
            "forward.department",
        ),
    ] {
        let response = expect_error(
            send(&server, Method::POST, path, &agent, body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(response["error"]["field"], field);
    }
    expect_error(
        get(&server, &format!("{path}?status=lost"), &agent).await,
        422,
        "validation_failed",
    )
    .await;
    expect_error(
        get(&server, &format!("{path}/{}", uuid::Uuid::now_v7()), &agent).await,
        404,
        "not_found",
    )
    .await;
    // Field workers have no business with consultations.
    for token in [&repairer, &patroller] {
        expect_error(get(&server, path, token).await, 403, "forbidden").await;
        expect_error(
            send(
                &server,
                Method::POST,
                path,
                token,
                json!({"caller": "张三", "phone": "13900001111", "question": "?"}),
            )
            .await,
            403,
            "forbidden",
        )
        .await;
        expect_error(
            get(&server, &format!("{path}/{id}/slip"), token).await,
            403,
            "forbidden",
        )
        .await;
    }
    let after = ok_json(get(&server, path, &agent).await, 200).await["total"]
        .as_u64()
        .unwrap();
    assert_eq!(after, before);
    assert_eq!(audited(&server, &admin, "consultation").await, audit_before);
    // create, close, create, reply, close, create, forward
    assert_eq!(audit_before, 7);
    server.stop().await;
}

async fn events_take_one_reply_and_close_only_when_answered(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let agent = server.user_token("hw001", Role::Dispatcher).await;
    let leader = server.user_token("bz001", Role::TeamLeader).await;
    let admin = server.user_token("admin", Role::Admin).await;
    let repairer = server.user_token("wx001", Role::Repairer).await;
    let path = "/api/v1/events";

    let ticket = ok_json(
        send(
            &server,
            Method::POST,
            "/api/v1/tickets",
            &agent,
            json!({
            "reporter": "张伟", "phone": "13812345678", "address": "苏州市姑苏区人民路1023号",
            "category": "stove", "content": "灶具不点火"}),
        )
        .await,
        201,
    )
    .await;
    let ticket_id = ticket["id"].as_str().unwrap();

    // A complaint about the repair needs a reply before it can be closed.
    let complaint = ok_json(
        send(
            &server,
            Method::POST,
            path,
            &agent,
            json!({
            "kind": "complaint", "content": "维修工迟到两小时", "reporter": "张伟",
            "phone": "138-1234-5678", "ticket_id": ticket_id, "needs_reply": true}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(complaint["status"], "open");
    assert_eq!(complaint["ticket_id"], ticket_id);
    assert_eq!(complaint["phone"], "13812345678");
    let id = complaint["id"].as_str().unwrap().to_owned();
    let awaiting = ok_json(
        get(&server, &format!("{path}?awaiting_reply=true"), &agent).await,
        200,
    )
    .await;
    assert_eq!(awaiting["total"], 1);
    assert_eq!(awaiting["items"][0]["id"], id.as_str());
    let body = expect_error(
        send(
            &server,
            Method::POST,
            &format!("{path}/{id}/close"),
            &agent,
            json!(null),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "reply");
    let replied = ok_json(
        send(
            &server,
            Method::POST,
            &format!("{path}/{id}/reply"),
            &leader,
            json!({"reply": "已致电致歉，班组已整改"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(replied["status"], "replied");
    assert_eq!(replied["replied_by_name"], "bz001 测试");
    assert!(replied["replied_at"].is_string());
    let body = expect_error(
        send(
            &server,
            Method::POST,
            &format!("{path}/{id}/reply"),
            &agent,
            json!({"reply": "再次回复"}),
        )
        .await,
        409,
        "conflict",
    )
    .await;
    assert_eq!(body["error"]["field"], "status");
    let awaiting = ok_json(
        get(&server, &format!("{path}?awaiting_reply=true"), &agent).await,
        200,
    )
    .await;
    assert_eq!(awaiting["total"], 0);
    ok_json(
        send(
            &server,
            Method::POST,
            &format!("{path}/{id}/close"),
            &agent,
            json!(null),
        )
        .await,
        200,
    )
    .await;

    // Praise needs no reply: it closes at once, and then takes no reply.
    let praise = ok_json(
        send(
            &server,
            Method::POST,
            path,
            &agent,
            json!({"kind": "praise", "content": "师傅服务很好"}),
        )
        .await,
        201,
    )
    .await;
    let praise_id = praise["id"].as_str().unwrap();
    ok_json(
        send(
            &server,
            Method::POST,
            &format!("{path}/{praise_id}/close"),
            &agent,
            json!(null),
        )
        .await,
        200,
    )
    .await;
    let body = expect_error(
        send(
            &server,
            Method::POST,
            &format!("{path}/{praise_id}/reply"),
            &agent,
            json!({"reply": "谢谢"}),
        )
        .await,
        409,
        "conflict",
    )
    .await;
    assert_eq!(body["error"]["field"], "status");
    let stored = ok_json(
        get(&server, &format!("{path}/{praise_id}"), &agent).await,
        200,
    )
    .await;
    assert_eq!(stored["status"], "closed");
    assert!(stored["reply"].is_null());
    let complaints = ok_json(
        get(&server, &format!("{path}?kind=complaint"), &agent).await,
        200,
    )
    .await;
    assert_eq!(complaints["total"], 1);
    let of_ticket = ok_json(
        get(&server, &format!("{path}?ticket_id={ticket_id}"), &agent).await,
        200,
    )
    .await;
    assert_eq!(of_ticket["total"], 1);

    // Refusals write nothing.
    let audit_before = audited(&server, &admin, "event").await;
    let body = expect_error(
        send(&server, Method::POST, path, &agent, json!({
            "kind": "complaint", "content": "x", "ticket_id": uuid::Uuid::now_v7(), "needs_reply": true})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "ticket_id");
    for (body, field) in [
        (json!({"kind": "rumour", "content": "x"}), "kind"),
        (json!({"kind": "tip_off", "content": "  "}), "content"),
        (
            json!({"kind": "tip_off", "content": "偷气", "phone": "abc"}),
            "phone",
        ),
    ] {
        let response = expect_error(
            send(&server, Method::POST, path, &agent, body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(response["error"]["field"], field);
    }
    expect_error(get(&server, path, &repairer).await, 403, "forbidden").await;
    expect_error(
        send(
            &server,
            Method::POST,
            path,
            &repairer,
            json!({"kind": "suggestion", "content": "x"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    expect_error(
        send(
            &server,
            Method::POST,
            &format!("{path}/{}/reply", uuid::Uuid::now_v7()),
            &agent,
            json!({"reply": "x"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let all = ok_json(get(&server, path, &agent).await, 200).await;
    assert_eq!(all["total"], 2);
    assert_eq!(audited(&server, &admin, "event").await, audit_before);

    // The follow-up module's entry point: inside the caller's transaction, nothing without commit.
    let new = NewEvent {
        kind: EventKind::Complaint,
        content: "回访：客户不满意".into(),
        reporter: Some("张伟".into()),
        phone: None,
        ticket_id: Some(uuid::Uuid::parse_str(ticket_id).unwrap()),
        needs_reply: true,
    };
    let mut tx = server.db.begin().await.unwrap();
    gasdesk_server::callcenter::events::create_in(&mut tx, Actor::SYSTEM, &new)
        .await
        .unwrap();
    drop(tx);
    let all = ok_json(get(&server, path, &agent).await, 200).await;
    assert_eq!(all["total"], 2, "rolled back with its transaction");
    let mut tx = server.db.begin().await.unwrap();
    let created = gasdesk_server::callcenter::events::create_in(&mut tx, Actor::SYSTEM, &new)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let stored = ok_json(
        get(&server, &format!("{path}/{created}"), &agent).await,
        200,
    )
    .await;
    assert_eq!(stored["kind"], "complaint");
    assert_eq!(stored["needs_reply"], true);
    assert_eq!(audited(&server, &admin, "event").await, audit_before + 1);
    let bad = NewEvent {
        ticket_id: Some(uuid::Uuid::now_v7()),
        ..new
    };
    let mut tx = server.db.begin().await.unwrap();
    let err = gasdesk_server::callcenter::events::create_in(&mut tx, Actor::SYSTEM, &bad)
        .await
        .unwrap_err();
    assert_eq!(err.body().error.field.as_deref(), Some("ticket_id"));
    drop(tx);
    server.stop().await;
}

async fn knowledge_search_finds_chinese_words_and_ranks_keywords_first(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let leader = server.user_token("bz001", Role::TeamLeader).await;
    let agent = server.user_token("hw001", Role::Dispatcher).await;
    let admin = server.user_token("admin", Role::Admin).await;
    let repairer = server.user_token("wx001", Role::Repairer).await;
    let path = "/api/v1/knowledge";
    let search = |q: &str| format!("{path}?q={}", urlencode(q));

    let heater = ok_json(
        send(
            &server,
            Method::POST,
            path,
            &leader,
            json!({
            "title": "热水器常见故障", "subtitle": "点火类",
            "keywords": ["热水器", "电池"],
            "content": "燃气热水器打开后不点火，先检查电池是否有电，再检查燃气阀门是否打开。"}),
        )
        .await,
        201,
    )
    .await;
    let stove = ok_json(
        send(
            &server,
            Method::POST,
            path,
            &leader,
            json!({
            "title": "灶具故障", "keywords": ["不点火", "灶具", "不点火 "],
            "content": "灶具打不着火时，检查点火针是否积碳。"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(stove["keywords"], json!(["不点火", "灶具"]));
    ok_json(
        send(
            &server,
            Method::POST,
            path,
            &admin,
            json!({
            "title": "缴费", "keywords": ["交费"], "content": "可在营业厅或手机缴纳燃气费。"}),
        )
        .await,
        201,
    )
    .await;

    // A word inside longer text, found by every role, field workers included.
    for token in [&agent, &repairer] {
        let page = ok_json(get(&server, &search("点火"), token).await, 200).await;
        let ids: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap())
            .collect();
        assert!(ids.contains(&heater["id"].as_str().unwrap()), "{page}");
    }
    // A keyword hit ranks above a content hit.
    let page = ok_json(get(&server, &search("不点火"), &agent).await, 200).await;
    assert_eq!(page["total"], 2, "{page}");
    assert_eq!(page["items"][0]["id"], stove["id"]);
    assert_eq!(page["items"][0]["matched"], "keyword");
    assert_eq!(page["items"][1]["id"], heater["id"]);
    assert_eq!(page["items"][1]["matched"], "content");
    assert!(
        page["items"][1]["snippet"]
            .as_str()
            .unwrap()
            .contains("不点火"),
        "{page}"
    );
    // Two words, and no spaces at all (bigram fallback).
    let page = ok_json(get(&server, &search("热水器 不点火"), &agent).await, 200).await;
    assert_eq!(page["items"][0]["id"], heater["id"], "{page}");
    assert_eq!(
        page["items"][0]["matched_terms"],
        json!(["热水器", "不点火"])
    );
    let page = ok_json(get(&server, &search("热水器点火"), &agent).await, 200).await;
    assert_eq!(page["items"][0]["id"], heater["id"], "{page}");
    let page = ok_json(get(&server, &search("壁挂炉"), &agent).await, 200).await;
    assert_eq!(page["total"], 0);
    // Paging, and listing without a query.
    let page = ok_json(
        get(
            &server,
            &format!("{}&limit=1&offset=1", search("不点火")),
            &agent,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], heater["id"]);
    let all = ok_json(get(&server, path, &repairer).await, 200).await;
    assert_eq!(all["total"], 3);
    let one = ok_json(
        get(
            &server,
            &format!("{path}/{}", heater["id"].as_str().unwrap()),
            &repairer,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(one["subtitle"], "点火类");

    // Only team leaders and admins edit; bad input names the field; nothing half-written.
    let entry = json!({"title": "新条目", "keywords": [], "content": "内容"});
    for token in [&repairer, &agent] {
        expect_error(
            send(&server, Method::POST, path, token, entry.clone()).await,
            403,
            "forbidden",
        )
        .await;
    }
    let heater_path = format!("{path}/{}", heater["id"].as_str().unwrap());
    expect_error(
        send(&server, Method::PUT, &heater_path, &repairer, entry.clone()).await,
        403,
        "forbidden",
    )
    .await;
    expect_error(
        send(
            &server,
            Method::DELETE,
            &heater_path,
            &repairer,
            json!(null),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    for (body, field) in [
        (json!({"title": " ", "content": "内容"}), "title"),
        (
            json!({"title": "标题", "keywords": ["好", " "], "content": "内容"}),
            "keywords[1]",
        ),
        (json!({"title": "标题", "content": ""}), "content"),
        (
            json!({"title": "标题", "content": "内容", "level": 1}),
            "level",
        ),
    ] {
        let response = expect_error(
            send(&server, Method::POST, path, &leader, body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(response["error"]["field"], field);
    }
    expect_error(
        get(&server, &search("，。"), &agent).await,
        422,
        "validation_failed",
    )
    .await;
    let all = ok_json(get(&server, path, &agent).await, 200).await;
    assert_eq!(all["total"], 3);
    assert_eq!(audited(&server, &admin, "knowledge_entry").await, 3);

    // Edit, then delete.
    let edited = ok_json(
        send(
            &server,
            Method::PUT,
            &heater_path,
            &leader,
            json!({
            "title": "热水器常见故障", "keywords": ["热水器", "壁挂炉"],
            "content": "壁挂炉与热水器不点火时，先检查电池。"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(edited["keywords"], json!(["热水器", "壁挂炉"]));
    let page = ok_json(get(&server, &search("壁挂炉"), &agent).await, 200).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["matched"], "keyword");
    let response = send(&server, Method::DELETE, &heater_path, &leader, json!(null)).await;
    assert_eq!(response.status(), 204);
    expect_error(get(&server, &heater_path, &agent).await, 404, "not_found").await;
    expect_error(
        send(&server, Method::PUT, &heater_path, &leader, entry).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(audited(&server, &admin, "knowledge_entry").await, 5);
    server.stop().await;
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
