//! A local push service that speaks the real protocol and checks it: every request must carry
//! a VAPID token (RFC 8292) signed by the server's public key for this service's origin, the
//! RFC 8030 headers, and an aes128gcm body (RFC 8291) that decrypts with the subscription's
//! private key and auth secret. What arrives is kept for the test to inspect; how each
//! subscription answers (201, 410, 429/503 first, or never) is set per subscription.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gasdesk_shared::push::PushPayload;
use jwt_simple::prelude::*;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// How a subscription's endpoint answers.
#[derive(Debug, Clone)]
pub enum Behaviour {
    Accept,
    /// 410 Gone: the browser dropped the subscription.
    Gone,
    /// These statuses first (e.g. 429, 503), then 201.
    FailFirst(Vec<u16>),
    /// Never answers.
    Hang,
}

#[derive(Debug, Clone)]
pub struct Delivered {
    pub subscription: String,
    pub payload: PushPayload,
    pub urgency: String,
    pub topic: Option<String>,
    pub ttl: u32,
}

struct Subscription {
    keys: ece::EcKeyComponents,
    auth: [u8; 16],
    behaviour: Behaviour,
    answered: usize,
}

#[derive(Default)]
struct Inner {
    subscriptions: HashMap<String, Subscription>,
    delivered: Vec<Delivered>,
    /// Requests the service refused as malformed (bad token, bad body…): must stay empty.
    violations: Vec<String>,
    attempts: HashMap<String, usize>,
}

#[derive(Clone)]
pub struct PushService {
    pub origin: String,
    server_key: Arc<Mutex<Option<String>>>,
    inner: Arc<Mutex<Inner>>,
}

