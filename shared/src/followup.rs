//! API shapes of follow-up calls (回访) and patrol work (巡线): results of leak checks and
//! daily patrol logs.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

/// What the customer said about the repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    /// 满意
    Satisfied,
    /// 基本满意
    BasicallySatisfied,
    /// 不满意
    Dissatisfied,
}

impl Satisfaction {
    pub fn as_str(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "satisfied",
            Satisfaction::BasicallySatisfied => "basically_satisfied",
            Satisfaction::Dissatisfied => "dissatisfied",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "满意",
            Satisfaction::BasicallySatisfied => "基本满意",
            Satisfaction::Dissatisfied => "不满意",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FollowupView {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub ticket_number: String,
    pub reporter: String,
    pub phone: String,
    pub address: String,
    pub content: String,
    pub sampled_day: String,
    pub status: String,
    pub satisfaction: Option<Satisfaction>,
    pub remarks: Option<String>,
    pub event_id: Option<Uuid>,
}

/// A batch of follow-ups one agent has locked to call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FollowupBatch {
    pub id: Uuid,
    pub locked_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub items: Vec<FollowupView>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TakeBatch {
    /// How many calls to take (1–50).
    pub size: u32,
}

/// A complaint or praise heard during the call; becomes an event needing a reply.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HeardOnCall {
    /// `complaint` (投诉) or `praise` (表扬).
    pub kind: String,
    pub content: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FollowupResult {
    pub satisfaction: Satisfaction,
    #[serde(default)]
    pub remarks: Option<String>,
    #[serde(default)]
    pub heard: Option<HeardOnCall>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SamplingReport {
    /// The day whose completed tickets were sampled (YYYY-MM-DD, China time).
    pub day: String,
    pub percent: i64,
    pub eligible: i64,
    pub sampled: i64,
    /// False when the day had been sampled before (by this or another server).
    pub ran_now: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema, IntoParams))]
#[serde(deny_unknown_fields)]
pub struct SampleQuery {
    /// The day to sample (YYYY-MM-DD); default yesterday.
    pub day: Option<String>,
}

/// What the patroller found (巡线结果).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PatrolFinding {
    /// 未发现漏气: closes the check.
    NoLeak,
    /// 确认漏气: converts the check into an emergency repair ticket.
    LeakFound,
    /// 安全隐患: closes the check and alerts the dispatcher.
    Hazard,
}

impl PatrolFinding {
    pub fn as_str(self) -> &'static str {
        match self {
            PatrolFinding::NoLeak => "no_leak",
            PatrolFinding::LeakFound => "leak_found",
            PatrolFinding::Hazard => "hazard",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatrolResultRequest {
    pub finding: PatrolFinding,
    /// Gas concentration read on site (% LEL).
    #[serde(default)]
    pub gas_reading: Option<f64>,
    #[serde(default)]
    pub remarks: Option<String>,
    /// Where the patroller stood (the phone's GPS).
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub device_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PatrolResultView {
    pub check_id: Uuid,
    pub finding: PatrolFinding,
    pub status: String,
    /// The emergency repair ticket a found leak became.
    pub repair_ticket_id: Option<Uuid>,
    pub repair_ticket_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TrackPoint {
    pub lon: f64,
    pub lat: f64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// The most track points one upload (or one queued track change) may carry.
pub const MAX_TRACK_POINTS: usize = 2000;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TrackUpload {
    pub points: Vec<TrackPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CloseLog {
    /// What was checked (管线、阀门井、调压箱…).
    pub checked: String,
    #[serde(default)]
    pub remarks: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PatrolLogView {
    pub id: Uuid,
    pub patroller_id: Uuid,
    pub day: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
    pub checked: Option<String>,
    pub remarks: Option<String>,
    /// The GPS track as a GeoJSON LineString (WGS84), when it has two points or more.
    pub track: Option<serde_json::Value>,
    pub points: usize,
    /// Metres walked or driven along the track.
    pub length_m: f64,
}
