//! The field worker's data on this phone: the shared sync engine's [`Replica`] kept in
//! IndexedDB (one per user, so a colleague signing in on the same phone never sees or sends
//! another's work), the completion drafts, the screen, and the actions that record changes.
//! Every change is written to IndexedDB before the worker is told it is saved.

use super::jobs::{Draft, DraftError};
use super::{AppState, UiError};
use crate::i18n::Key;
use crate::platform::{self, BlobMeta, PlatformError};
use dioxus::prelude::*;
use gasdesk_shared::Role;
use gasdesk_shared::followup::{CloseLog, PatrolResultRequest, TrackPoint};
use gasdesk_shared::sync::{Change, ReferenceData, Replica};
use gasdesk_shared::ticket::TicketAction;
use std::collections::BTreeMap;
use std::future::Future;
use time::OffsetDateTime;
use uuid::Uuid;

/// Where the worker is in the app; each screen has a path, so a notification can open a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Screen {
    #[default]
    Home,
    Job(Uuid),
    Complete(Uuid),
    Check(Uuid),
    PatrolLog,
    Sync,
}

impl Screen {
    pub fn path(self) -> String {
        match self {
            Screen::Home => "/".into(),
            Screen::Job(id) => format!("/jobs/{id}"),
            Screen::Complete(id) => format!("/jobs/{id}/complete"),
            Screen::Check(id) => format!("/checks/{id}"),
            Screen::PatrolLog => "/patrol-log".into(),
            Screen::Sync => "/sync".into(),
        }
    }

    /// The screen of a path; unknown paths are the home screen.
    pub fn parse(path: &str) -> Screen {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        match parts.as_slice() {
            ["jobs", id] => id.parse().map_or(Screen::Home, Screen::Job),
            ["jobs", id, "complete"] => id.parse().map_or(Screen::Home, Screen::Complete),
            ["checks", id] => id.parse().map_or(Screen::Home, Screen::Check),
            ["patrol-log"] => Screen::PatrolLog,
            ["sync"] => Screen::Sync,
            _ => Screen::Home,
        }
    }
}

/// The roles that work in the field with this app.
pub fn is_field_role(role: Role) -> bool {
    matches!(role, Role::Repairer | Role::Patroller)
}

/// Office roles (dispatchers, leaders, managers, admins) work in the dispatcher console.
pub fn is_console_role(role: Role) -> bool {
    matches!(
        role,
        Role::Admin | Role::TeamLeader | Role::Dispatcher | Role::Manager
    )
}

/// A daily patrol log open on this phone.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OpenLog {
    pub log_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: time::OffsetDateTime,
    pub points: usize,
}

#[derive(Clone, Copy)]
pub struct FieldState {
    /// The signed-in worker's replica, once read from IndexedDB.
    pub replica: Signal<Option<Replica>>,
    pub online: Signal<bool>,
    pub syncing: Signal<bool>,
    /// Photos and signatures of queued changes not yet all on the server.
    pub uploads: Signal<usize>,
    pub screen: Signal<Screen>,
    pub drafts: Signal<BTreeMap<Uuid, Draft>>,
    /// A short confirmation ("saved on this device").
    pub notice: Signal<Option<Key>>,
    pub patrol_log: Signal<Option<OpenLog>>,
    /// When the track was last queued (this app session).
    pub track_flushed_at: Signal<Option<OffsetDateTime>>,
    /// The reference data version last written, so catalogs are not rewritten on every change.
    pub(super) saved_reference: Signal<Option<String>>,
    /// The device registered with the server in this app session.
    pub(super) registered: Signal<Option<Uuid>>,
    pub(super) push_subscribed: Signal<Option<Uuid>>,
}

impl FieldState {
    pub fn new(screen: Screen) -> Self {
        FieldState {
            replica: Signal::new(None),
            online: Signal::new(platform::is_online()),
            syncing: Signal::new(false),
            uploads: Signal::new(0),
            screen: Signal::new(screen),
            drafts: Signal::new(BTreeMap::new()),
            notice: Signal::new(None),
            patrol_log: Signal::new(None),
            track_flushed_at: Signal::new(None),
            saved_reference: Signal::new(None),
            registered: Signal::new(None),
            push_subscribed: Signal::new(None),
        }
    }
}

