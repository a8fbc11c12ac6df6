//! Routing: which team serves a place and which patroller checks a leak, and why. The API
//! shapes of service areas, patrol areas, pipelines, duty rosters, routing rules and decisions.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

/// Pipeline pressure classes (压力级制).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PressureClass {
    /// 低压
    Low,
    /// 中压
    Medium,
    /// 次高压
    SubHigh,
    /// 高压
    High,
}

impl PressureClass {
    pub const ALL: [PressureClass; 4] = [
        PressureClass::Low,
        PressureClass::Medium,
        PressureClass::SubHigh,
        PressureClass::High,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PressureClass::Low => "low",
            PressureClass::Medium => "medium",
            PressureClass::SubHigh => "sub_high",
            PressureClass::High => "high",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PressureClass::Low => "低压",
            PressureClass::Medium => "中压",
            PressureClass::SubHigh => "次高压",
            PressureClass::High => "高压",
        }
    }

    /// Accepts the English code or the Chinese name, as GIS attribute tables carry either.
    pub fn parse(text: &str) -> Option<PressureClass> {
        let text = text.trim();
        PressureClass::ALL
            .into_iter()
            .find(|p| p.as_str() == text || p.label_zh() == text)
    }
}

/// Why a place or a report went where it went. Read through [`RoutingBasisWire`] rather than
/// derived: see [`crate::tagged`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RoutingBasis {
    /// The point lies in a service area.
    ServiceArea {
        area_id: Uuid,
        area_name: String,
        priority: i64,
    },
    /// The nearest pipeline segment within the search distance.
    NearestPipeline {
        segment_id: Uuid,
        distance_m: f64,
        patrol_area_id: Uuid,
        patrol_area_name: String,
    },
    /// No location: an editable rule matched the address.
    Rule { rule_id: Uuid, pattern: String },
    /// Urgent work for the emergency-repair teams (抢修班): the one serving the place, else the
    /// one with the fewest open urgent tickets.
    Emergency { reason: String },
    /// Nothing matched; a dispatcher must choose.
    Unrouted { reason: String },
    /// A person chose.
    ChosenBy {
        user_id: Uuid,
        user_name: String,
        reason: String,
    },
}

#[derive(Deserialize)]
struct RoutingBasisWire {
    kind: RoutingBasisKind,
    area_id: Option<Uuid>,
    area_name: Option<String>,
    priority: Option<i64>,
    segment_id: Option<Uuid>,
    distance_m: Option<f64>,
    patrol_area_id: Option<Uuid>,
    patrol_area_name: Option<String>,
    rule_id: Option<Uuid>,
    pattern: Option<String>,
    reason: Option<String>,
    user_id: Option<Uuid>,
    user_name: Option<String>,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RoutingBasisKind {
    ServiceArea,
    NearestPipeline,
    Rule,
    Emergency,
    Unrouted,
    ChosenBy,
}

impl<'de> Deserialize<'de> for RoutingBasis {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use crate::tagged::required;
        let wire = RoutingBasisWire::deserialize(deserializer)?;
        Ok(match wire.kind {
            RoutingBasisKind::ServiceArea => RoutingBasis::ServiceArea {
                area_id: required(wire.area_id, "area_id")?,
                area_name: required(wire.area_name, "area_name")?,
                priority: required(wire.priority, "priority")?,
            },
            RoutingBasisKind::NearestPipeline => RoutingBasis::NearestPipeline {
                segment_id: required(wire.segment_id, "segment_id")?,
                distance_m: required(wire.distance_m, "distance_m")?,
                patrol_area_id: required(wire.patrol_area_id, "patrol_area_id")?,
                patrol_area_name: required(wire.patrol_area_name, "patrol_area_name")?,
            },
            RoutingBasisKind::Rule => RoutingBasis::Rule {
                rule_id: required(wire.rule_id, "rule_id")?,
                pattern: required(wire.pattern, "pattern")?,
            },
            RoutingBasisKind::Emergency => RoutingBasis::Emergency {
                reason: required(wire.reason, "reason")?,
            },
            RoutingBasisKind::Unrouted => RoutingBasis::Unrouted {
                reason: required(wire.reason, "reason")?,
            },
            RoutingBasisKind::ChosenBy => RoutingBasis::ChosenBy {
                user_id: required(wire.user_id, "user_id")?,
                user_name: required(wire.user_name, "user_name")?,
                reason: required(wire.reason, "reason")?,
            },
        })
    }
}

