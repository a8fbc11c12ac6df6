//! The field worker's actions run in a real VirtualDom against the native store: every change
//! is checked by the shared engine, written to the store before it counts as saved, refused
//! changes leave nothing behind, and unsynced work survives sign-out.

use super::field::{load_replica, replica_key};
use super::jobs::Draft;
use super::testdata::{self, id};
use super::{AppState, Screen, UiError};
use crate::i18n::Lang;
use crate::platform::{self, BlobMeta};
use dioxus::prelude::*;
use gasdesk_shared::Role;
use gasdesk_shared::attachments::AttachmentKind;
use gasdesk_shared::sync::{Change, Replica};
use gasdesk_shared::ticket::{TicketAction, TicketStatus};
use std::cell::Cell;
use time::macros::datetime;

thread_local! {
    static HANDLE: Cell<Option<AppState>> = const { Cell::new(None) };
}

#[derive(Clone)]
struct Setup {
    role: Role,
    replica: Option<Replica>,
    signed_in: bool,
}

fn root(setup: Setup) -> Element {
    let state = use_context_provider(|| {
        let session = setup.signed_in.then(|| testdata::session(setup.role));
        let state = AppState::new(session, Lang::Zh, Screen::Home);
        let mut replica = state.field.replica;
        replica.set(setup.replica.clone());
        state
    });
    use_hook(|| HANDLE.with(|h| h.set(Some(state))));
    let user = testdata::user(setup.role);
    rsx! { crate::pages::FieldShell { user } }
}

struct Harness {
    dom: VirtualDom,
    state: AppState,
}

impl Harness {
    fn new(role: Role, replica: Option<Replica>) -> Harness {
        Self::with(Setup {
            role,
            replica,
            signed_in: true,
        })
    }

    fn with(setup: Setup) -> Harness {
        let mut dom = VirtualDom::new_with_props(root, setup);
        dom.rebuild_in_place();
        let state = HANDLE.with(|h| h.get()).expect("root ran");
        Harness { dom, state }
    }

    /// Runs an action to its end (natively nothing waits on the network) and re-renders.
    fn run(&mut self, action: impl std::future::Future<Output = ()> + 'static) {
        self.dom.in_scope(ScopeId::APP, || spawn(action));
        for _ in 0..10 {
            self.dom.process_events();
            self.dom.render_immediate_to_vec();
        }
    }

    fn read<T>(&self, f: impl FnOnce(&AppState) -> T) -> T {
        self.dom.in_runtime(|| f(&self.state))
    }

    fn html(&self) -> String {
        dioxus_ssr::render(&self.dom)
    }

    fn error(&self) -> Option<UiError> {
        self.read(|s| s.error.peek().clone())
    }

    fn pending(&self) -> usize {
        self.read(|s| s.field.replica.peek().as_ref().map_or(0, |r| r.pending()))
    }
}

fn stored() -> Option<Replica> {
    let json = futures_now(platform::kv_get(&replica_key(id(testdata::REPAIRER)))).unwrap()?;
    serde_json::from_str(&json).ok()
}

/// Polls a future that never waits (the native store answers at once).
fn futures_now<T>(f: impl std::future::Future<Output = T>) -> T {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => panic!("the native store never waits"),
    }
}

fn assigned_job() -> gasdesk_shared::intake::TicketView {
    testdata::ticket(
        1,
        TicketStatus::Assigned,
        false,
        datetime!(2026-11-26 12:00 UTC),
    )
}

#[test]
fn a_step_is_queued_and_on_disk_before_it_counts() {
    let job = assigned_job();
    let mut h = Harness::new(Role::Repairer, Some(testdata::replica(vec![job.clone()])));
    assert!(stored().is_none());
    h.run(h.state.step(job.id, TicketAction::Accept));
    assert_eq!(h.error(), None);
    assert_eq!(h.pending(), 1);
    let on_disk = stored().expect("written to the store");
    assert_eq!(on_disk.pending(), 1);
    assert!(matches!(
        on_disk.outbox[0].change,
        Change::TicketStep {
            action: TicketAction::Accept,
            ..
        }
    ));
    assert_eq!(
        on_disk.ticket(job.id).unwrap().status,
        TicketStatus::Accepted
    );
    // The catalogs are stored apart, and only when their version changes.
    assert!(on_disk.reference.is_none());
    let loaded = futures_now(load_replica(id(testdata::REPAIRER))).unwrap();
    assert_eq!(loaded.reference.unwrap().version, "ref-1");
    assert_eq!(loaded.outbox, on_disk.outbox);
}

