//! Photos and signatures on both engines, the way the field app uploads them over a bad
//! network: declared by hash, sent in chunks, resumed from the server's status after an
//! interruption, retried chunks acknowledged once, wrong offsets and sizes refused with where to
//! resume, content that does not match its hash discarded, and downloads only for those who
//! may see the ticket.

use crate::on_both_engines;
use crate::support::{Engine, TestServer, expect_error, ok_json, send};
use gasdesk_server::demo::DEMO_PASSWORD;
use gasdesk_shared::Role;
use gasdesk_shared::attachments::{
    AttachmentKind, AttachmentStatus, MAX_ATTACHMENT_BYTES, MAX_CHUNK_BYTES, next_chunk,
};
use reqwest::{Method, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

on_both_engines!(
    an_interrupted_upload_resumes_and_reaches_the_ticket,
    bad_chunks_and_declarations_are_refused,
    chunks_have_their_own_body_limit,
);

const MIB: usize = 1024 * 1024;

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `len` bytes that start like a PNG file, different for each `seed`.
pub(crate) fn photo(len: usize, seed: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    while bytes.len() < len {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        bytes.push((x >> 24) as u8);
    }
    bytes.truncate(len);
    bytes
}

async fn demo_login(server: &TestServer, username: &str) -> String {
    let body = ok_json(server.login(username, DEMO_PASSWORD).await, 200).await;
    body["token"].as_str().unwrap().to_owned()
}

/// The demo city's dispatcher, its repairer in 姑苏区维修班, and a ticket in 姑苏 routed there.
async fn desk(server: &TestServer) -> (String, String, String) {
    let dispatcher = demo_login(server, "dispatcher").await;
    let repairer = demo_login(server, "repairer").await;
    let ticket = ok_json(
        send(
            server,
            Method::POST,
            "/api/v1/tickets",
            &dispatcher,
            json!({"reporter": "张伟", "phone": "13812345678", "address": "苏州市姑苏区观前街1号",
                   "lon": 120.6255, "lat": 31.3110, "category": "stove", "content": "灶具打不着火"}),
        )
        .await,
        201,
    )
    .await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    // The repairer works on it (their team has it), so may attach to it.
    ok_json(
        send(
            server,
            Method::GET,
            &format!("/api/v1/tickets/{id}"),
            &repairer,
            json!(null),
        )
        .await,
        200,
    )
    .await;
    (dispatcher, repairer, id)
}

pub(crate) async fn declare(server: &TestServer, token: &str, body: Value) -> Response {
    send(server, Method::POST, "/api/v1/attachments", token, body).await
}

pub(crate) async fn put_chunk(
    server: &TestServer,
    token: &str,
    sha: &str,
    offset: usize,
    bytes: &[u8],
) -> Response {
    server
        .request(
            Method::PUT,
            &format!("/api/v1/attachments/{sha}/chunks?offset={offset}"),
            token,
        )
        .header("content-type", "application/octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
}

async fn status(server: &TestServer, token: &str, sha: &str) -> AttachmentStatus {
    let body = ok_json(
        server
            .request(
                Method::GET,
                &format!("/api/v1/attachments/{sha}/status"),
                token,
            )
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    serde_json::from_value(body).unwrap()
}

async fn download(server: &TestServer, token: &str, sha: &str) -> Response {
    server
        .request(Method::GET, &format!("/api/v1/attachments/{sha}"), token)
        .send()
        .await
        .unwrap()
}

async fn ticket_attachments(server: &TestServer, token: &str, id: &str) -> Value {
    ok_json(
        send(
            server,
            Method::GET,
            &format!("/api/v1/tickets/{id}/attachments"),
            token,
            json!(null),
        )
        .await,
        200,
    )
    .await
}

async fn an_interrupted_upload_resumes_and_reaches_the_ticket(engine: Engine) {
    let Some(server) = TestServer::start_demo(engine, 10).await else {
        return;
    };
    let (dispatcher, repairer, ticket) = desk(&server).await;
    let content = photo(2 * MIB + MIB / 2, 1);
    let sha = sha256_hex(&content);
    let declaration = json!({"sha256": sha, "size": content.len(), "mime": "image/png",
        "kind": "photo", "ticket_id": ticket});
    let first = ok_json(declare(&server, &repairer, declaration.clone()).await, 201).await;
    assert_eq!(first["received"], 0);
    assert_eq!(first["complete"], false);
    // Declaring again (the app retrying after a lost answer) finds the same attachment.
    assert_eq!(
        ok_json(declare(&server, &repairer, declaration.clone()).await, 200).await,
        first
    );
    let mut other = declaration.clone();
    other["size"] = json!(content.len() - 1);
    let body = expect_error(declare(&server, &repairer, other).await, 409, "conflict").await;
    assert_eq!(body["error"]["field"], "size");
    let mut other = declaration.clone();
    other["mime"] = json!("image/jpeg");
    let body = expect_error(declare(&server, &repairer, other).await, 409, "conflict").await;
    assert_eq!(body["error"]["field"], "mime");
    let listed = ticket_attachments(&server, &dispatcher, &ticket).await;
    assert_eq!(listed["pending"], 1, "{listed}");
    assert_eq!(listed["items"][0]["sha256"], sha.as_str());
    assert_eq!(listed["items"][0]["status"]["received"], 0);

    // The first chunk arrives; the second is lost with the connection.
    let s = ok_json(
        put_chunk(&server, &repairer, &sha, 0, &content[..MIB]).await,
        200,
    )
    .await;
    assert_eq!(s["received"], MIB);
    // Back online, the app asks where to resume and plans from the answer.
    let resumed = status(&server, &repairer, &sha).await;
    assert_eq!(resumed.received, MIB as u64);
    let plan = next_chunk(&resumed, MAX_CHUNK_BYTES).unwrap();
    assert_eq!((plan.offset, plan.length), (MIB as u64, MIB as u64));
    let chunk = plan.slice(&content).unwrap();
    let s = ok_json(put_chunk(&server, &repairer, &sha, MIB, chunk).await, 200).await;
    assert_eq!(s["received"], 2 * MIB);
    // The same chunk again (its answer was lost): acknowledged, nothing appended.
    let s = ok_json(put_chunk(&server, &repairer, &sha, MIB, chunk).await, 200).await;
    assert_eq!(s["received"], 2 * MIB);
    let s = ok_json(
        put_chunk(&server, &repairer, &sha, 0, &content[..10]).await,
        200,
    )
    .await;
    assert_eq!(s["received"], 2 * MIB);
    // Other bytes for confirmed ones, or a chunk not at the confirmed count: where to resume.
    let mut altered = chunk.to_vec();
    altered[7] ^= 0xFF;
    let body = expect_error(
        put_chunk(&server, &repairer, &sha, MIB, &altered).await,
        409,
        "conflict",
    )
    .await;
    assert_eq!(body["error"]["details"]["expected_offset"], 2 * MIB);
    let body = expect_error(
        put_chunk(
            &server,
            &repairer,
            &sha,
            2 * MIB + 5,
            &content[2 * MIB + 5..],
        )
        .await,
        409,
        "conflict",
    )
    .await;
    assert_eq!(body["error"]["details"]["expected_offset"], 2 * MIB);
    assert_eq!(body["error"]["field"], "offset");
    // Past the declared size.
    let body = expect_error(
        put_chunk(&server, &repairer, &sha, 2 * MIB, &content[MIB..2 * MIB]).await,
        422,
        "validation_failed",
    )
    .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("past the declared size"),
        "{body}"
    );
    // Not downloadable until complete.
    expect_error(download(&server, &repairer, &sha).await, 409, "conflict").await;

    let s = ok_json(
        put_chunk(&server, &repairer, &sha, 2 * MIB, &content[2 * MIB..]).await,
        200,
    )
    .await;
    assert_eq!(s["received"], content.len());
    assert_eq!(s["complete"], true);
    assert!(next_chunk(&status(&server, &repairer, &sha).await, MAX_CHUNK_BYTES).is_none());

    // The uploader and the dispatcher get the bytes; a repairer of no team on it does not.
    for token in [&repairer, &dispatcher] {
        let response = download(&server, token, &sha).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "image/png");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert_eq!(response.bytes().await.unwrap().as_ref(), content.as_slice());
    }
    let stranger = server.user_token("wx900", Role::Repairer).await;
    expect_error(download(&server, &stranger, &sha).await, 404, "not_found").await;
    expect_error(
        send(
            &server,
            Method::GET,
            &format!("/api/v1/tickets/{ticket}/attachments"),
            &stranger,
            json!(null),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let listed = ticket_attachments(&server, &repairer, &ticket).await;
    assert_eq!(listed["pending"], 0, "{listed}");
    assert_eq!(listed["items"][0]["status"]["complete"], true);

    // Sync links the customer's signature before the app has declared it: it counts as
    // pending, shown without a status, until its bytes arrive.
    let signature = photo(3000, 2);
    let signature_sha = sha256_hex(&signature);
    let ticket_id: uuid::Uuid = ticket.parse().unwrap();
    let repairer_id = gasdesk_server::db::users::by_username(&server.db, "repairer")
        .await
        .unwrap()
        .unwrap()
        .id;
    for _ in 0..2 {
        let mut tx = server.db.begin().await.unwrap();
        gasdesk_server::attachments::link_to_ticket(
            &mut tx,
            ticket_id,
            &signature_sha,
            AttachmentKind::Signature,
            repairer_id,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(
        gasdesk_server::attachments::pending_for_ticket(&server.db, ticket_id)
            .await
            .unwrap(),
        1
    );
    let listed = ticket_attachments(&server, &dispatcher, &ticket).await;
    assert_eq!(listed["pending"], 1, "{listed}");
    let item = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["sha256"] == signature_sha.as_str())
        .unwrap();
    assert_eq!(item["kind"], "signature");
    assert!(item["status"].is_null(), "{item}");
    ok_json(
        declare(
            &server,
            &repairer,
            json!({"sha256": signature_sha, "size": signature.len(), "mime": "image/png", "kind": "signature"}),
        )
        .await,
        201,
    )
    .await;
    let s = ok_json(
        put_chunk(&server, &repairer, &signature_sha, 0, &signature).await,
        200,
    )
    .await;
    assert_eq!(s["complete"], true);
    assert_eq!(
        ticket_attachments(&server, &dispatcher, &ticket).await["pending"],
        0
    );
    server.stop().await;
}

async fn bad_chunks_and_declarations_are_refused(engine: Engine) {
    let Some(server) = TestServer::start_demo(engine, 10).await else {
        return;
    };
    let (dispatcher, repairer, ticket) = desk(&server).await;
    let content = photo(MIB + 100, 3);
    let sha = sha256_hex(&content);
    let good = json!({"sha256": sha, "size": content.len(), "mime": "image/png", "kind": "photo"});
    for (field, value, expected_field) in [
        ("mime", json!("image/gif"), "mime"),
        ("size", json!(MAX_ATTACHMENT_BYTES + 1), "size"),
        ("size", json!(0), "size"),
        ("sha256", json!(sha.to_uppercase()), "sha256"),
        ("sha256", json!("abc"), "sha256"),
        ("kind", json!("video"), "kind"),
    ] {
        let mut body = good.clone();
        body[field] = value;
        let error = expect_error(
            declare(&server, &repairer, body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error["error"]["field"], expected_field, "{error}");
    }
    // Only field staff and their leaders upload; only to work they may see.
    expect_error(
        declare(&server, &dispatcher, good.clone()).await,
        403,
        "forbidden",
    )
    .await;
    let stranger = server.user_token("wx900", Role::Repairer).await;
    let mut body = good.clone();
    body["ticket_id"] = json!(ticket);
    let error = expect_error(
        declare(&server, &stranger, body).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error["error"]["field"], "ticket_id");
    // Nothing was declared by the refusals.
    expect_error(
        server
            .request(
                Method::GET,
                &format!("/api/v1/attachments/{sha}/status"),
                &repairer,
            )
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    expect_error(
        put_chunk(&server, &repairer, &sha, 0, &content[..10]).await,
        404,
        "not_found",
    )
    .await;
    ok_json(declare(&server, &repairer, good.clone()).await, 201).await;

    // A chunk over 1 MiB is refused before it is read, in our error shape.
    let body = expect_error(
        put_chunk(&server, &repairer, &sha, 0, &content[..MIB + 1]).await,
        413,
        "payload_too_large",
    )
    .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("1048576"),
        "{body}"
    );
    let response = server
        .request(
            Method::PUT,
            &format!("/api/v1/attachments/{sha}/chunks?offset=0"),
            &repairer,
        )
        .header("content-type", "image/png")
        .body(content[..10].to_vec())
        .send()
        .await
        .unwrap();
    expect_error(response, 415, "unsupported_media_type").await;
    let error = expect_error(
        put_chunk(&server, &repairer, &sha, 0, &[]).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error["error"]["field"], "body");
    // A JPEG declared as PNG is refused at its first chunk.
    let error = expect_error(
        put_chunk(
            &server,
            &repairer,
            &sha,
            0,
            &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10],
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error["error"]["field"], "body");
    assert_eq!(status(&server, &repairer, &sha).await.received, 0);

    // Content that is not what was declared: all discarded when the last byte arrives.
    let wrong = photo(content.len(), 4);
    ok_json(
        put_chunk(&server, &repairer, &sha, 0, &wrong[..MIB]).await,
        200,
    )
    .await;
    let body = expect_error(
        put_chunk(&server, &repairer, &sha, MIB, &wrong[MIB..]).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "sha256");
    assert_eq!(body["error"]["details"]["expected_offset"], 0);
    assert_eq!(
        body["error"]["details"]["content_sha256"],
        sha256_hex(&wrong).as_str()
    );
    let after = status(&server, &repairer, &sha).await;
    assert_eq!((after.received, after.complete), (0, false));
    // The right bytes afterwards complete it.
    ok_json(
        put_chunk(&server, &repairer, &sha, 0, &content[..MIB]).await,
        200,
    )
    .await;
    let s = ok_json(
        put_chunk(&server, &repairer, &sha, MIB, &content[MIB..]).await,
        200,
    )
    .await;
    assert_eq!(s["complete"], true);
    let response = download(&server, &repairer, &sha).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap().as_ref(), content.as_slice());
    // Not linked to anything: only its uploader may fetch it.
    expect_error(download(&server, &dispatcher, &sha).await, 404, "not_found").await;
    expect_error(
        download(&server, &repairer, "not-a-hash").await,
        422,
        "validation_failed",
    )
    .await;
    server.stop().await;
}

/// The chunk route takes a full 1 MiB chunk even where the server-wide body limit is smaller,
/// and still nothing over 1 MiB.
async fn chunks_have_their_own_body_limit(engine: Engine) {
    let Some(server) = TestServer::start_with(engine, |c| c.max_body_bytes = 64 * 1024).await
    else {
        return;
    };
    let repairer = server.user_token("wx001", Role::Repairer).await;
    let content = photo(MIB + 1, 5);
    let sha = sha256_hex(&content);
    ok_json(
        declare(
            &server,
            &repairer,
            json!({"sha256": sha, "size": content.len(), "mime": "image/png", "kind": "photo"}),
        )
        .await,
        201,
    )
    .await;
    expect_error(
        put_chunk(&server, &repairer, &sha, 0, &content).await,
        413,
        "payload_too_large",
    )
    .await;
    let s = ok_json(
        put_chunk(&server, &repairer, &sha, 0, &content[..MIB]).await,
        200,
    )
    .await;
    assert_eq!(s["received"], MIB);
    let s = ok_json(
        put_chunk(&server, &repairer, &sha, MIB, &content[MIB..]).await,
        200,
    )
    .await;
    assert_eq!(s["complete"], true);
    // Elsewhere the server-wide limit still holds.
    let response = server
        .request(Method::POST, "/api/v1/attachments", &repairer)
        .header("content-type", "application/json")
        .body(format!(r#"{{"sha256": "{}"}}"#, "0".repeat(100 * 1024)))
        .send()
        .await
        .unwrap();
    expect_error(response, 413, "payload_too_large").await;
    server.stop().await;
}
