//! Reading our internally tagged enums (`{"type": "ticket_step", "ticket_id": …}`) without
//! serde's buffering.
//!
//! `#[derive(Deserialize)]` on an internally tagged enum reads the whole object into serde's
//! private `Content` tree first (the tag may come last), then reads the variant from that tree:
//! every type under the enum is compiled a second time for the tree. In the field app that was
//! some 60 KB of wasm for [`Change`](crate::sync::Change), [`Outcome`](crate::sync::Outcome)
//! and [`RoutingBasis`](crate::routing::RoutingBasis), downloaded over slow networks before the
//! app can start. Instead each of them reads one flat "wire" struct holding the tag and every
//! variant's fields as options, straight from the JSON in any order, and builds the variant
//! from it with these helpers. The JSON is exactly what the derived `Serialize` writes; the
//! error messages are serde's own ("missing field `ticket_id`", "unknown field `points`,
//! expected `ticket_id` or `action`").

use serde::de::Error;

/// A field the variant cannot do without.
pub(crate) fn required<T, E: Error>(value: Option<T>, field: &'static str) -> Result<T, E> {
    value.ok_or_else(|| E::missing_field(field))
}

/// For enums that refuse unknown fields: the fields present (name, present?) must all belong to
/// the variant, whose own fields are `allowed`.
pub(crate) fn only<E: Error>(
    present: &[(&'static str, bool)],
    allowed: &'static [&'static str],
) -> Result<(), E> {
    match present
        .iter()
        .find(|(name, is_present)| *is_present && !allowed.contains(name))
    {
        Some((name, _)) => Err(E::unknown_field(name, allowed)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use crate::attachments::AttachmentKind;
    use crate::followup::{CloseLog, PatrolFinding, PatrolResultRequest, TrackPoint};
    use crate::intake::{CompletionRequest, RecordItemInput, RecordMaterialInput};
    use crate::routing::RoutingBasis;
    use crate::sync::{AttachmentRef, Change, Outcome};
    use crate::ticket::TicketAction;
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use std::fmt::Debug;
    use time::macros::datetime;
    use uuid::Uuid;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) {
        let json = serde_json::to_string(value).unwrap();
        let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(&back, value, "{json}");
        // Also through serde_json::Value, as the server reads stored routing decisions.
        let value_back: T = serde_json::from_value(serde_json::to_value(value).unwrap()).unwrap();
        assert_eq!(&value_back, value);
    }

    fn error<T: DeserializeOwned + Debug>(json: &str) -> String {
        let err = serde_json::from_str::<T>(json).expect_err(json).to_string();
        // serde_json's position suffix is not what these tests are about.
        err.split(" at line ").next().unwrap().to_owned()
    }

    fn attachment() -> AttachmentRef {
        AttachmentRef {
            sha256: "ab".repeat(32),
            kind: AttachmentKind::Photo,
        }
    }

    fn every_change() -> Vec<Change> {
        vec![
            Change::TicketStep {
                ticket_id: id(1),
                action: TicketAction::Accept,
            },
            Change::Complete {
                ticket_id: id(1),
                record: CompletionRequest {
                    repairers: vec![id(7)],
                    items: vec![RecordItemInput {
                        code: "WX001".into(),
                        quantity: 2,
                    }],
                    materials: vec![RecordMaterialInput {
                        code: "CL001".into(),
                        quantity: 1.5,
                    }],
                    extra_fees: vec![],
                    remarks: Some("换阀门".into()),
                    completed_at: Some(datetime!(2026-11-26 10:00 +8)),
                },
                attachments: vec![attachment()],
            },
            Change::PatrolResult {
                check_id: id(2),
                result: PatrolResultRequest {
                    finding: PatrolFinding::LeakFound,
                    gas_reading: Some(12.5),
                    remarks: None,
                    lon: Some(120.62),
                    lat: Some(31.32),
                    device_at: None,
                },
            },
            Change::StartPatrolLog { log_id: id(3) },
            Change::PatrolTrack {
                log_id: id(3),
                points: vec![TrackPoint {
                    lon: 120.6,
                    lat: 31.3,
                    at: datetime!(2026-11-26 09:00 UTC),
                }],
            },
            Change::ClosePatrolLog {
                log_id: id(3),
                close: CloseLog {
                    checked: "阀门井".into(),
                    remarks: None,
                },
            },
            Change::Attach {
                ticket_id: None,
                check_id: Some(id(2)),
                attachment: attachment(),
            },
        ]
    }

    #[test]
    fn every_change_reads_back_what_was_written() {
        for change in every_change() {
            round_trip(&change);
        }
    }

    #[test]
    fn a_change_is_written_with_its_tag_and_fields_side_by_side() {
        let json = serde_json::to_value(Change::TicketStep {
            ticket_id: id(1),
            action: TicketAction::Arrive,
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "ticket_step", "ticket_id": id(1), "action": "arrive"})
        );
    }

    #[test]
    fn the_tag_may_come_anywhere_and_defaults_apply() {
        let change: Change = serde_json::from_str(&format!(
            r#"{{"ticket_id":"{}","record":{{"items":[]}},"type":"complete"}}"#,
            id(1)
        ))
        .unwrap();
        let Change::Complete {
            ticket_id,
            record,
            attachments,
        } = change
        else {
            panic!("read as {change:?}");
        };
        assert_eq!(ticket_id, id(1));
        assert!(record.items.is_empty() && attachments.is_empty());
        let attach: Change = serde_json::from_str(
            r#"{"type":"attach","ticket_id":null,"attachment":{"sha256":"00","kind":"signature"}}"#,
        )
        .unwrap();
        assert!(matches!(
            attach,
            Change::Attach {
                ticket_id: None,
                check_id: None,
                ..
            }
        ));
    }

    #[test]
    fn a_change_missing_a_field_names_it() {
        assert_eq!(
            error::<Change>(r#"{"type":"ticket_step","action":"accept"}"#),
            "missing field `ticket_id`"
        );
        assert_eq!(
            error::<Change>(&format!(
                r#"{{"type":"patrol_track","log_id":"{}"}}"#,
                id(3)
            )),
            "missing field `points`"
        );
        assert_eq!(
            error::<Change>(r#"{"ticket_id":"00000000-0000-0000-0000-000000000001"}"#),
            "missing field `type`"
        );
    }

    #[test]
    fn a_change_with_another_kinds_field_or_an_unknown_one_is_refused() {
        let foreign = format!(
            r#"{{"type":"ticket_step","ticket_id":"{}","action":"accept","points":[]}}"#,
            id(1)
        );
        assert_eq!(
            error::<Change>(&foreign),
            "unknown field `points`, expected `ticket_id` or `action`"
        );
        let unknown = r#"{"type":"start_patrol_log","log_id":"00000000-0000-0000-0000-000000000003","colour":"red"}"#;
        assert!(error::<Change>(unknown).starts_with("unknown field `colour`"));
        assert!(
            error::<Change>(r#"{"type":"teleport"}"#).starts_with("unknown variant `teleport`")
        );
        // A value of the wrong type inside the variant is still caught.
        let bad = format!(
            r#"{{"type":"ticket_step","ticket_id":"{}","action":"fly"}}"#,
            id(1)
        );
        assert!(error::<Change>(&bad).starts_with("unknown variant `fly`"));
    }

    #[test]
    fn outcomes_read_back_and_name_what_is_missing() {
        for outcome in [
            Outcome::Applied { note: None },
            Outcome::Applied {
                note: Some("已合并".into()),
            },
            Outcome::Flagged {
                code: "stale".into(),
                reason: "工单已改派".into(),
            },
        ] {
            round_trip(&outcome);
        }
        assert_eq!(
            serde_json::to_value(Outcome::Applied { note: None }).unwrap(),
            serde_json::json!({"status": "applied"})
        );
        assert_eq!(
            error::<Outcome>(r#"{"status":"flagged","code":"stale"}"#),
            "missing field `reason`"
        );
        assert!(error::<Outcome>(r#"{"status":"lost"}"#).starts_with("unknown variant `lost`"));
    }

    #[test]
    fn routing_bases_read_back_and_name_what_is_missing() {
        for basis in [
            RoutingBasis::ServiceArea {
                area_id: id(1),
                area_name: "姑苏区".into(),
                priority: 10,
            },
            RoutingBasis::NearestPipeline {
                segment_id: id(2),
                distance_m: 12.25,
                patrol_area_id: id(3),
                patrol_area_name: "古城片".into(),
            },
            RoutingBasis::Rule {
                rule_id: id(4),
                pattern: "观前街".into(),
            },
            RoutingBasis::Emergency {
                reason: "urgent".into(),
            },
            RoutingBasis::Unrouted {
                reason: "no area".into(),
            },
            RoutingBasis::ChosenBy {
                user_id: id(5),
                user_name: "王调度".into(),
                reason: "客户要求".into(),
            },
        ] {
            round_trip(&basis);
        }
        assert_eq!(
            error::<RoutingBasis>(
                r#"{"kind":"chosen_by","user_id":"00000000-0000-0000-0000-000000000005","reason":"x"}"#
            ),
            "missing field `user_name`"
        );
        // Stored decisions may carry fields a later version added: they are ignored.
        let basis: RoutingBasis =
            serde_json::from_str(r#"{"reason":"none","kind":"unrouted","tried":3}"#).unwrap();
        assert_eq!(
            basis,
            RoutingBasis::Unrouted {
                reason: "none".into()
            }
        );
    }
}