#[test]
fn a_step_the_state_machine_refuses_is_shown_and_not_queued() {
    let job = assigned_job();
    let mut h = Harness::new(Role::Repairer, Some(testdata::replica(vec![job.clone()])));
    // "On the way" before accepting the job.
    h.run(h.state.step(job.id, TicketAction::Depart));
    assert!(
        matches!(h.error(), Some(UiError::Refused(_))),
        "{:?}",
        h.error()
    );
    assert_eq!(h.pending(), 0);
    assert!(stored().is_none(), "nothing written for a refused change");
    let message = h.error().unwrap().message(Lang::Zh);
    assert!(message.starts_with("无法执行该操作"), "{message}");
}

#[test]
fn a_patroller_cannot_accept_a_repair_job() {
    let job = assigned_job();
    let mut h = Harness::new(Role::Patroller, Some(testdata::replica(vec![job.clone()])));
    h.run(h.state.step(job.id, TicketAction::Accept));
    assert!(matches!(h.error(), Some(UiError::Refused(_))));
    assert_eq!(h.pending(), 0);
}

fn blob(sha: char, kind: AttachmentKind) -> BlobMeta {
    BlobMeta {
        sha256: sha.to_string().repeat(64),
        mime: "image/jpeg".into(),
        kind,
        size: 3,
        ready: false,
        ticket_id: None,
        check_id: None,
        preview: None,
    }
}