/// The answer of `GET /api/v1/routing/resolve`: what intake would do with this place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Resolution {
    /// The repair team for a repair at this place, if any.
    pub repair_team: Option<TeamRef>,
    pub repair_basis: RoutingBasis,
    /// The patrol team for an outdoor leak here, if a pipeline is near enough.
    pub patrol_team: Option<TeamRef>,
    pub patrol_basis: RoutingBasis,
    /// A sentence for the dispatcher, in Chinese.
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TeamRef {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema, IntoParams))]
#[serde(deny_unknown_fields)]
pub struct ResolveQuery {
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// Address text, used when no location is given.
    pub address: Option<String>,
}

/// One problem found in an imported GeoJSON file, or one repair made to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FeatureIssue {
    /// 0-based index of the feature in the file's `features` array.
    pub feature: usize,
    pub reason: String,
}

/// What a GeoJSON import did. A file with any problem is refused whole (an error listing every
/// problem); with `repair=true`, what can be fixed safely is fixed and listed in `repairs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct GeoImportReport {
    pub imported: usize,
    pub repairs: Vec<FeatureIssue>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema, IntoParams))]
#[serde(deny_unknown_fields)]
pub struct GeoImportOptions {
    /// Fix self-intersecting and badly oriented rings instead of refusing them.
    #[serde(default)]
    pub repair: bool,
}

/// A duty shift (值班): who of a patrol team is on duty from when to when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DutyShift {
    pub id: Uuid,
    pub team_id: Uuid,
    pub user_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewDutyShift {
    pub team_id: Uuid,
    pub user_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
}

/// Which part of an address a routing rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RuleField {
    Street,
    Community,
    /// Anywhere in the address text.
    Address,
}

impl RuleField {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleField::Street => "street",
            RuleField::Community => "community",
            RuleField::Address => "address",
        }
    }
}

/// An address rule (地址班组关系): addresses containing `pattern` go to `team_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RoutingRule {
    pub id: Uuid,
    pub field: RuleField,
    pub pattern: String,
    pub team_id: Uuid,
    /// Higher wins when several rules match.
    pub priority: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewRoutingRule {
    pub field: RuleField,
    pub pattern: String,
    pub team_id: Uuid,
    #[serde(default)]
    pub priority: i64,
}

/// An outdoor leak or hazard report (巡线单) as routing sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PatrolCheckView {
    pub id: Uuid,
    pub lon: f64,
    pub lat: f64,
    pub caller: Option<String>,
    pub phone: Option<String>,
    pub description: String,
    pub status: String,
    pub team_id: Option<Uuid>,
    pub assigned_to: Option<Uuid>,
    pub decision: RoutingDecisionView,
    #[serde(with = "time::serde::rfc3339")]
    pub reported_at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPatrolCheck {
    pub lon: f64,
    pub lat: f64,
    #[serde(default)]
    pub caller: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    pub description: String,
}

/// A stored routing decision with its explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RoutingDecisionView {
    pub id: Uuid,
    pub team_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub basis: RoutingBasis,
    pub explanation: String,
    #[serde(with = "time::serde::rfc3339")]
    pub decided_at: OffsetDateTime,
}

/// A dispatcher's override: a team, a person, or both, and why.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssignOverride {
    pub team_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub reason: String,
}

/// A field worker's last known position, reported by the app.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PositionReport {
    pub lon: f64,
    pub lat: f64,
}

/// A field worker's last known position, as the console's map shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StaffPosition {
    pub user_id: Uuid,
    pub name: String,
    pub role: crate::Role,
    pub lon: f64,
    pub lat: f64,
    /// When the phone reported it.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Something a dispatcher must act on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AlertView {
    pub id: Uuid,
    pub kind: String,
    pub message: String,
    pub subject_kind: Option<String>,
    pub subject_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub raised_at: OffsetDateTime,
    /// `dispatcher`, or `leader` for escalations to the team leader of `team_id`.
    pub audience: String,
    pub team_id: Option<Uuid>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pressure_classes_parse_codes_and_chinese_names() {
        assert_eq!(PressureClass::parse("中压"), Some(PressureClass::Medium));
        assert_eq!(
            PressureClass::parse("sub_high"),
            Some(PressureClass::SubHigh)
        );
        assert_eq!(PressureClass::parse("超高压"), None);
    }

    #[test]
    fn basis_is_tagged_by_kind() {
        let basis = RoutingBasis::Unrouted {
            reason: "no area".into(),
        };
        let json = serde_json::to_value(&basis).unwrap();
        assert_eq!(json["kind"], "unrouted");
    }
}
