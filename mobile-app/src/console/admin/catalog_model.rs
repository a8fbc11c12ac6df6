//! Changing a catalog entry as pure logic, tested natively: the entry fills the edit form and
//! what was typed becomes the API's change (amounts in yuan to fen).

use super::model::{fen, fen_to_yuan, points};
use super::refusal::Refusal;
use gasdesk_shared::api::{MaterialUpdate, MaterialView, RepairItemUpdate, RepairItemView};

/// An entry's edit form: the change it sends, and the change that only retires an entry or
/// brings it back into use.
pub trait EntryEdit: Clone + 'static {
    type Update: serde::Serialize + 'static;
    fn to_update(&self) -> Result<Self::Update, Refusal>;
    fn set_active(active: bool) -> Self::Update;
}

/// A repair item being changed, as typed; the entry fills it. Everything is sent: the server
/// writes and audits only what differs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepairItemEdit {
    pub name: String,
    pub category: String,
    pub points: String,
    pub fee_yuan: String,
}

impl RepairItemEdit {
    pub fn of(item: &RepairItemView) -> RepairItemEdit {
        RepairItemEdit {
            name: item.name.clone(),
            category: item.category.clone(),
            points: item.workload_points.to_string(),
            fee_yuan: fen_to_yuan(item.onsite_fee_fen),
        }
    }
}

impl EntryEdit for RepairItemEdit {
    type Update = RepairItemUpdate;

    fn set_active(active: bool) -> RepairItemUpdate {
        RepairItemUpdate {
            active: Some(active),
            ..Default::default()
        }
    }

    fn to_update(&self) -> Result<RepairItemUpdate, Refusal> {
        Ok(RepairItemUpdate {
            name: Some(self.name.trim().to_string()),
            category: Some(self.category.trim().to_string()),
            workload_points: Some(points("workload_points".into(), &self.points)?),
            onsite_fee_fen: Some(fen("onsite_fee_fen".into(), &self.fee_yuan)?),
            active: None,
        })
    }
}

/// A material being changed, as typed; a blank spec clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MaterialEdit {
    pub name: String,
    pub spec: String,
    pub unit: String,
    pub price_yuan: String,
}

impl MaterialEdit {
    pub fn of(material: &MaterialView) -> MaterialEdit {
        MaterialEdit {
            name: material.name.clone(),
            spec: material.spec.clone().unwrap_or_default(),
            unit: material.unit.clone(),
            price_yuan: fen_to_yuan(material.price_fen),
        }
    }
}

impl EntryEdit for MaterialEdit {
    type Update = MaterialUpdate;

    fn set_active(active: bool) -> MaterialUpdate {
        MaterialUpdate {
            active: Some(active),
            ..Default::default()
        }
    }

    fn to_update(&self) -> Result<MaterialUpdate, Refusal> {
        Ok(MaterialUpdate {
            name: Some(self.name.trim().to_string()),
            spec: Some(self.spec.trim().to_string()),
            unit: Some(self.unit.trim().to_string()),
            price_fen: Some(fen("price_fen".into(), &self.price_yuan)?),
            active: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_entries_fill_their_edit_forms_and_come_back_as_changes() {
        let item = RepairItemView {
            id: uuid::Uuid::nil(),
            code: "WX001".into(),
            name: "灶具不点火".into(),
            category: "stove".into(),
            workload_points: 1.5,
            onsite_fee_fen: 2005,
            active: false,
        };
        let form = RepairItemEdit::of(&item);
        assert_eq!(
            (form.points.as_str(), form.fee_yuan.as_str()),
            ("1.5", "20.05")
        );
        let update = RepairItemEdit {
            name: " 灶具打不着火 ".into(),
            ..form.clone()
        }
        .to_update()
        .unwrap();
        assert_eq!(update.name.as_deref(), Some("灶具打不着火"));
        assert_eq!(
            (update.workload_points, update.onsite_fee_fen),
            (Some(1.5), Some(2005))
        );
        assert_eq!(
            update.active, None,
            "retiring is its own, confirmed, change"
        );
        let bad = RepairItemEdit {
            fee_yuan: "二十".into(),
            ..form
        };
        assert_eq!(
            bad.to_update().unwrap_err().field.as_deref(),
            Some("onsite_fee_fen")
        );

        let material = MaterialView {
            id: uuid::Uuid::nil(),
            code: "CL001".into(),
            name: "燃气胶管".into(),
            spec: None,
            unit: "根".into(),
            price_fen: 1500,
            active: true,
        };
        let form = MaterialEdit::of(&material);
        assert_eq!(
            (form.spec.as_str(), form.price_yuan.as_str()),
            ("", "15.00")
        );
        let update = MaterialEdit {
            price_yuan: "¥18.8".into(),
            ..form.clone()
        }
        .to_update()
        .unwrap();
        assert_eq!(
            (update.price_fen, update.spec.as_deref()),
            (Some(1880), Some(""))
        );
        let bad = MaterialEdit {
            price_yuan: "-1".into(),
            ..form
        };
        assert_eq!(
            bad.to_update().unwrap_err().field.as_deref(),
            Some("price_fen")
        );
    }
}