/// How often the open patrol log's track is queued for the server: often enough for the
/// console's map to follow the patroller, seldom enough to keep the outbox short.
pub const TRACK_FLUSH_EVERY: time::Duration = time::Duration::minutes(5);
/// Points per queued track change, well under the server's `MAX_TRACK_POINTS`.
pub const TRACK_CHUNK: usize = 500;
const _: () = assert!(TRACK_CHUNK <= gasdesk_shared::followup::MAX_TRACK_POINTS);

/// Whether the track is due: never queued in this app session, or longer ago than
/// [`TRACK_FLUSH_EVERY`] (a clock set back counts as due).
pub fn track_flush_due(flushed_at: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    flushed_at.is_none_or(|t| now - t >= TRACK_FLUSH_EVERY || now < t)
}

pub fn replica_key(user: Uuid) -> String {
    format!("replica:{user}")
}

pub fn reference_key(user: Uuid) -> String {
    format!("reference:{user}")
}

pub fn drafts_key(user: Uuid) -> String {
    format!("drafts:{user}")
}

pub fn patrol_log_key(user: Uuid) -> String {
    format!("patrol-log:{user}")
}

/// Starts writing the replica (its reference data only when the version changed) and marks
/// `ready` blobs as part of a queued change, in one IndexedDB transaction. The write starts
/// before this returns, so writes land in the order they were made.
pub fn persist(
    replica: &mut Replica,
    saved_reference: &mut Signal<Option<String>>,
    ready: Vec<String>,
) -> SaveFuture {
    let user = replica.user_id;
    let reference = replica.reference.take();
    let json = serde_json::to_string(&*replica);
    replica.reference = reference;
    let mut entries = Vec::new();
    let json = match json {
        Ok(json) => json,
        Err(e) => {
            let err = PlatformError(e.to_string());
            return futures_ready(Err(err));
        }
    };
    entries.push((replica_key(user), Some(json)));
    let version = replica.reference.as_ref().map(|r| r.version.clone());
    if version.is_some()
        && version != *saved_reference.peek()
        && let Ok(json) = serde_json::to_string(&replica.reference)
    {
        entries.push((reference_key(user), Some(json)));
        saved_reference.set(version);
    }
    futures_boxed(platform::kv_save(entries, ready))
}

pub type SaveFuture = std::pin::Pin<Box<dyn Future<Output = Result<(), PlatformError>>>>;

fn futures_ready(result: Result<(), PlatformError>) -> SaveFuture {
    Box::pin(std::future::ready(result))
}

fn futures_boxed(f: impl Future<Output = Result<(), PlatformError>> + 'static) -> SaveFuture {
    Box::pin(f)
}

/// Reads a user's replica from IndexedDB; a new one (with a new device id) on first use.
pub async fn load_replica(user: Uuid) -> Result<Replica, PlatformError> {
    // Both reads at once: start-up waits for them before showing the jobs.
    let (stored, reference) = futures_util::future::join(
        platform::kv_get(&replica_key(user)),
        platform::kv_get(&reference_key(user)),
    )
    .await;
    let mut replica = match stored?.and_then(|json| serde_json::from_str::<Replica>(&json).ok()) {
        Some(replica) if replica.user_id == user => replica,
        _ => Replica::new(new_id(), user),
    };
    if let Some(json) = reference? {
        replica.reference = serde_json::from_str::<Option<ReferenceData>>(&json)
            .ok()
            .flatten();
    }
    Ok(replica)
}

/// A time-ordered id from the phone's clock (std's clock does not exist in the browser).
pub fn new_id() -> Uuid {
    let now = platform::now();
    let stamp = uuid::Timestamp::from_unix(
        uuid::NoContext,
        u64::try_from(now.unix_timestamp()).unwrap_or_default(),
        now.nanosecond(),
    );
    Uuid::new_v7(stamp)
}