#[test]
fn a_completion_carries_items_materials_photos_and_signature_and_marks_them_for_upload() {
    let mut job = assigned_job();
    job.status = TicketStatus::OnSite;
    let mut h = Harness::new(Role::Repairer, Some(testdata::replica(vec![job.clone()])));
    let (photo, signature) = (
        blob('a', AttachmentKind::Photo),
        blob('b', AttachmentKind::Signature),
    );
    platform::insert_blob(photo.clone(), vec![1, 2, 3]);
    platform::insert_blob(signature.clone(), vec![4, 5, 6]);
    let state = h.state;
    h.dom.in_scope(ScopeId::APP, || {
        state.update_draft(job.id, |d| {
            d.add_item("WX001");
            for code in ["CL001", "CL003", "CL004"] {
                d.add_material(code);
            }
            d.set_material("CL004", 4.0);
            d.photos.push(photo.clone());
            d.signature = Some(signature.clone());
        })
    });
    h.run(state.complete(job.id));
    assert_eq!(h.error(), None);
    let on_disk = stored().unwrap();
    let Change::Complete {
        record,
        attachments,
        ..
    } = &on_disk.outbox[0].change
    else {
        panic!("{:?}", on_disk.outbox);
    };
    assert_eq!(record.items[0].code, "WX001");
    assert_eq!(record.materials.len(), 3);
    assert_eq!(record.materials[2].quantity, 4.0);
    assert!(record.completed_at.is_some());
    assert_eq!(attachments.len(), 2);
    assert_eq!(attachments[1].kind, AttachmentKind::Signature);
    // Both pictures are now part of a queued change: the uploader sends them.
    let blobs = futures_now(platform::blob_list()).unwrap();
    assert!(blobs.iter().all(|b| b.ready), "{blobs:?}");
    assert_eq!(h.read(|s| *s.field.uploads.peek()), 2);
    // The draft is gone and the job shows as completed, waiting to be sent.
    assert!(h.read(|s| s.field.drafts.peek().is_empty()));
    assert_eq!(h.read(|s| *s.field.screen.peek()), Screen::Job(job.id));
    let html = h.html();
    assert!(html.contains(r#"data-status="completed""#), "{html}");
    assert!(html.contains("已保存到本机"), "{html}");
    assert!(html.contains(r#"data-pending="1""#), "{html}");
}

#[test]
fn a_completion_without_a_repair_item_is_refused_and_nothing_is_queued() {
    let mut job = assigned_job();
    job.status = TicketStatus::OnSite;
    let mut h = Harness::new(Role::Repairer, Some(testdata::replica(vec![job.clone()])));
    let state = h.state;
    h.dom.in_scope(ScopeId::APP, || {
        state.update_draft(job.id, |d| d.add_material("CL001"))
    });
    h.run(state.complete(job.id));
    assert_eq!(h.error(), Some(UiError::NoItems));
    assert_eq!(h.pending(), 0);
    // The draft is kept for the worker to finish.
    assert_eq!(
        h.read(|s| s.field.drafts.peek().get(&job.id).cloned()),
        Some(Draft {
            materials: vec![("CL001".into(), 1.0)],
            ..Draft::default()
        })
    );
}

#[test]
fn signing_out_with_unsynced_work_warns_and_keeps_the_work() {
    let job = assigned_job();
    let mut h = Harness::new(Role::Repairer, Some(testdata::replica(vec![job.clone()])));
    h.run(h.state.step(job.id, TicketAction::Accept));
    let state = h.state;
    h.dom.in_scope(ScopeId::APP, || state.ask_sign_out());
    h.dom.render_immediate_to_vec();
    assert!(h.read(|s| *s.confirm_sign_out.peek()));
    assert!(h.read(|s| s.session.peek().is_some()), "not signed out yet");
    let html = h.html();
    assert!(html.contains("还有 1 条记录未同步"), "{html}");
    h.run(state.sign_out());
    assert!(h.read(|s| s.session.peek().is_none()));
    assert!(h.read(|s| s.field.replica.peek().is_none()));
    // Still on the phone, and back when the same worker signs in again.
    let kept = futures_now(load_replica(id(testdata::REPAIRER))).unwrap();
    assert_eq!(kept.pending(), 1);
}

#[test]
fn the_field_shell_shows_the_sync_status_and_the_jobs() {
    let urgent = testdata::ticket(
        2,
        TicketStatus::Accepted,
        true,
        datetime!(2026-11-27 00:00 UTC),
    );
    let h = Harness::new(
        Role::Repairer,
        Some(testdata::replica(vec![assigned_job(), urgent.clone()])),
    );
    let html = h.html();
    assert!(html.contains(r#"data-testid="sync-bar""#), "{html}");
    assert!(html.contains("已全部同步"), "{html}");
    assert!(html.contains(r#"data-testid="user-role""#), "{html}");
    // Urgent first even with a later deadline.
    let first = html.find(&urgent.number).unwrap();
    let second = html.find("BX20261126-0001").unwrap();
    assert!(first < second, "{html}");
}

#[test]
fn before_the_store_is_read_the_shell_says_so() {
    let h = Harness::new(Role::Repairer, None);
    assert!(h.html().contains(r#"data-testid="loading""#));
}

#[test]
fn a_session_lost_from_local_storage_comes_back_from_indexeddb() {
    let setup = Setup {
        role: Role::Repairer,
        replica: None,
        signed_in: false,
    };
    // Nothing stored: still signed out.
    let mut h = Harness::with(setup.clone());
    h.run(h.state.recover_session());
    assert!(h.read(|s| s.session.peek().is_none()));
    // A garbled copy is not a session.
    futures_now(platform::kv_save(
        vec![(super::SESSION_KEY.into(), Some("{".into()))],
        vec![],
    ))
    .unwrap();
    h.run(h.state.recover_session());
    assert!(h.read(|s| s.session.peek().is_none()));
    let json = serde_json::to_string(&testdata::session(Role::Repairer)).unwrap();
    futures_now(platform::kv_save(
        vec![(super::SESSION_KEY.into(), Some(json))],
        vec![],
    ))
    .unwrap();
    let mut h = Harness::with(setup);
    h.run(h.state.recover_session());
    assert_eq!(
        h.read(|s| s.session.peek().as_ref().map(|s| s.user.id)),
        Some(id(testdata::REPAIRER))
    );
}
