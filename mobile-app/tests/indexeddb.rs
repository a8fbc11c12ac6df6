//! The phone's IndexedDB store in a real browser: wasm-bindgen-test under headless Chromium
//! (scripts/test runs it with wasm-bindgen-test-runner and chromedriver). What the field app
//! relies on: entries written together arrive together and in the order the writes started,
//! the replica with its outbox reads back whole, and a photo or signature stays on the phone,
//! marked ready in the same write as the change that uses it, until it is deleted after upload.
#![cfg(target_arch = "wasm32")]

use gasdesk_app::platform::{self, BlobMeta};
use gasdesk_app::store::load_replica;
use gasdesk_shared::Role;
use gasdesk_shared::sync::{Change, Replica};
use uuid::Uuid;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn key(test: &str, name: &str) -> String {
    // Tests share the page's database: each keeps to keys of its own.
    format!("test:{test}:{name}")
}

#[wasm_bindgen_test]
async fn entries_written_together_read_back_and_none_deletes() {
    let (a, b) = (key("together", "a"), key("together", "b"));
    platform::kv_save(
        vec![
            (a.clone(), Some("一".into())),
            (b.clone(), Some("two".into())),
        ],
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(platform::kv_get(&a).await.unwrap().as_deref(), Some("一"));
    assert_eq!(platform::kv_get(&b).await.unwrap().as_deref(), Some("two"));
    platform::kv_save(vec![(a.clone(), None)], vec![])
        .await
        .unwrap();
    assert_eq!(platform::kv_get(&a).await.unwrap(), None);
    assert_eq!(platform::kv_get(&b).await.unwrap().as_deref(), Some("two"));
    assert_eq!(
        platform::kv_get(&key("together", "never")).await.unwrap(),
        None
    );
}

#[wasm_bindgen_test]
async fn writes_land_in_the_order_they_were_started() {
    let k = key("order", "value");
    // Started one after the other and awaited afterwards (as the app does while the worker
    // taps quickly): the last one started is what stays.
    let writes: Vec<_> = (0..20)
        .map(|i| platform::kv_save(vec![(k.clone(), Some(format!("v{i}")))], vec![]))
        .collect();
    for write in writes.into_iter().rev() {
        write.await.unwrap();
    }
    assert_eq!(platform::kv_get(&k).await.unwrap().as_deref(), Some("v19"));
}

#[wasm_bindgen_test]
async fn the_replica_with_its_outbox_reads_back_whole() {
    let user = Uuid::from_u128(0x0190a4e0_0000_7000_8000_00000000aa01);
    let mut replica = Replica::new(Uuid::from_u128(0xd1), user);
    let now = platform::now();
    for n in 0..3u128 {
        replica
            .record(
                Change::StartPatrolLog {
                    log_id: Uuid::from_u128(0x100 + n),
                },
                Role::Patroller,
                now,
            )
            .unwrap();
    }
    let json = serde_json::to_string(&replica).unwrap();
    platform::kv_save(vec![(format!("replica:{user}"), Some(json))], vec![])
        .await
        .unwrap();
    let loaded = load_replica(user).await.unwrap();
    assert_eq!(loaded.pending(), 3);
    assert_eq!(loaded.device_id, replica.device_id);
    assert_eq!(
        serde_json::to_value(&loaded.outbox).unwrap(),
        serde_json::to_value(&replica.outbox).unwrap()
    );
    // Another worker's replica is not handed to this one: a fresh replica instead.
    let stranger = Uuid::from_u128(0x0190a4e0_0000_7000_8000_00000000aa02);
    let json = serde_json::to_string(&replica).unwrap();
    platform::kv_save(vec![(format!("replica:{stranger}"), Some(json))], vec![])
        .await
        .unwrap();
    let other = load_replica(stranger).await.unwrap();
    assert_eq!(other.user_id, stranger);
    assert_eq!(other.pending(), 0);
}

fn signed_canvas(id: &str) {
    let document = web_sys::window().unwrap().document().unwrap();
    let canvas = document.create_element("canvas").unwrap();
    canvas.set_id(id);
    canvas.set_attribute("width", "40").unwrap();
    canvas.set_attribute("height", "20").unwrap();
    // The signature pad marks a canvas once something was drawn on it.
    canvas.set_attribute("data-signed", "1").unwrap();
    document
        .body()
        .unwrap()
        .append_child(canvas.unchecked_ref())
        .unwrap();
}

async fn stored(sha: &str) -> Option<BlobMeta> {
    platform::blob_list()
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.sha256 == sha)
}

#[wasm_bindgen_test]
async fn a_signature_stays_until_its_upload_and_is_marked_ready_with_its_change() {
    signed_canvas("test-signature");
    let ticket = Uuid::from_u128(0x7e57);
    let meta = platform::save_signature("test-signature", Some(ticket), None)
        .await
        .unwrap()
        .expect("a signed canvas gives a signature");
    assert_eq!(meta.mime, "image/png");
    assert_eq!(meta.sha256.len(), 64);
    assert!(!meta.ready, "not part of a queued change yet");
    let bytes = platform::blob_bytes(&meta.sha256).await.unwrap().unwrap();
    assert_eq!(bytes.len() as u64, meta.size);
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(stored(&meta.sha256).await.unwrap().ticket_id, Some(ticket));

    // The change that uses it and the ready mark are one write.
    let change = key("signature", "replica");
    platform::kv_save(
        vec![(change.clone(), Some("with signature".into()))],
        vec![meta.sha256.clone()],
    )
    .await
    .unwrap();
    assert!(stored(&meta.sha256).await.unwrap().ready);
    // Saving the same picture again keeps it ready (one attachment).
    let again = platform::save_signature("test-signature", Some(ticket), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.sha256, meta.sha256);
    assert!(stored(&meta.sha256).await.unwrap().ready);

    platform::blob_delete(&meta.sha256).await.unwrap();
    assert!(stored(&meta.sha256).await.is_none());
    assert_eq!(platform::blob_bytes(&meta.sha256).await.unwrap(), None);
    // An unsigned pad gives nothing to store.
    assert!(
        platform::save_signature("no-such-canvas", None, None)
            .await
            .unwrap()
            .is_none()
    );
}
