//! API shapes of consultations (咨询单), events (事件) and the knowledge base (知识库).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

/// Where a consultation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsultationStatus {
    /// 待答复: recorded, neither answered nor forwarded yet.
    Open,
    /// 已答复: the agent answered on the call.
    Answered,
    /// 已转办: forwarded to a department, awaiting its reply.
    Forwarded,
    /// 已回复: the department's reply is recorded.
    Replied,
    /// 已关闭
    Closed,
}

impl ConsultationStatus {
    pub const ALL: [ConsultationStatus; 5] = [
        ConsultationStatus::Open,
        ConsultationStatus::Answered,
        ConsultationStatus::Forwarded,
        ConsultationStatus::Replied,
        ConsultationStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsultationStatus::Open => "open",
            ConsultationStatus::Answered => "answered",
            ConsultationStatus::Forwarded => "forwarded",
            ConsultationStatus::Replied => "replied",
            ConsultationStatus::Closed => "closed",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ConsultationStatus::Open => "待答复",
            ConsultationStatus::Answered => "已答复",
            ConsultationStatus::Forwarded => "已转办",
            ConsultationStatus::Replied => "已回复",
            ConsultationStatus::Closed => "已关闭",
        }
    }

    pub fn parse(s: &str) -> Option<ConsultationStatus> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Forwarding a consultation to the department that can answer it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ForwardConsultation {
    /// The department's name, e.g. 客服中心 or 工程部.
    pub department: String,
    /// When the department should have replied by.
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
}

/// A caller's question. Give `answer` when answered on the call, or `forward` to send it to a
/// department; with neither it stays open.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewConsultation {
    pub caller: String,
    pub phone: String,
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    pub question: String,
    #[serde(default)]
    pub answer: Option<String>,
    #[serde(default)]
    pub forward: Option<ForwardConsultation>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AnswerConsultation {
    pub answer: String,
}

/// The department's reply, as the agent records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DepartmentReply {
    pub reply: String,
    /// Who in the department replied.
    #[serde(default)]
    pub replier: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConsultationView {
    pub id: Uuid,
    pub status: ConsultationStatus,
    pub caller: String,
    pub phone: String,
    pub customer_id: Option<Uuid>,
    pub question: String,
    pub answer: Option<String>,
    pub department: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    /// Forwarded, its due date passed, and no reply yet.
    pub overdue: bool,
    pub reply: Option<String>,
    pub replier: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub replied_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub created_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Consultation search; filters combine.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema, IntoParams))]
#[serde(deny_unknown_fields)]
pub struct ConsultationQuery {
    /// open, answered, forwarded, replied or closed.
    pub status: Option<String>,
    /// Only forwarded ones past their due date without a reply.
    pub overdue: Option<bool>,
    /// Part of the caller's name, phone, question or department.
    pub q: Option<String>,
    pub customer_id: Option<Uuid>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// 事件类别.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// 突发事件
    Emergency,
    /// 投诉
    Complaint,
    /// 表扬
    Praise,
    /// 举报
    TipOff,
    /// 建议
    Suggestion,
}

impl EventKind {
    pub const ALL: [EventKind; 5] = [
        EventKind::Emergency,
        EventKind::Complaint,
        EventKind::Praise,
        EventKind::TipOff,
        EventKind::Suggestion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Emergency => "emergency",
            EventKind::Complaint => "complaint",
            EventKind::Praise => "praise",
            EventKind::TipOff => "tip_off",
            EventKind::Suggestion => "suggestion",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            EventKind::Emergency => "突发事件",
            EventKind::Complaint => "投诉",
            EventKind::Praise => "表扬",
            EventKind::TipOff => "举报",
            EventKind::Suggestion => "建议",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// 待处理
    Open,
    /// 已回复
    Replied,
    /// 已关闭
    Closed,
}

impl EventStatus {
    pub const ALL: [EventStatus; 3] =
        [EventStatus::Open, EventStatus::Replied, EventStatus::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Open => "open",
            EventStatus::Replied => "replied",
            EventStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<EventStatus> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// An event as recorded by an agent, or raised by a follow-up call.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    pub kind: EventKind,
    pub content: String,
    #[serde(default)]
    pub reporter: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// The repair ticket it concerns; must exist.
    #[serde(default)]
    pub ticket_id: Option<Uuid>,
    /// Someone must reply before it can be closed.
    #[serde(default)]
    pub needs_reply: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventReply {
    pub reply: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EventView {
    pub id: Uuid,
    pub kind: EventKind,
    pub status: EventStatus,
    pub content: String,
    pub reporter: Option<String>,
    pub phone: Option<String>,
    pub ticket_id: Option<Uuid>,
    pub needs_reply: bool,
    pub reply: Option<String>,
    pub replied_by: Option<Uuid>,
    pub replied_by_name: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub replied_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub created_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Event search; filters combine.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema, IntoParams))]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// emergency, complaint, praise, tip_off or suggestion.
    pub kind: Option<String>,
    /// open, replied or closed.
    pub status: Option<String>,
    /// Only those that need a reply and have none (and are not closed).
    pub awaiting_reply: Option<bool>,
    pub ticket_id: Option<Uuid>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// A knowledge-base entry as written by a team leader (create and full replace).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewKnowledgeEntry {
    /// 一级标题
    pub title: String,
    /// 二级标题
    #[serde(default)]
    pub subtitle: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct KnowledgeEntry {
    pub id: Uuid,
    pub title: String,
    pub subtitle: Option<String>,
    pub keywords: Vec<String>,
    pub content: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Where a search hit matched best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MatchField {
    Content,
    Title,
    Keyword,
}

/// One search result: the entry without its full content, and a snippet around the first match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct KnowledgeHit {
    pub id: Uuid,
    pub title: String,
    pub subtitle: Option<String>,
    pub keywords: Vec<String>,
    pub snippet: String,
    /// The best field any query term matched in (absent when listing without a query).
    pub matched: Option<MatchField>,
    /// The query terms this entry matched.
    pub matched_terms: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema, IntoParams))]
#[serde(deny_unknown_fields)]
pub struct KnowledgeQuery {
    /// Words to look for, e.g. `热水器 不点火`; without it, every entry, newest first.
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}
