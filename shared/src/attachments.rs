//! Photos and signatures (附件) field workers take offline: what the app declares before it
//! uploads, the server's account of how many bytes it has confirmed, the limits both ends apply,
//! and the chunk plan the app follows to resume over a bad network.
//!
//! An attachment is named by the SHA-256 of its content, so a retried declaration or upload can
//! never create a second copy, and the server can check that what arrived is what was taken.

use crate::validate::{Invalid, invalid};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The largest attachment: a phone photo recompressed by the app fits easily.
pub const MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;
/// The largest chunk one request may carry; small enough to get through a weak mobile link.
pub const MAX_CHUNK_BYTES: u64 = 1024 * 1024;
/// Image types the app produces and every browser of the console can show.
pub const ALLOWED_MIME_TYPES: [&str; 3] = ["image/jpeg", "image/png", "image/webp"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// 现场照片
    Photo,
    /// 客户签名
    Signature,
}

impl AttachmentKind {
    pub const ALL: [AttachmentKind; 2] = [AttachmentKind::Photo, AttachmentKind::Signature];

    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentKind::Photo => "photo",
            AttachmentKind::Signature => "signature",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AttachmentKind::Photo => "现场照片",
            AttachmentKind::Signature => "客户签名",
        }
    }

    pub fn parse(stored: &str) -> Option<AttachmentKind> {
        AttachmentKind::ALL
            .into_iter()
            .find(|k| k.as_str() == stored)
    }
}

/// Declares an attachment before its bytes are sent; optionally links it to a repair ticket or
/// a patrol check the caller works on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAttachment {
    /// SHA-256 of the whole content, 64 lower-case hexadecimal digits.
    pub sha256: String,
    /// Bytes in the whole content.
    pub size: u64,
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub mime: String,
    pub kind: AttachmentKind,
    #[serde(default)]
    pub ticket_id: Option<Uuid>,
    #[serde(default)]
    pub check_id: Option<Uuid>,
}

/// How much of an attachment the server holds: the app resumes sending from `received`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AttachmentStatus {
    pub sha256: String,
    pub size: u64,
    pub mime: String,
    pub kind: AttachmentKind,
    /// Bytes confirmed so far, from the start of the content without gaps.
    pub received: u64,
    /// All bytes arrived and their SHA-256 matched.
    pub complete: bool,
}

/// One attachment linked to a ticket; `status` is empty while the app has not declared it yet
/// (the link can arrive first, through sync).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LinkedAttachment {
    pub sha256: String,
    pub kind: AttachmentKind,
    pub added_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
    pub status: Option<AttachmentStatus>,
}

/// A ticket's attachments. Its completion is final only when `pending` is zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TicketAttachments {
    pub ticket_id: Uuid,
    /// Linked attachments whose bytes have not all arrived (undeclared ones included).
    pub pending: u64,
    pub items: Vec<LinkedAttachment>,
}

/// The next piece of content to send: `length` bytes from `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkPlan {
    pub offset: u64,
    pub length: u64,
}

impl ChunkPlan {
    /// The planned bytes of `content`; `None` when the content is shorter than the plan (it is
    /// not the content the status describes).
    pub fn slice<'a>(&self, content: &'a [u8]) -> Option<&'a [u8]> {
        let start = usize::try_from(self.offset).ok()?;
        let end = usize::try_from(self.offset.checked_add(self.length)?).ok()?;
        content.get(start..end)
    }
}

/// What to send next after the server answered `status`: the bytes from where it stopped
/// confirming, at most `max_chunk` of them (clamped to 1..=[`MAX_CHUNK_BYTES`]; send less on a
/// weak link). `None` when there is nothing left to send.
pub fn next_chunk(status: &AttachmentStatus, max_chunk: u64) -> Option<ChunkPlan> {
    if status.complete || status.received >= status.size {
        return None;
    }
    let max = max_chunk.clamp(1, MAX_CHUNK_BYTES);
    Some(ChunkPlan {
        offset: status.received,
        length: (status.size - status.received).min(max),
    })
}

/// Where a chunk sent at `offset` with `length` bytes falls against what the server holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkFit {
    /// Starts exactly where the confirmed bytes end: append it.
    Next,
    /// Lies within the confirmed bytes: a retry, acknowledged if its bytes are identical.
    Repeat,
    /// Starts elsewhere: the sender must resume from `expected`.
    OutOfStep {
        expected: u64,
    },
    /// Ends at `end`, past the declared size.
    BeyondSize {
        end: u64,
    },
    Empty,
    TooLarge,
}

pub fn fit_chunk(status: &AttachmentStatus, offset: u64, length: u64) -> ChunkFit {
    if length == 0 {
        return ChunkFit::Empty;
    }
    if length > MAX_CHUNK_BYTES {
        return ChunkFit::TooLarge;
    }
    let end = offset.saturating_add(length);
    if end > status.size {
        return ChunkFit::BeyondSize { end };
    }
    if end <= status.received {
        return ChunkFit::Repeat;
    }
    if offset == status.received && !status.complete {
        return ChunkFit::Next;
    }
    ChunkFit::OutOfStep {
        expected: status.received,
    }
}