impl AppState {
    fn field_user(&self) -> Option<(Uuid, Role)> {
        self.session
            .peek()
            .as_ref()
            .map(|s| (s.user.id, s.user.role))
            .filter(|(_, role)| is_field_role(*role))
    }

    /// Reads the signed-in field worker's data from IndexedDB (at start and after sign-in).
    pub async fn load_field(mut self) {
        let Some((user, _)) = self.field_user() else {
            return;
        };
        if self.field.replica.peek().as_ref().map(|r| r.user_id) == Some(user) {
            return;
        }
        match load_replica(user).await {
            Ok(mut replica) => {
                // Signed out (or in as someone else) while reading: drop what was read.
                if self.field_user().map(|(u, _)| u) != Some(user) {
                    return;
                }
                replica.wake();
                self.field
                    .saved_reference
                    .set(replica.reference.as_ref().map(|r| r.version.clone()));
                self.field.replica.set(Some(replica));
                if let Ok(Some(json)) = platform::kv_get(&drafts_key(user)).await
                    && let Ok(drafts) = serde_json::from_str(&json)
                {
                    self.field.drafts.set(drafts);
                }
                if let Ok(Some(json)) = platform::kv_get(&patrol_log_key(user)).await
                    && let Ok(Some(log)) = serde_json::from_str::<Option<OpenLog>>(&json)
                {
                    platform::start_track();
                    self.field.patrol_log.set(Some(log));
                }
                platform::kick();
            }
            Err(_) => self.error.set(Some(UiError::NotSaved)),
        }
    }

    /// Forgets the field data in memory (sign-out). IndexedDB keeps it: unsynced work is
    /// never deleted, and syncs when the same worker signs in again.
    pub(super) fn unload_field(&mut self) {
        platform::stop_track();
        self.field.replica.set(None);
        self.field.drafts.set(BTreeMap::new());
        self.field.patrol_log.set(None);
        self.field.registered.set(None);
        self.field.push_subscribed.set(None);
        self.field.saved_reference.set(None);
        self.field.screen.set(Screen::Home);
    }

    pub fn navigate(mut self, screen: Screen) {
        platform::push_path(&screen.path());
        self.field.screen.set(screen);
        self.field.notice.set(None);
    }

    /// Records a field change: checked by the shared engine, then stored on the phone. Returns
    /// once it is on disk; the sync loop sends it when it can.
    pub async fn record(self, change: Change, ready: Vec<String>) -> Result<(), UiError> {
        let Some((_, role)) = self.field_user() else {
            return Err(UiError::SessionEnded);
        };
        let save = {
            let mut replica = self.field.replica;
            let mut guard = replica.write();
            let Some(replica) = guard.as_mut() else {
                return Err(UiError::NotSaved);
            };
            replica
                .record(change, role, platform::now())
                .map_err(|e| UiError::Refused(e.to_string()))?;
            let mut saved_reference = self.field.saved_reference;
            persist(replica, &mut saved_reference, ready)
        };
        save.await.map_err(|_| UiError::NotSaved)?;
        platform::kick();
        Ok(())
    }

    /// A step button: accept, on the way, on site.
    pub async fn step(mut self, ticket_id: Uuid, action: TicketAction) {
        let change = Change::TicketStep { ticket_id, action };
        if let Err(err) = self.record(change, vec![]).await {
            self.error.set(Some(err));
        }
    }

    pub fn update_draft(mut self, ticket_id: Uuid, edit: impl FnOnce(&mut Draft)) {
        edit(self.field.drafts.write().entry(ticket_id).or_default());
        self.save_drafts();
    }

    fn save_drafts(mut self) {
        let Some((user, _)) = self.field_user() else {
            return;
        };
        let Ok(json) = serde_json::to_string(&*self.field.drafts.peek()) else {
            return;
        };
        let save = platform::kv_save(vec![(drafts_key(user), Some(json))], vec![]);
        spawn(async move {
            if save.await.is_err() {
                self.error.set(Some(UiError::NotSaved));
            }
        });
    }

