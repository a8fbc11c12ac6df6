//! Administration's forms as pure logic, tested natively: turning what was typed into the
//! API's bodies (amounts in yuan to fen, points, lists, parameter values).

use super::refusal::Refusal;
use crate::console::i18n::Txt;
use gasdesk_shared::api::{NewMaterial, NewRepairItem, NewUser, TeamUpdate, TeamView, UserView};
use gasdesk_shared::basemap::TileTemplate;
use gasdesk_shared::callcenter::{KnowledgeEntry, NewKnowledgeEntry};
use gasdesk_shared::datum::Datum;
use gasdesk_shared::{Role, TeamKind};
use serde_json::Value;

/// Yuan as typed (`12`, `12.5`, `12.50`, `¥12.50`) in fen; `None` for anything else.
pub fn yuan_to_fen(text: &str) -> Option<i64> {
    let text = text.trim().trim_start_matches(['¥', '￥']).trim();
    let (whole, cents) = match text.split_once('.') {
        Some((w, c)) => (w, c),
        None => (text, ""),
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || cents.len() > 2 || (!cents.is_empty() && !digits(cents)) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let cents: i64 = format!("{cents:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(cents)
}

/// Fen shown in a yuan input (`12.50`).
pub fn fen_to_yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, (fen % 100).abs())
}

pub(super) fn points(field: String, text: &str) -> Result<f64, Refusal> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|p| p.is_finite())
        .ok_or_else(|| Refusal::local(field, Txt::NotANumber))
}

pub(super) fn fen(field: String, text: &str) -> Result<i64, Refusal> {
    yuan_to_fen(text).ok_or_else(|| Refusal::local(field, Txt::NotYuan))
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// The new-user form as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct UserForm {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
    pub phone: String,
}

impl Default for UserForm {
    fn default() -> Self {
        UserForm {
            username: String::new(),
            display_name: String::new(),
            role: Role::Repairer,
            password: String::new(),
            phone: String::new(),
        }
    }
}

impl UserForm {
    /// What is sent; the server checks the username, password and phone rules.
    pub fn to_new(&self) -> NewUser {
        NewUser {
            username: self.username.trim().to_string(),
            display_name: self.display_name.trim().to_string(),
            password: self.password.clone(),
            role: self.role,
            phone: optional(&self.phone),
        }
    }
}

/// The new-team form as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamForm {
    pub name: String,
    pub kind: TeamKind,
    pub phone: String,
}

impl Default for TeamForm {
    fn default() -> Self {
        TeamForm {
            name: String::new(),
            kind: TeamKind::Repair,
            phone: String::new(),
        }
    }
}

/// A team being changed, as typed; the team fills it. `leader` is a user id, or blank for none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeamEdit {
    pub name: String,
    pub phone: String,
    pub leader: String,
}

impl TeamEdit {
    pub fn of(team: &TeamView) -> TeamEdit {
        TeamEdit {
            name: team.name.clone(),
            phone: team.phone.clone().unwrap_or_default(),
            leader: team.leader_id.map(|id| id.to_string()).unwrap_or_default(),
        }
    }

    /// The change to send: all of it (the server writes and audits only what differs); a
    /// blank phone removes it, a blank leader removes the leader.
    pub fn to_update(&self) -> Result<TeamUpdate, Refusal> {
        let (leader_id, no_leader) = match self.leader.trim() {
            "" => (None, true),
            id => (
                Some(
                    id.parse::<uuid::Uuid>()
                        .map_err(|_| Refusal::local("leader_id", Txt::ChooseMember))?,
                ),
                false,
            ),
        };
        Ok(TeamUpdate {
            name: Some(self.name.trim().to_string()),
            phone: Some(self.phone.trim().to_string()),
            leader_id,
            no_leader,
        })
    }
}

/// Who may lead a team: active team leaders and admins, by name.
pub fn leader_candidates(users: &[UserView]) -> Vec<UserView> {
    let mut list: Vec<UserView> = users
        .iter()
        .filter(|u| u.active && matches!(u.role, Role::TeamLeader | Role::Admin))
        .cloned()
        .collect();
    list.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    list
}

/// Staff who could join a team: active, not yet in it, by name.
pub fn candidates(users: &[UserView], team: &TeamView) -> Vec<UserView> {
    let mut list: Vec<UserView> = users
        .iter()
        .filter(|u| u.active && !team.member_ids.contains(&u.id))
        .cloned()
        .collect();
    list.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    list
}

/// A repair item as typed: points and the on-site fee in yuan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepairItemForm {
    pub code: String,
    pub name: String,
    pub category: String,
    pub points: String,
    pub fee_yuan: String,
}

impl RepairItemForm {
    pub fn to_new(&self) -> Result<NewRepairItem, Refusal> {
        Ok(NewRepairItem {
            code: self.code.trim().to_string(),
            name: self.name.trim().to_string(),
            category: self.category.trim().to_string(),
            workload_points: points("workload_points".into(), &self.points)?,
            onsite_fee_fen: if self.fee_yuan.trim().is_empty() {
                0
            } else {
                fen("onsite_fee_fen".into(), &self.fee_yuan)?
            },
        })
    }
}

