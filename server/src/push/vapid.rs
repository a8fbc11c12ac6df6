//! The server's VAPID identity (RFC 8292): one P-256 key pair for every instance, from the
//! configuration or made on first start and kept in the database.

use crate::config::Config;
use crate::db::{self, Db, push as store};
use crate::error::{AppError, AppResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use web_push::{
    PartialVapidSignatureBuilder, SubscriptionInfo, VapidSignature, VapidSignatureBuilder,
};

/// How long a signed token is reused for one push service. Tokens are valid for 12 hours;
/// signing one per message would cost more CPU than the rest of the send.
const TOKEN_REUSE: Duration = Duration::from_secs(3600);

#[derive(Clone)]
pub struct Vapid {
    signer: PartialVapidSignatureBuilder,
    /// Uncompressed public point, base64url: the browser's `applicationServerKey`.
    pub public_key: String,
    subject: String,
    /// Signed tokens by audience (push service origin), with when they were signed.
    tokens: Arc<Mutex<HashMap<String, (VapidSignature, Instant)>>>,
}

impl Vapid {
    pub async fn load(db: &Db, config: &Config) -> AppResult<Vapid> {
        let private = match &config.vapid_private_key {
            Some(key) => key.trim().to_owned(),
            None => match store::vapid_keys(db).await? {
                Some((private, _)) => private,
                None => {
                    let made = URL_SAFE_NO_PAD
                        .encode(jwt_simple::prelude::ES256KeyPair::generate().to_bytes());
                    let public = Vapid::from_private(&made, &config.push_subject)?.public_key;
                    store::insert_vapid_keys(db, &made, &public, db::now()).await?;
                    // Another instance may have stored its key first: use whichever is kept.
                    store::vapid_keys(db)
                        .await?
                        .map(|(private, _)| private)
                        .ok_or_else(|| AppError::Internal("the VAPID key was not stored".into()))?
                }
            },
        };
        Vapid::from_private(&private, &config.push_subject)
    }

    pub fn from_private(private: &str, subject: &str) -> AppResult<Vapid> {
        if !(subject.starts_with("mailto:") || subject.starts_with("https://")) {
            return Err(AppError::Internal(format!(
                "push_subject `{subject}` must be a mailto: or https: URL (RFC 8292)"
            )));
        }
        let signer = VapidSignatureBuilder::from_base64_no_sub(private).map_err(|e| {
            AppError::Internal(format!(
                "the VAPID private key is not a base64url P-256 key: {e}"
            ))
        })?;
        let public_key = URL_SAFE_NO_PAD.encode(signer.get_public_key());
        Ok(Vapid {
            signer,
            public_key,
            subject: subject.to_owned(),
            tokens: Arc::default(),
        })
    }

    /// A signed token for one subscription's push service (audience = its origin).
    pub fn sign(
        &self,
        subscription: &SubscriptionInfo,
    ) -> Result<VapidSignature, web_push::WebPushError> {
        // web-push would leave out an explicit port, but the audience is the endpoint's
        // origin (RFC 8292 §2), port included.
        let audience = origin(&subscription.endpoint).ok_or(web_push::WebPushError::InvalidUri)?;
        if let Some((token, at)) = self.tokens.lock().expect("token cache").get(&audience)
            && at.elapsed() < TOKEN_REUSE
        {
            return Ok(token.clone());
        }
        let mut builder = self.signer.clone().add_sub_info(subscription);
        builder.add_claim("sub", self.subject.as_str());
        builder.add_claim("aud", audience.as_str());
        let token = builder.build()?;
        self.tokens
            .lock()
            .expect("token cache")
            .insert(audience, (token.clone(), Instant::now()));
        Ok(token)
    }
}

/// `scheme://host[:port]` of a URL, the port only when it is not the scheme's default.
pub fn origin(url: &str) -> Option<String> {
    let uri: axum::http::Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?;
    let host = uri.host()?;
    Some(match uri.port_u16() {
        Some(port) if !matches!((scheme, port), ("https", 443) | ("http", 80)) => {
            format!("{scheme}://{host}:{port}")
        }
        _ => format!("{scheme}://{host}"),
    })
}

#[cfg(test)]
mod tests {
    use super::origin;

    #[test]
    fn the_audience_is_the_origin_with_its_port() {
        assert_eq!(
            origin("https://fcm.googleapis.com/fcm/send/abc").as_deref(),
            Some("https://fcm.googleapis.com")
        );
        assert_eq!(
            origin("https://push.example:443/x").as_deref(),
            Some("https://push.example")
        );
        assert_eq!(
            origin("http://127.0.0.1:8089/push/1").as_deref(),
            Some("http://127.0.0.1:8089")
        );
        assert_eq!(origin("not a url"), None);
    }
}