    /// Reads the photo just taken (or chosen) into the draft, compressed, stored on the phone.
    pub async fn add_photo(mut self, ticket_id: Uuid, input_id: &'static str) {
        match platform::capture_photo(input_id, Some(ticket_id), None).await {
            Ok(Some(photo)) => self.update_draft(ticket_id, |d| {
                if !d.photos.iter().any(|p| p.sha256 == photo.sha256) {
                    d.photos.push(photo);
                }
            }),
            Ok(None) => {}
            Err(_) => self.error.set(Some(UiError::Photo)),
        }
    }

    pub async fn keep_signature(mut self, ticket_id: Uuid, canvas_id: &'static str) {
        match platform::save_signature(canvas_id, Some(ticket_id), None).await {
            Ok(Some(signature)) => self.update_draft(ticket_id, |d| d.signature = Some(signature)),
            Ok(None) => self.error.set(Some(UiError::NoSignature)),
            Err(_) => self.error.set(Some(UiError::NotSaved)),
        }
    }

    /// Queues the completion with its photos and signature; the draft goes once it is saved.
    pub async fn complete(mut self, ticket_id: Uuid) {
        let draft = self
            .field
            .drafts
            .peek()
            .get(&ticket_id)
            .cloned()
            .unwrap_or_default();
        let (record, attachments) = match draft.completion(platform::now()) {
            Ok(done) => done,
            Err(DraftError::NoItems) => return self.error.set(Some(UiError::NoItems)),
            Err(DraftError::BadQuantity) => return self.error.set(Some(UiError::BadQuantity)),
        };
        let change = Change::Complete {
            ticket_id,
            record,
            attachments,
        };
        match self.record(change, draft.attachment_shas()).await {
            Ok(()) => {
                self.field.drafts.write().remove(&ticket_id);
                self.save_drafts();
                self.refresh_uploads().await;
                self.navigate(Screen::Job(ticket_id));
                self.field.notice.set(Some(Key::SavedOffline));
            }
            Err(err) => self.error.set(Some(err)),
        }
    }

    /// Records a leak check's result with the phone's position and its photos.
    pub async fn patrol_result(
        mut self,
        check_id: Uuid,
        result: PatrolResultRequest,
        photos: Vec<BlobMeta>,
    ) -> bool {
        let shas: Vec<String> = photos.iter().map(|p| p.sha256.clone()).collect();
        let mut ok = true;
        if let Err(err) = self
            .record(Change::PatrolResult { check_id, result }, shas.clone())
            .await
        {
            self.error.set(Some(err));
            return false;
        }
        for photo in photos {
            let attach = Change::Attach {
                ticket_id: None,
                check_id: Some(check_id),
                attachment: gasdesk_shared::sync::AttachmentRef {
                    sha256: photo.sha256,
                    kind: photo.kind,
                },
            };
            if let Err(err) = self.record(attach, vec![]).await {
                self.error.set(Some(err));
                ok = false;
            }
        }
        self.refresh_uploads().await;
        ok
    }

    /// Opens today's patrol log and starts recording the track.
    pub async fn start_patrol_log(mut self) {
        let log_id = new_id();
        if let Err(err) = self.record(Change::StartPatrolLog { log_id }, vec![]).await {
            return self.error.set(Some(err));
        }
        let log = OpenLog {
            log_id,
            started_at: platform::now(),
            points: 0,
        };
        self.save_patrol_log(Some(log.clone()));
        self.field.patrol_log.set(Some(log));
        platform::start_track();
    }

    /// Queues the positions collected since the last call as track changes (as many as the
    /// server's per-upload limit needs), so the track reaches the server while the log is
    /// open: the sync loop calls this every few minutes, closing the log once more.
    pub async fn flush_track(mut self) {
        let Some(mut log) = self.field.patrol_log.peek().clone() else {
            return;
        };
        let points: Vec<TrackPoint> = platform::take_track()
            .into_iter()
            .map(|(lon, lat, at)| TrackPoint { lon, lat, at })
            .collect();
        for chunk in points.chunks(TRACK_CHUNK) {
            let change = Change::PatrolTrack {
                log_id: log.log_id,
                points: chunk.to_vec(),
            };
            if let Err(err) = self.record(change, vec![]).await {
                return self.error.set(Some(err));
            }
            log.points += chunk.len();
            self.save_patrol_log(Some(log.clone()));
            self.field.patrol_log.set(Some(log.clone()));
        }
        self.field.track_flushed_at.set(Some(platform::now()));
    }