impl PushService {
    pub async fn start() -> PushService {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let service = PushService {
            origin,
            server_key: Arc::default(),
            inner: Arc::default(),
        };
        let app = Router::new()
            .route("/push/{id}", axum::routing::post(receive))
            .with_state(service.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        service
    }

    /// The VAPID public key the server must sign with (from its API).
    pub fn expect_server_key(&self, key: &str) {
        *self.server_key.lock().unwrap() = Some(key.to_owned());
    }

    /// A new browser subscription on this service: the JSON a browser would post.
    pub fn subscribe(&self, name: &str, behaviour: Behaviour) -> Value {
        let (pair, auth) = ece::generate_keypair_and_auth_secret().unwrap();
        let public = pair.pub_as_raw().unwrap();
        self.inner.lock().unwrap().subscriptions.insert(
            name.to_owned(),
            Subscription {
                keys: pair.raw_components().unwrap(),
                auth,
                behaviour,
                answered: 0,
            },
        );
        json!({
            "endpoint": format!("{}/push/{name}", self.origin),
            "expirationTime": null,
            "keys": {"p256dh": URL_SAFE_NO_PAD.encode(public), "auth": URL_SAFE_NO_PAD.encode(auth)},
        })
    }

    pub fn delivered(&self) -> Vec<Delivered> {
        self.inner.lock().unwrap().delivered.clone()
    }

    pub fn delivered_to(&self, name: &str) -> Vec<Delivered> {
        self.delivered()
            .into_iter()
            .filter(|d| d.subscription == name)
            .collect()
    }

    pub fn attempts(&self, name: &str) -> usize {
        self.inner
            .lock()
            .unwrap()
            .attempts
            .get(name)
            .copied()
            .unwrap_or(0)
    }

    pub fn violations(&self) -> Vec<String> {
        self.inner.lock().unwrap().violations.clone()
    }

    /// Waits (up to 20 s) until the service has been asked `at_least` times for `name`:
    /// the server sends to all of a person's phones at once, so one phone's request may
    /// reach the service after another's has been answered.
    pub async fn wait_attempts(&self, name: &str, at_least: usize) {
        for _ in 0..400 {
            if self.attempts(name) >= at_least {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "push service: {name} was asked {} times, expected at least {at_least}",
            self.attempts(name)
        );
    }

    /// Waits (up to 20 s) until `check` holds for what was delivered.
    pub async fn wait_for(
        &self,
        what: &str,
        check: impl Fn(&[Delivered]) -> bool,
    ) -> Vec<Delivered> {
        for _ in 0..400 {
            let delivered = self.delivered();
            if check(&delivered) {
                return delivered;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "push service: {what} never happened; delivered {:?}; violations {:?}",
            self.delivered(),
            self.violations()
        );
    }
}

async fn receive(
    State(service): State<PushService>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    *service
        .inner
        .lock()
        .unwrap()
        .attempts
        .entry(name.clone())
        .or_default() += 1;
    let behaviour = {
        let mut inner = service.inner.lock().unwrap();
        let Some(sub) = inner.subscriptions.get_mut(&name) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        sub.answered += 1;
        match &sub.behaviour {
            Behaviour::FailFirst(statuses) if sub.answered <= statuses.len() => {
                Some(statuses[sub.answered - 1])
            }
            Behaviour::Gone => Some(410),
            Behaviour::Hang => Some(0),
            _ => None,
        }
    };
    match behaviour {
        Some(0) => {
            std::future::pending::<()>().await;
            unreachable!()
        }
        Some(status) => {
            let status = StatusCode::from_u16(status).unwrap();
            let mut response = status.into_response();
            if status == StatusCode::TOO_MANY_REQUESTS {
                response
                    .headers_mut()
                    .insert("retry-after", "1".parse().unwrap());
            }
            return response;
        }
        None => {}
    }
    match check(&service, &name, &headers, &body) {
        Ok(delivered) => {
            service.inner.lock().unwrap().delivered.push(delivered);
            StatusCode::CREATED.into_response()
        }
        Err(why) => {
            service.inner.lock().unwrap().violations.push(why.clone());
            (StatusCode::BAD_REQUEST, why).into_response()
        }
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Result<&'h str, String> {
    headers
        .get(name)
        .ok_or_else(|| format!("no {name} header"))?
        .to_str()
        .map_err(|_| format!("{name} is not text"))
}

/// RFC 8292 §3: `Authorization: vapid t=<JWT>, k=<public key>`.
fn check_vapid(service: &PushService, headers: &HeaderMap) -> Result<(), String> {
    let value = header(headers, "authorization")?;
    let rest = value
        .strip_prefix("vapid ")
        .ok_or_else(|| format!("authorization scheme is not vapid: {value}"))?;
    let mut token = None;
    let mut key = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(t) = part.strip_prefix("t=") {
            token = Some(t);
        } else if let Some(k) = part.strip_prefix("k=") {
            key = Some(k);
        }
    }
    let (token, key) = (token.ok_or("no t=")?, key.ok_or("no k=")?);
    let expected = service.server_key.lock().unwrap().clone();
    if expected.as_deref() != Some(key) {
        return Err(format!(
            "k={key} is not the server's VAPID key {expected:?}"
        ));
    }
    let raw = URL_SAFE_NO_PAD
        .decode(key)
        .map_err(|e| format!("k is not base64url: {e}"))?;
    let public =
        ES256PublicKey::from_bytes(&raw).map_err(|e| format!("k is not a P-256 key: {e}"))?;
    let options = VerificationOptions {
        allowed_audiences: Some(HashSet::from([service.origin.clone()])),
        ..Default::default()
    };
    let claims = public
        .verify_token::<Value>(token, Some(options))
        .map_err(|e| format!("VAPID token does not verify: {e}"))?;
    let expires = claims.expires_at.ok_or("VAPID token has no exp")?;
    if expires.as_secs() > Clock::now_since_epoch().as_secs() + 24 * 3600 {
        return Err("VAPID token expires more than 24 h ahead".into());
    }
    let subject = claims.subject.as_deref().unwrap_or_default();
    if !(subject.starts_with("mailto:") || subject.starts_with("https://")) {
        return Err(format!(
            "VAPID sub {subject:?} is not a mailto: or https: URL"
        ));
    }
    Ok(())
}

fn check(
    service: &PushService,
    name: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Delivered, String> {
    check_vapid(service, headers)?;
    let ttl: u32 = header(headers, "ttl")?
        .parse()
        .map_err(|_| "TTL is not a number".to_string())?;
    let urgency = header(headers, "urgency")?.to_owned();
    if !["very-low", "low", "normal", "high"].contains(&urgency.as_str()) {
        return Err(format!("Urgency {urgency} is not one of RFC 8030's"));
    }
    let topic = headers
        .get("topic")
        .map(|t| t.to_str().unwrap_or_default().to_owned());
    if let Some(t) = &topic
        && (t.len() > 32
            || !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        return Err(format!("Topic {t} is not at most 32 base64url characters"));
    }
    if header(headers, "content-encoding")? != "aes128gcm" {
        return Err("Content-Encoding is not aes128gcm".into());
    }
    if body.len() > 4096 {
        return Err(format!("body of {} bytes exceeds 4096", body.len()));
    }
    let (keys, auth) = {
        let inner = service.inner.lock().unwrap();
        let sub = inner
            .subscriptions
            .get(name)
            .ok_or("unknown subscription")?;
        (sub.keys.clone(), sub.auth)
    };
    let plain =
        ece::decrypt(&keys, &auth, body).map_err(|e| format!("body does not decrypt: {e}"))?;
    let payload: PushPayload =
        serde_json::from_slice(&plain).map_err(|e| format!("payload is not a PushPayload: {e}"))?;
    Ok(Delivered {
        subscription: name.to_owned(),
        payload,
        urgency,
        topic,
        ttl,
    })
}
