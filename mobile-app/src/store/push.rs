//! Web Push: after sign-in (once the phone is registered) the app subscribes this browser with
//! the server's VAPID key and tells the server which device it belongs to. The service worker
//! (assets/web/sw.js) shows what arrives. A server without push (404) or a browser without it
//! leaves the app working as before: it still pulls every minute.

use super::AppState;
use crate::api;
use crate::platform;
use dioxus::prelude::*;
use uuid::Uuid;

/// The subscription body: the browser's `PushSubscription.toJSON()` plus the device.
pub fn subscription_body(subscription_json: &str, device: Uuid) -> Option<serde_json::Value> {
    let mut body: serde_json::Value = serde_json::from_str(subscription_json).ok()?;
    let object = body.as_object_mut()?;
    object.get("endpoint")?.as_str()?;
    object.insert(
        "device_id".into(),
        serde_json::Value::String(device.to_string()),
    );
    Some(body)
}

pub async fn subscribe(mut state: AppState, token: String, device: Uuid) {
    if *state.field.push_subscribed.peek() == Some(device) {
        return;
    }
    // No key (a server without push yet, or offline): no push; pulls still bring new jobs.
    let Ok(key) = api::vapid_key().await else {
        return;
    };
    let Ok(Some(json)) = platform::subscribe_push(&key.public_key).await else {
        return;
    };
    let Some(body) = subscription_body(&json, device) else {
        return;
    };
    if api::subscribe_push(&token, &body).await.is_ok() {
        state.field.push_subscribed.set(Some(device));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subscription_gets_the_device_and_keeps_the_browser_fields() {
        let device: Uuid = "0190a4e0-0000-7000-8000-000000000001".parse().unwrap();
        let json = r#"{"endpoint":"https://push.example/abc","expirationTime":null,
            "keys":{"p256dh":"BNc","auth":"tBH"}}"#;
        let body = subscription_body(json, device).unwrap();
        assert_eq!(body["endpoint"], "https://push.example/abc");
        assert_eq!(body["keys"]["auth"], "tBH");
        assert_eq!(body["device_id"], device.to_string());
        let request: gasdesk_shared::push::SubscribeRequest = serde_json::from_value(body).unwrap();
        assert_eq!(request.device_id, Some(device));
    }

    #[test]
    fn something_that_is_not_a_subscription_is_not_sent() {
        let device = Uuid::nil();
        assert!(subscription_body("null", device).is_none());
        assert!(subscription_body(r#"{"keys":{}}"#, device).is_none());
        assert!(subscription_body("not json", device).is_none());
    }
}