    /// Whether the open patrol log's track is due to be queued (see [`track_flush_due`]).
    pub fn track_flush_due(&self) -> bool {
        self.field.patrol_log.peek().is_some()
            && track_flush_due(*self.field.track_flushed_at.peek(), platform::now())
    }

    pub async fn close_patrol_log(mut self, checked: String, remarks: Option<String>) {
        self.flush_track().await;
        platform::stop_track();
        let Some(log) = self.field.patrol_log.peek().clone() else {
            return;
        };
        let change = Change::ClosePatrolLog {
            log_id: log.log_id,
            close: CloseLog { checked, remarks },
        };
        match self.record(change, vec![]).await {
            Ok(()) => {
                self.save_patrol_log(None);
                self.field.patrol_log.set(None);
                self.field.notice.set(Some(Key::SavedOffline));
            }
            Err(err) => self.error.set(Some(err)),
        }
    }

    fn save_patrol_log(mut self, log: Option<OpenLog>) {
        let Some((user, _)) = self.field_user() else {
            return;
        };
        let Ok(json) = serde_json::to_string(&log) else {
            return;
        };
        let save = platform::kv_save(vec![(patrol_log_key(user), Some(json))], vec![]);
        spawn(async move {
            if save.await.is_err() {
                self.error.set(Some(UiError::NotSaved));
            }
        });
    }

    /// Counts the photos and signatures still to upload, for the status bar.
    pub async fn refresh_uploads(mut self) {
        if let Ok(blobs) = platform::blob_list().await {
            self.field
                .uploads
                .set(blobs.iter().filter(|b| b.ready).count());
        }
    }

    pub fn dismiss_flag(mut self, index: usize) {
        let save = {
            let mut guard = self.field.replica.write();
            let Some(replica) = guard.as_mut() else {
                return;
            };
            if index < replica.flags.len() {
                replica.flags.remove(index);
            }
            let mut saved_reference = self.field.saved_reference;
            persist(replica, &mut saved_reference, vec![])
        };
        spawn(async move {
            if save.await.is_err() {
                self.error.set(Some(UiError::NotSaved));
            }
        });
    }

    /// "Sync now": retry at once, whatever the backoff said, with everything recorded so far
    /// (the open patrol log's track too, not only what the last 5-minute round queued).
    pub fn sync_now(mut self) {
        spawn(async move {
            self.flush_track().await;
            if let Some(replica) = self.field.replica.write().as_mut() {
                replica.wake();
            }
            platform::kick();
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screens_round_trip_through_their_paths() {
        let id: Uuid = "0190a4e0-0000-7000-8000-000000000001".parse().unwrap();
        for screen in [
            Screen::Home,
            Screen::Job(id),
            Screen::Complete(id),
            Screen::Check(id),
            Screen::PatrolLog,
            Screen::Sync,
        ] {
            assert_eq!(Screen::parse(&screen.path()), screen);
        }
        assert_eq!(Screen::parse("/jobs/not-an-id"), Screen::Home);
        assert_eq!(Screen::parse("/elsewhere"), Screen::Home);
        // A notification's url (PushPayload.url) opens the job.
        assert_eq!(Screen::parse(&format!("/jobs/{id}/")), Screen::Job(id));
    }

    #[test]
    fn the_track_is_due_every_few_minutes_while_the_log_is_open() {
        let t0 = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        assert!(track_flush_due(None, t0), "first time in this app session");
        assert!(!track_flush_due(Some(t0), t0 + time::Duration::minutes(4)));
        assert!(track_flush_due(Some(t0), t0 + TRACK_FLUSH_EVERY));
        assert!(
            track_flush_due(Some(t0), t0 - time::Duration::minutes(1)),
            "the phone's clock went back"
        );
    }
}