/// A content hash as the API names attachments: 64 lower-case hexadecimal digits.
pub fn sha256_hex(field: &str, value: &str) -> Result<(), Invalid> {
    if value.len() != 64 {
        return Err(invalid(
            field,
            format!(
                "must be a SHA-256 of 64 hexadecimal digits; `{value}` has {} characters",
                value.chars().count()
            ),
        ));
    }
    if !value
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(invalid(
            field,
            "must be a SHA-256 written with the digits 0-9 and the lower-case letters a-f",
        ));
    }
    Ok(())
}

/// A declared size: not empty, at most [`MAX_ATTACHMENT_BYTES`].
pub fn size(value: u64) -> Result<(), Invalid> {
    if value == 0 {
        return Err(invalid("size", "an attachment must not be empty"));
    }
    if value > MAX_ATTACHMENT_BYTES {
        return Err(invalid(
            "size",
            format!(
                "{value} bytes is more than the {MAX_ATTACHMENT_BYTES} bytes (10 MiB) an attachment \
                 may have; compress the photo further"
            ),
        ));
    }
    Ok(())
}

/// A content type, as browsers may write it (`IMAGE/JPEG; charset=…`): returns the bare,
/// lower-case type when it is one of [`ALLOWED_MIME_TYPES`].
pub fn mime(value: &str) -> Result<String, Invalid> {
    let bare = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if ALLOWED_MIME_TYPES.contains(&bare.as_str()) {
        Ok(bare)
    } else {
        Err(invalid(
            "mime",
            format!(
                "`{value}` is not accepted; attachments are {}",
                ALLOWED_MIME_TYPES.join(", ")
            ),
        ))
    }
}

/// Checks a declaration and returns it with its content type normalised.
pub fn new_attachment(new: &NewAttachment) -> Result<NewAttachment, Invalid> {
    sha256_hex("sha256", &new.sha256)?;
    size(new.size)?;
    Ok(NewAttachment {
        mime: mime(&new.mime)?,
        ..new.clone()
    })
}

