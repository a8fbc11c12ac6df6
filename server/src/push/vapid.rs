//! The server's VAPID identity (RFC 8292): one P-256 key pair for every instance, from the
//! configuration or made on first start and kept in the database.

use crate::config::Config;
use crate::db::{self, Db, push as store};
use crate::error::{AppError, AppResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use web_push::{
    PartialVapidSignatureBuilder, SubscriptionInfo, VapidSignature, VapidSignatureBuilder,
};

#[derive(Clone)]
pub struct Vapid {
    signer: PartialVapidSignatureBuilder,
    /// Uncompressed public point, base64url: the browser's `applicationServerKey`.
    pub public_key: String,
    subject: String,
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
        })
    }

    /// A signed token for one subscription's push service (audience = its origin).
    pub fn sign(
        &self,
        subscription: &SubscriptionInfo,
    ) -> Result<VapidSignature, web_push::WebPushError> {
        let mut builder = self.signer.clone().add_sub_info(subscription);
        builder.add_claim("sub", self.subject.as_str());
        // web-push would leave out an explicit port, but the audience is the endpoint's
        // origin (RFC 8292 §2), port included.
        if let Some(origin) = origin(&subscription.endpoint) {
            builder.add_claim("aud", origin);
        }
        builder.build()
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
