//! Workload scores (工作量分值) and fees (费用) of a repair record, computed from the score rule
//! table (维修分值规则表). The server stores what it computed with the rule version used; the
//! field app previews the same numbers offline.
//!
//! The rules, as the utility's team leaders keep them:
//! - each repair item carries points per unit; a record's points are Σ points × quantity,
//!   shared equally among the repairers who did the job (cent-exact: the first repairers
//!   take any indivisible remainder);
//! - the on-site fee (上门费) is charged once per visit: the highest fee among the record's
//!   items;
//! - materials are charged at their catalog price × quantity, rounded to the fen;
//! - any extra fee lines are added as given.

use crate::validate::{Invalid, invalid};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// One row of the score rule table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemRule {
    pub item_code: String,
    pub points: f64,
    pub onsite_fee_fen: i64,
}

/// A version of the whole table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreRules {
    pub version: i64,
    pub items: Vec<ItemRule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemLine {
    pub code: String,
    pub quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaterialLine {
    pub code: String,
    pub quantity: f64,
    /// Catalog price per unit at the time of the record.
    pub unit_price_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeeLine {
    pub label: String,
    pub amount_fen: i64,
}

/// What a record's numbers come to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Computation {
    pub rule_version: i64,
    /// Points in hundredths, to stay exact.
    pub total_centipoints: i64,
    /// Each repairer's share, in hundredths of a point.
    pub shares: Vec<(Uuid, i64)>,
    pub onsite_fee_fen: i64,
    pub material_fee_fen: i64,
    pub fees: Vec<FeeLine>,
    pub total_fee_fen: i64,
}

pub fn compute(
    rules: &ScoreRules,
    repairers: &[Uuid],
    items: &[ItemLine],
    materials: &[MaterialLine],
    extra_fees: &[FeeLine],
) -> Result<Computation, Invalid> {
    if repairers.is_empty() {
        return Err(invalid("repairers", "at least one repairer did the job"));
    }
    let mut seen = Vec::new();
    for (i, r) in repairers.iter().enumerate() {
        if seen.contains(r) {
            return Err(invalid(&format!("repairers[{i}]"), "listed twice"));
        }
        seen.push(*r);
    }
    let table: HashMap<&str, &ItemRule> = rules
        .items
        .iter()
        .map(|r| (r.item_code.as_str(), r))
        .collect();
    let mut total_centipoints = 0i64;
    let mut onsite_fee_fen = 0i64;
    for (i, line) in items.iter().enumerate() {
        let rule = table.get(line.code.as_str()).ok_or_else(|| {
            invalid(
                &format!("items[{i}].code"),
                format!("unknown repair item `{}`", line.code),
            )
        })?;
        if line.quantity == 0 || line.quantity > 1000 {
            return Err(invalid(
                &format!("items[{i}].quantity"),
                "must be between 1 and 1000",
            ));
        }
        total_centipoints += (rule.points * 100.0).round() as i64 * i64::from(line.quantity);
        onsite_fee_fen = onsite_fee_fen.max(rule.onsite_fee_fen);
    }
    let mut material_fee_fen = 0i64;
    for (i, line) in materials.iter().enumerate() {
        if !line.quantity.is_finite() || line.quantity <= 0.0 || line.quantity > 10_000.0 {
            return Err(invalid(
                &format!("materials[{i}].quantity"),
                "must be more than 0 (and at most 10000)",
            ));
        }
        material_fee_fen += (line.unit_price_fen as f64 * line.quantity).round() as i64;
    }
    let mut fees = Vec::new();
    if onsite_fee_fen > 0 {
        fees.push(FeeLine {
            label: "上门费".into(),
            amount_fen: onsite_fee_fen,
        });
    }
    if material_fee_fen > 0 {
        fees.push(FeeLine {
            label: "材料费".into(),
            amount_fen: material_fee_fen,
        });
    }
    for (i, fee) in extra_fees.iter().enumerate() {
        if fee.label.trim().is_empty() {
            return Err(invalid(
                &format!("extra_fees[{i}].label"),
                "must not be empty",
            ));
        }
        if fee.amount_fen < 0 || fee.amount_fen > 100_000_000 {
            return Err(invalid(
                &format!("extra_fees[{i}].amount_fen"),
                "must be between 0 and 1000000 yuan",
            ));
        }
        fees.push(fee.clone());
    }
    let n = repairers.len() as i64;
    let (base, remainder) = (total_centipoints / n, total_centipoints % n);
    let shares = repairers
        .iter()
        .enumerate()
        .map(|(i, r)| (*r, base + i64::from((i as i64) < remainder)))
        .collect();
    Ok(Computation {
        rule_version: rules.version,
        total_centipoints,
        shares,
        onsite_fee_fen,
        material_fee_fen,
        total_fee_fen: fees.iter().map(|f| f.amount_fen).sum(),
        fees,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> ScoreRules {
        let rule = |code: &str, points: f64, fee: i64| ItemRule {
            item_code: code.into(),
            points,
            onsite_fee_fen: fee,
        };
        ScoreRules {
            version: 3,
            items: vec![
                rule("WX001", 1.0, 2000),
                rule("WX006", 2.0, 0),
                rule("WX013", 4.0, 5000),
                rule("WX020", 0.5, 0),
            ],
        }
    }

    fn item(code: &str, quantity: u32) -> ItemLine {
        ItemLine {
            code: code.into(),
            quantity,
        }
    }

    /// (repairers, items, materials) → (total centipoints, shares, on-site fee, material fee,
    /// total fee)
    type Case = (
        Vec<Uuid>,
        Vec<ItemLine>,
        Vec<MaterialLine>,
        i64,
        Vec<i64>,
        i64,
        i64,
        i64,
    );

    fn material(price: i64, quantity: f64) -> MaterialLine {
        MaterialLine {
            code: "CL".into(),
            quantity,
            unit_price_fen: price,
        }
    }

    #[test]
    fn table_of_records_and_what_they_come_to() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        let c = Uuid::from_u128(3);
        // (repairers, items, materials) → (total centipoints, shares, on-site fee, material fee, total fee)
        let cases: Vec<Case> = vec![
            (
                vec![a],
                vec![item("WX001", 1)],
                vec![],
                100,
                vec![100],
                2000,
                0,
                2000,
            ),
            (
                vec![a, b],
                vec![item("WX006", 1), item("WX001", 2)],
                vec![material(1500, 1.0)],
                400,
                vec![200, 200],
                2000,
                1500,
                3500,
            ),
            // On-site fee once, the highest: 50 yuan, not 20 + 50.
            (
                vec![a],
                vec![item("WX001", 1), item("WX013", 1)],
                vec![],
                500,
                vec![500],
                5000,
                0,
                5000,
            ),
            // 0.5 point among three: 17 + 17 + 16 hundredths.
            (
                vec![a, b, c],
                vec![item("WX020", 1)],
                vec![],
                50,
                vec![17, 17, 16],
                0,
                0,
                0,
            ),
            // 2.5 m of pipe at 22 yuan/m = 55 yuan.
            (
                vec![a],
                vec![item("WX006", 1)],
                vec![material(2200, 2.5)],
                200,
                vec![200],
                0,
                5500,
                5500,
            ),
        ];
        for (repairers, items, materials, points, shares, onsite, material_fee, total) in cases {
            let result = compute(&rules(), &repairers, &items, &materials, &[]).unwrap();
            assert_eq!(result.total_centipoints, points, "{items:?}");
            assert_eq!(
                result.shares.iter().map(|s| s.1).collect::<Vec<_>>(),
                shares,
                "{items:?}"
            );
            assert_eq!(result.onsite_fee_fen, onsite);
            assert_eq!(result.material_fee_fen, material_fee);
            assert_eq!(result.total_fee_fen, total);
            assert_eq!(result.rule_version, 3);
        }
    }

    #[test]
    fn refusals_name_the_line() {
        let a = Uuid::from_u128(1);
        assert_eq!(
            compute(&rules(), &[], &[], &[], &[]).unwrap_err().field,
            "repairers"
        );
        assert_eq!(
            compute(&rules(), &[a, a], &[], &[], &[]).unwrap_err().field,
            "repairers[1]"
        );
        assert_eq!(
            compute(
                &rules(),
                &[a],
                &[item("WX001", 1), item("NOPE", 1)],
                &[],
                &[]
            )
            .unwrap_err()
            .field,
            "items[1].code"
        );
        assert_eq!(
            compute(&rules(), &[a], &[item("WX001", 0)], &[], &[])
                .unwrap_err()
                .field,
            "items[0].quantity"
        );
        assert_eq!(
            compute(&rules(), &[a], &[], &[material(100, -1.0)], &[])
                .unwrap_err()
                .field,
            "materials[0].quantity"
        );
        assert_eq!(
            compute(&rules(), &[a], &[], &[material(100, f64::NAN)], &[])
                .unwrap_err()
                .field,
            "materials[0].quantity"
        );
        let fee = FeeLine {
            label: "加急费".into(),
            amount_fen: -5,
        };
        assert_eq!(
            compute(&rules(), &[a], &[], &[], &[fee]).unwrap_err().field,
            "extra_fees[0].amount_fen"
        );
    }

    #[test]
    fn a_rule_change_gives_new_numbers_under_a_new_version() {
        let a = Uuid::from_u128(1);
        let old = compute(&rules(), &[a], &[item("WX001", 1)], &[], &[]).unwrap();
        let mut changed = rules();
        changed.version = 4;
        changed.items[0].points = 1.5;
        let new = compute(&changed, &[a], &[item("WX001", 1)], &[], &[]).unwrap();
        assert_eq!((old.total_centipoints, old.rule_version), (100, 3));
        assert_eq!((new.total_centipoints, new.rule_version), (150, 4));
    }
}