/// Whether content starting with `prefix` looks like `mime` (its file signature), so a
/// mislabelled file is refused at its first chunk rather than shown broken later. A prefix too
/// short to tell is given the benefit of the doubt for the bytes it has.
pub fn content_matches(mime: &str, prefix: &[u8]) -> bool {
    let signature: &[Option<u8>] = match mime {
        "image/jpeg" => &[Some(0xFF), Some(0xD8), Some(0xFF)],
        "image/png" => &[
            Some(0x89),
            Some(b'P'),
            Some(b'N'),
            Some(b'G'),
            Some(0x0D),
            Some(0x0A),
            Some(0x1A),
            Some(0x0A),
        ],
        // RIFF, four bytes of length, WEBP.
        "image/webp" => &[
            Some(b'R'),
            Some(b'I'),
            Some(b'F'),
            Some(b'F'),
            None,
            None,
            None,
            None,
            Some(b'W'),
            Some(b'E'),
            Some(b'B'),
            Some(b'P'),
        ],
        _ => return false,
    };
    signature
        .iter()
        .zip(prefix)
        .all(|(expected, actual)| expected.is_none_or(|e| e == *actual))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn status(size: u64, received: u64) -> AttachmentStatus {
        AttachmentStatus {
            sha256: HASH.into(),
            size,
            mime: "image/jpeg".into(),
            kind: AttachmentKind::Photo,
            received,
            complete: received == size,
        }
    }

    #[test]
    fn kinds_round_trip() {
        for kind in AttachmentKind::ALL {
            assert_eq!(AttachmentKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(kind.as_str().into())
            );
        }
        assert_eq!(AttachmentKind::parse("video"), None);
    }

    #[test]
    fn hashes_are_64_lower_case_hex_digits() {
        assert!(sha256_hex("sha256", HASH).is_ok());
        let err = sha256_hex("sha256", &HASH[..63]).unwrap_err();
        assert_eq!(err.field, "sha256");
        assert!(err.message.contains("63 characters"), "{}", err.message);
        assert!(sha256_hex("sha256", &HASH.to_uppercase()).is_err());
        assert!(sha256_hex("sha256", &format!("{}g", &HASH[..63])).is_err());
        // 64 bytes but not 64 characters: still refused, and the count is in characters.
        let wide = format!("{}é", &HASH[..62]);
        assert!(sha256_hex("sha256", &wide).is_err());
    }

    #[test]
    fn sizes_and_types() {
        assert!(size(1).is_ok());
        assert!(size(MAX_ATTACHMENT_BYTES).is_ok());
        assert_eq!(size(0).unwrap_err().field, "size");
        assert!(
            size(MAX_ATTACHMENT_BYTES + 1)
                .unwrap_err()
                .message
                .contains("10 MiB")
        );
        assert_eq!(mime("image/jpeg").unwrap(), "image/jpeg");
        assert_eq!(mime(" IMAGE/PNG; q=1").unwrap(), "image/png");
        let err = mime("image/heic").unwrap_err();
        assert_eq!(err.field, "mime");
        assert!(err.message.contains("image/webp"), "{}", err.message);
        assert!(mime("").is_err());
    }

    #[test]
    fn declarations_are_checked_and_normalised() {
        let new = NewAttachment {
            sha256: HASH.into(),
            size: 2048,
            mime: "Image/WebP".into(),
            kind: AttachmentKind::Signature,
            ticket_id: None,
            check_id: None,
        };
        assert_eq!(new_attachment(&new).unwrap().mime, "image/webp");
        let bad = NewAttachment {
            size: 0,
            ..new.clone()
        };
        assert_eq!(new_attachment(&bad).unwrap_err().field, "size");
        let bad = NewAttachment {
            sha256: "abc".into(),
            ..new
        };
        assert_eq!(new_attachment(&bad).unwrap_err().field, "sha256");
    }

    #[test]
    fn the_plan_resumes_where_the_server_stopped() {
        let size = 2 * MAX_CHUNK_BYTES + 10;
        assert_eq!(
            next_chunk(&status(size, 0), u64::MAX),
            Some(ChunkPlan {
                offset: 0,
                length: MAX_CHUNK_BYTES
            })
        );
        assert_eq!(
            next_chunk(&status(size, 2 * MAX_CHUNK_BYTES), MAX_CHUNK_BYTES),
            Some(ChunkPlan {
                offset: 2 * MAX_CHUNK_BYTES,
                length: 10
            })
        );
        // A weak link asks for small chunks; zero would never finish, so it becomes one byte.
        assert_eq!(
            next_chunk(&status(size, 100), 64 * 1024),
            Some(ChunkPlan {
                offset: 100,
                length: 64 * 1024
            })
        );
        assert_eq!(next_chunk(&status(size, 5), 0).unwrap().length, 1);
        assert_eq!(next_chunk(&status(size, size), MAX_CHUNK_BYTES), None);
    }

    #[test]
    fn following_the_plan_sends_every_byte_once() {
        let content: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
        let mut s = status(content.len() as u64, 0);
        let mut sent = Vec::new();
        while let Some(plan) = next_chunk(&s, 700) {
            assert_eq!(fit_chunk(&s, plan.offset, plan.length), ChunkFit::Next);
            sent.extend_from_slice(plan.slice(&content).unwrap());
            s.received += plan.length;
        }
        assert_eq!(sent, content);
        assert_eq!(
            ChunkPlan {
                offset: 2990,
                length: 20
            }
            .slice(&content),
            None
        );
    }

    #[test]
    fn chunks_are_placed_against_what_was_confirmed() {
        let s = status(1000, 400);
        assert_eq!(fit_chunk(&s, 400, 100), ChunkFit::Next);
        assert_eq!(fit_chunk(&s, 0, 400), ChunkFit::Repeat);
        assert_eq!(fit_chunk(&s, 100, 100), ChunkFit::Repeat);
        assert_eq!(
            fit_chunk(&s, 300, 200),
            ChunkFit::OutOfStep { expected: 400 }
        );
        assert_eq!(
            fit_chunk(&s, 500, 10),
            ChunkFit::OutOfStep { expected: 400 }
        );
        assert_eq!(fit_chunk(&s, 900, 200), ChunkFit::BeyondSize { end: 1100 });
        assert_eq!(
            fit_chunk(&s, u64::MAX, 2),
            ChunkFit::BeyondSize { end: u64::MAX }
        );
        assert_eq!(fit_chunk(&s, 400, 0), ChunkFit::Empty);
        assert_eq!(
            fit_chunk(&status(MAX_ATTACHMENT_BYTES, 0), 0, MAX_CHUNK_BYTES + 1),
            ChunkFit::TooLarge
        );
        // Once complete, everything within the content is a repeat.
        assert_eq!(fit_chunk(&status(1000, 1000), 900, 100), ChunkFit::Repeat);
    }

    #[test]
    fn file_signatures() {
        assert!(content_matches("image/jpeg", &[0xFF, 0xD8, 0xFF, 0xE0, 0]));
        assert!(!content_matches("image/jpeg", b"\x89PNG\r\n\x1a\n"));
        assert!(content_matches(
            "image/png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"
        ));
        assert!(content_matches("image/webp", b"RIFF\x24\0\0\0WEBPVP8 "));
        assert!(!content_matches("image/webp", b"RIFF\x24\0\0\0WAVEfmt "));
        // Too short to tell: judged on what there is.
        assert!(content_matches("image/png", b"\x89P"));
        assert!(!content_matches("image/gif", b"GIF89a"));
    }
}
