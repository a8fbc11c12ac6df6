//! The score rule table as a form: one row per repair item with its points and on-site fee as
//! typed, named from the catalog, and back to the table to publish.

use super::model::{fen, fen_to_yuan, points};
use super::refusal::Refusal;
use gasdesk_shared::api::RepairItemView;
use gasdesk_shared::scoring::{ItemRule, ScoreRules};

/// One row of the score rule table being edited.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleRow {
    pub item_code: String,
    /// The catalog's name, for the eye; empty for a code no longer in the catalog.
    pub name: String,
    pub points: String,
    pub fee_yuan: String,
}

/// The rules as form rows, named from the catalog.
pub fn rule_rows(rules: &ScoreRules, items: &[RepairItemView]) -> Vec<RuleRow> {
    rules
        .items
        .iter()
        .map(|r| RuleRow {
            item_code: r.item_code.clone(),
            name: items
                .iter()
                .find(|i| i.code == r.item_code)
                .map(|i| i.name.clone())
                .unwrap_or_default(),
            points: format!("{}", r.points),
            fee_yuan: fen_to_yuan(r.onsite_fee_fen),
        })
        .collect()
}

/// A catalog item not yet in the table, as a new row with the catalog's own numbers.
pub fn row_for_item(item: &RepairItemView) -> RuleRow {
    RuleRow {
        item_code: item.code.clone(),
        name: item.name.clone(),
        points: format!("{}", item.workload_points),
        fee_yuan: fen_to_yuan(item.onsite_fee_fen),
    }
}

/// The rows as the table to publish; a row that does not read names itself
/// (`items[2].points`), as the server names its refusals.
pub fn rules_from_rows(rows: &[RuleRow]) -> Result<Vec<ItemRule>, Refusal> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            Ok(ItemRule {
                item_code: row.item_code.clone(),
                points: points(format!("items[{i}].points"), &row.points)?,
                onsite_fee_fen: fen(format!("items[{i}].onsite_fee_fen"), &row.fee_yuan)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn item(code: &str, name: &str) -> RepairItemView {
        RepairItemView {
            id: Uuid::from_u128(code.len() as u128),
            code: code.into(),
            name: name.into(),
            category: "pipe".into(),
            workload_points: 1.5,
            onsite_fee_fen: 2000,
            active: true,
        }
    }

    #[test]
    fn the_rule_table_goes_through_the_form_unchanged_and_a_bad_row_names_itself() {
        let rules = ScoreRules {
            version: 3,
            items: vec![
                ItemRule {
                    item_code: "WX001".into(),
                    points: 1.25,
                    onsite_fee_fen: 3000,
                },
                ItemRule {
                    item_code: "GONE".into(),
                    points: 2.0,
                    onsite_fee_fen: 0,
                },
            ],
        };
        let rows = rule_rows(&rules, &[item("WX001", "更换胶管")]);
        assert_eq!(rows[0].name, "更换胶管");
        assert_eq!(rows[0].fee_yuan, "30.00");
        assert_eq!(rows[1].name, "");
        assert_eq!(rules_from_rows(&rows).unwrap(), rules.items);
        let mut edited = rows.clone();
        edited[1].fee_yuan = "abc".into();
        let r = rules_from_rows(&edited).unwrap_err();
        assert_eq!(r.field.as_deref(), Some("items[1].onsite_fee_fen"));
        let added = row_for_item(&item("WX002", "更换表前阀"));
        assert_eq!(
            (added.points.as_str(), added.fee_yuan.as_str()),
            ("1.5", "20.00")
        );
    }
}