/// A material as typed: price in yuan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MaterialForm {
    pub code: String,
    pub name: String,
    pub spec: String,
    pub unit: String,
    pub price_yuan: String,
}

impl MaterialForm {
    pub fn to_new(&self) -> Result<NewMaterial, Refusal> {
        Ok(NewMaterial {
            code: self.code.trim().to_string(),
            name: self.name.trim().to_string(),
            spec: optional(&self.spec),
            unit: self.unit.trim().to_string(),
            price_fen: fen("price_fen".into(), &self.price_yuan)?,
        })
    }
}

/// Splits a list typed with commas or Chinese enumeration marks.
pub fn list_input(value: &str) -> Vec<String> {
    value
        .split([',', '，', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// The knowledge form as typed; an entry being edited fills it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KnowledgeForm {
    pub title: String,
    pub subtitle: String,
    pub keywords: String,
    pub content: String,
}

impl KnowledgeForm {
    pub fn of(entry: &KnowledgeEntry) -> KnowledgeForm {
        KnowledgeForm {
            title: entry.title.clone(),
            subtitle: entry.subtitle.clone().unwrap_or_default(),
            keywords: entry.keywords.join("，"),
            content: entry.content.clone(),
        }
    }

    pub fn to_entry(&self) -> NewKnowledgeEntry {
        NewKnowledgeEntry {
            title: self.title.trim().to_string(),
            subtitle: optional(&self.subtitle),
            keywords: list_input(&self.keywords),
            content: self.content.trim().to_string(),
        }
    }
}

/// A parameter's value as shown in its input.
pub fn param_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What is sent for a typed value: a whole number where the parameter holds one and the text
/// reads as one, otherwise the text (the server refuses what does not fit, and says why).
pub fn param_value(current: &Value, typed: &str) -> Value {
    let typed = typed.trim();
    if current.is_number()
        && let Ok(n) = typed.parse::<i64>()
    {
        return Value::from(n);
    }
    Value::from(typed)
}

/// The map's tile address among the parameters, when one is set.
pub fn tile_url(params: &[gasdesk_shared::api::BusinessParam]) -> Option<TileTemplate> {
    params
        .iter()
        .find(|p| p.key == "map_tile_url")
        .and_then(|p| p.value.as_str())
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .and_then(|u| TileTemplate::parse(u).ok())
}

/// The datum the basemap's tiles are drawn in; WGS84 unless the parameter says otherwise.
pub fn tile_datum(params: &[gasdesk_shared::api::BusinessParam]) -> Datum {
    params
        .iter()
        .find(|p| p.key == "map_tile_datum")
        .and_then(|p| p.value.as_str())
        .and_then(|v| Datum::parse(v.trim()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::refusal::Said;
    use super::*;
    use gasdesk_shared::api::BusinessParam;
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn yuan_read_to_the_fen_and_nothing_else() {
        assert_eq!(yuan_to_fen("12"), Some(1200));
        assert_eq!(yuan_to_fen(" ¥12.5 "), Some(1250));
        assert_eq!(yuan_to_fen("0.05"), Some(5));
        assert_eq!(yuan_to_fen("12.345"), None);
        assert_eq!(yuan_to_fen("-3"), None);
        assert_eq!(yuan_to_fen("1,000"), None);
        assert_eq!(yuan_to_fen(".5"), None);
        assert_eq!(yuan_to_fen(""), None);
        assert_eq!(fen_to_yuan(1250), "12.50");
        assert_eq!(yuan_to_fen(&fen_to_yuan(7)), Some(7));
    }

    #[test]
    fn catalog_forms_convert_yuan_and_name_a_bad_field() {
        let item = RepairItemForm {
            code: " WX099 ".into(),
            name: "更换调压阀".into(),
            category: "pipe".into(),
            points: "2.5".into(),
            fee_yuan: "".into(),
        };
        let new = item.to_new().unwrap();
        assert_eq!(
            (new.code.as_str(), new.workload_points, new.onsite_fee_fen),
            ("WX099", 2.5, 0)
        );
        let bad = RepairItemForm {
            points: "两分".into(),
            ..item
        };
        assert_eq!(
            bad.to_new().unwrap_err().field.as_deref(),
            Some("workload_points")
        );
        let material = MaterialForm {
            code: "CL099".into(),
            name: "不锈钢波纹管".into(),
            spec: " ".into(),
            unit: "米".into(),
            price_yuan: "18.8".into(),
        };
        let new = material.to_new().unwrap();
        assert_eq!((new.price_fen, new.spec), (1880, None));
        let bad = MaterialForm {
            price_yuan: "18.888".into(),
            ..material
        };
        assert_eq!(bad.to_new().unwrap_err().said, Said::Console(Txt::NotYuan));
    }

    #[test]
    fn parameter_values_keep_their_kind_and_a_tile_url_is_found_when_set() {
        assert_eq!(param_value(&json!(30), " 45 "), json!(45));
        assert_eq!(
            param_value(&json!(30), "4.5"),
            json!("4.5"),
            "the server says why not"
        );
        assert_eq!(
            param_value(&json!(""), "https://t/{z}/{x}/{y}"),
            json!("https://t/{z}/{x}/{y}")
        );
        assert_eq!(
            param_value(&json!("old"), "12"),
            json!("12"),
            "text stays text"
        );
        assert_eq!(param_text(&json!("x")), "x");
        assert_eq!(param_text(&json!(30)), "30");
        let param = |key: &str, value: Value| BusinessParam {
            key: key.into(),
            value,
            description: String::new(),
        };
        assert_eq!(tile_url(&[param("map_tile_url", json!("  "))]), None);
        assert_eq!(tile_datum(&[]), Datum::Wgs84);
        assert_eq!(
            tile_datum(&[param("map_tile_datum", json!("gcj02"))]),
            Datum::Gcj02
        );
        assert_eq!(
            tile_datum(&[param("map_tile_datum", json!("wgs84"))]),
            Datum::Wgs84
        );
        assert_eq!(
            tile_datum(&[param("map_tile_datum", json!("bd09"))]),
            Datum::Wgs84
        );
        assert_eq!(
            tile_url(&[
                param("followup_sample_percent", json!(30)),
                param("map_tile_url", json!("https://t/{z}/{x}/{y}"))
            ]),
            TileTemplate::parse("https://t/{z}/{x}/{y}").ok()
        );
    }

    #[test]
    fn lists_split_on_any_comma_and_an_entry_goes_round_the_form() {
        assert_eq!(
            list_input("人民路， 干将路、, 十全街"),
            ["人民路", "干将路", "十全街"]
        );
        let entry = KnowledgeEntry {
            id: Uuid::from_u128(1),
            title: "热水器".into(),
            subtitle: None,
            keywords: vec!["不点火".into(), "熄火".into()],
            content: "先检查电池".into(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        let new = KnowledgeForm::of(&entry).to_entry();
        assert_eq!(new.keywords, entry.keywords);
        assert_eq!((new.subtitle, new.content), (None, entry.content));
    }

    #[test]
    fn only_active_outsiders_can_join_a_team() {
        let user = |n: u128, name: &str, active: bool| UserView {
            id: Uuid::from_u128(n),
            username: format!("u{n}"),
            display_name: name.into(),
            role: Role::Repairer,
            phone: None,
            active,
            team_ids: vec![],
        };
        let team = TeamView {
            id: Uuid::from_u128(100),
            name: "姑苏区维修班".into(),
            kind: TeamKind::Repair,
            phone: None,
            leader_id: None,
            member_ids: vec![Uuid::from_u128(1)],
        };
        let users = [
            user(1, "甲", true),
            user(2, "乙", false),
            user(3, "丙", true),
        ];
        let names: Vec<_> = candidates(&users, &team)
            .into_iter()
            .map(|u| u.display_name)
            .collect();
        assert_eq!(names, ["丙"]);
        let form = UserForm {
            username: " wx009 ".into(),
            phone: " ".into(),
            ..Default::default()
        };
        let new = form.to_new();
        assert_eq!(
            (new.username.as_str(), new.phone, new.role),
            ("wx009", None, Role::Repairer)
        );
    }

    #[test]
    fn a_team_fills_its_edit_form_and_comes_back_as_a_change() {
        let leader = Uuid::from_u128(7);
        let team = TeamView {
            id: Uuid::from_u128(100),
            name: "姑苏区维修班".into(),
            kind: TeamKind::Repair,
            phone: Some("051265231234".into()),
            leader_id: Some(leader),
            member_ids: vec![],
        };
        let mut form = TeamEdit::of(&team);
        assert_eq!(form.leader, leader.to_string());
        form.name = " 姑苏区维修一班 ".into();
        form.phone = " ".into();
        let update = form.to_update().unwrap();
        assert_eq!(update.name.as_deref(), Some("姑苏区维修一班"));
        assert_eq!(update.phone.as_deref(), Some(""), "blank removes the phone");
        assert_eq!((update.leader_id, update.no_leader), (Some(leader), false));
        form.leader = String::new();
        let update = form.to_update().unwrap();
        assert_eq!((update.leader_id, update.no_leader), (None, true));
        form.leader = "not-an-id".into();
        assert_eq!(
            form.to_update().unwrap_err().field.as_deref(),
            Some("leader_id")
        );

        let user = |n: u128, role: Role, active: bool| UserView {
            id: Uuid::from_u128(n),
            username: format!("u{n}"),
            display_name: format!("{n}"),
            role,
            phone: None,
            active,
            team_ids: vec![],
        };
        let users = [
            user(1, Role::TeamLeader, true),
            user(2, Role::TeamLeader, false),
            user(3, Role::Repairer, true),
            user(4, Role::Admin, true),
        ];
        let ids: Vec<_> = leader_candidates(&users)
            .into_iter()
            .map(|u| u.id)
            .collect();
        assert_eq!(ids, [Uuid::from_u128(1), Uuid::from_u128(4)]);
    }
}
