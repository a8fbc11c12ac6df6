//! The repair ticket's life (接报单): its states, the actions that move it, and who may take
//! each. The server enforces it; the field app checks the same table offline before queueing.

use crate::roles::Role;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// 新建: recorded, not yet routed to a team.
    New,
    /// 已派单: a team (and maybe a person) has it.
    Assigned,
    /// 已接单: a repairer took it.
    Accepted,
    /// 出发: on the way.
    OnTheWay,
    /// 到场: on site.
    OnSite,
    /// 完工: the repair record is in.
    Completed,
    /// 已回访: the customer was called back.
    FollowedUp,
    /// 已关闭
    Closed,
    /// 已取消
    Cancelled,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 9] = [
        TicketStatus::New,
        TicketStatus::Assigned,
        TicketStatus::Accepted,
        TicketStatus::OnTheWay,
        TicketStatus::OnSite,
        TicketStatus::Completed,
        TicketStatus::FollowedUp,
        TicketStatus::Closed,
        TicketStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::New => "new",
            TicketStatus::Assigned => "assigned",
            TicketStatus::Accepted => "accepted",
            TicketStatus::OnTheWay => "on_the_way",
            TicketStatus::OnSite => "on_site",
            TicketStatus::Completed => "completed",
            TicketStatus::FollowedUp => "followed_up",
            TicketStatus::Closed => "closed",
            TicketStatus::Cancelled => "cancelled",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            TicketStatus::New => "新建",
            TicketStatus::Assigned => "已派单",
            TicketStatus::Accepted => "已接单",
            TicketStatus::OnTheWay => "出发",
            TicketStatus::OnSite => "到场",
            TicketStatus::Completed => "完工",
            TicketStatus::FollowedUp => "已回访",
            TicketStatus::Closed => "已关闭",
            TicketStatus::Cancelled => "已取消",
        }
    }

    pub fn parse(text: &str) -> Option<TicketStatus> {
        TicketStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Still work to do in the field.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            TicketStatus::Completed
                | TicketStatus::FollowedUp
                | TicketStatus::Closed
                | TicketStatus::Cancelled
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketAction {
    /// Give a new ticket to a team (and maybe a person).
    Assign,
    /// Move an assigned ticket to another team or person (改派).
    Reassign,
    Accept,
    Depart,
    Arrive,
    /// Finish with the repair record.
    Complete,
    /// The follow-up call was made.
    FollowUp,
    Close,
    Cancel,
}

impl TicketAction {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketAction::Assign => "assign",
            TicketAction::Reassign => "reassign",
            TicketAction::Accept => "accept",
            TicketAction::Depart => "depart",
            TicketAction::Arrive => "arrive",
            TicketAction::Complete => "complete",
            TicketAction::FollowUp => "follow_up",
            TicketAction::Close => "close",
            TicketAction::Cancel => "cancel",
        }
    }

    /// The states the action may start from, and the state it leads to.
    pub fn rule(self) -> (&'static [TicketStatus], TicketStatus) {
        use TicketStatus::*;
        match self {
            TicketAction::Assign => (&[New], Assigned),
            TicketAction::Reassign => (&[Assigned, Accepted, OnTheWay, OnSite], Assigned),
            TicketAction::Accept => (&[Assigned], Accepted),
            TicketAction::Depart => (&[Accepted], OnTheWay),
            // A repairer who was already nearby may skip "on the way".
            TicketAction::Arrive => (&[Accepted, OnTheWay], OnSite),
            TicketAction::Complete => (&[Accepted, OnTheWay, OnSite], Completed),
            TicketAction::FollowUp => (&[Completed], FollowedUp),
            TicketAction::Close => (&[Completed, FollowedUp], Closed),
            TicketAction::Cancel => (&[New, Assigned, Accepted, OnTheWay, OnSite], Cancelled),
        }
    }

    /// Field work is done by the repairers the ticket is assigned to; office actions by the
    /// call center and team leaders.
    pub fn allowed_roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            TicketAction::Assign
            | TicketAction::Reassign
            | TicketAction::Cancel
            | TicketAction::Close => &[Admin, TeamLeader, Dispatcher],
            TicketAction::FollowUp => &[Admin, TeamLeader, Dispatcher],
            TicketAction::Accept
            | TicketAction::Depart
            | TicketAction::Arrive
            | TicketAction::Complete => &[Repairer, TeamLeader],
        }
    }

    pub fn is_field_action(self) -> bool {
        matches!(
            self,
            TicketAction::Accept
                | TicketAction::Depart
                | TicketAction::Arrive
                | TicketAction::Complete
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum TransitionError {
    #[error("cannot {action} a ticket that is {status} ({label})", action = .action.as_str(), status = .status.as_str(), label = .status.label_zh())]
    WrongState {
        action: TicketAction,
        status: TicketStatus,
    },
    #[error("the role {role} may not {action} tickets", role = .role.as_str(), action = .action.as_str())]
    WrongRole { action: TicketAction, role: Role },
    #[error("only the team the ticket is assigned to may {action} it", action = .action.as_str())]
    NotAssignee { action: TicketAction },
}

/// Where `action` takes a ticket in `status`, if `role` may take it. `on_assigned_team` says
/// whether the person belongs to the team the ticket is assigned to (or is its assignee).
pub fn transition(
    status: TicketStatus,
    action: TicketAction,
    role: Role,
    on_assigned_team: bool,
) -> Result<TicketStatus, TransitionError> {
    if !action.allowed_roles().contains(&role) {
        return Err(TransitionError::WrongRole { action, role });
    }
    let (from, to) = action.rule();
    if !from.contains(&status) {
        return Err(TransitionError::WrongState { action, status });
    }
    if action.is_field_action() && !on_assigned_team {
        return Err(TransitionError::NotAssignee { action });
    }
    Ok(to)
}

/// Content categories (报修内容类别) with their default deadline (时限要求) and urgency.
pub struct Category {
    pub code: &'static str,
    pub label_zh: &'static str,
    pub deadline_hours: u32,
    /// Leaks and emergencies: pushed at high urgency, go to emergency-repair teams.
    pub urgent: bool,
}

pub const CATEGORIES: &[Category] = &[
    Category {
        code: "leak",
        label_zh: "户内漏气",
        deadline_hours: 1,
        urgent: true,
    },
    Category {
        code: "meter",
        label_zh: "燃气表故障",
        deadline_hours: 24,
        urgent: false,
    },
    Category {
        code: "stove",
        label_zh: "灶具维修",
        deadline_hours: 48,
        urgent: false,
    },
    Category {
        code: "water_heater",
        label_zh: "热水器维修",
        deadline_hours: 48,
        urgent: false,
    },
    Category {
        code: "pipe",
        label_zh: "管道阀门",
        deadline_hours: 24,
        urgent: false,
    },
    Category {
        code: "supply",
        label_zh: "停气/通气",
        deadline_hours: 4,
        urgent: false,
    },
    Category {
        code: "alarm",
        label_zh: "报警器报警",
        deadline_hours: 2,
        urgent: true,
    },
    Category {
        code: "other",
        label_zh: "其他",
        deadline_hours: 72,
        urgent: false,
    },
];

pub fn category(code: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.code == code)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketSource {
    /// 电话
    Call,
    /// 巡线转报修
    Patrol,
    /// 网上报修
    Web,
}

impl TicketSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketSource::Call => "call",
            TicketSource::Patrol => "patrol",
            TicketSource::Web => "web",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;
    use TicketAction as A;
    use TicketStatus as S;

    #[test]
    fn the_lifecycle_walks_from_new_to_closed() {
        let steps = [
            (S::New, A::Assign, Dispatcher, false, S::Assigned),
            (S::Assigned, A::Accept, Repairer, true, S::Accepted),
            (S::Accepted, A::Depart, Repairer, true, S::OnTheWay),
            (S::OnTheWay, A::Arrive, Repairer, true, S::OnSite),
            (S::OnSite, A::Complete, Repairer, true, S::Completed),
            (S::Completed, A::FollowUp, Dispatcher, false, S::FollowedUp),
            (S::FollowedUp, A::Close, TeamLeader, false, S::Closed),
        ];
        for (from, action, role, on_team, to) in steps {
            assert_eq!(
                transition(from, action, role, on_team),
                Ok(to),
                "{action:?} from {from:?}"
            );
        }
    }

    #[test]
    fn refusals_name_the_reason() {
        let table = [
            (
                S::Completed,
                A::Cancel,
                Dispatcher,
                false,
                "cannot cancel a ticket that is completed",
            ),
            (
                S::New,
                A::Accept,
                Repairer,
                true,
                "cannot accept a ticket that is new",
            ),
            (
                S::Assigned,
                A::Accept,
                Dispatcher,
                false,
                "the role dispatcher may not accept",
            ),
            (
                S::Assigned,
                A::Accept,
                Repairer,
                false,
                "only the team the ticket is assigned to",
            ),
            (
                S::Assigned,
                A::Cancel,
                Repairer,
                true,
                "the role repairer may not cancel",
            ),
            (
                S::Cancelled,
                A::Reassign,
                Dispatcher,
                false,
                "cannot reassign a ticket that is cancelled",
            ),
            (S::Closed, A::Close, Admin, false, "cannot close"),
        ];
        for (from, action, role, on_team, reason) in table {
            let err = transition(from, action, role, on_team).unwrap_err();
            assert!(err.to_string().contains(reason), "{err}");
        }
    }

    #[test]
    fn every_action_leads_somewhere_reachable_and_terminal_states_stay() {
        for status in [S::Closed, S::Cancelled] {
            for action in [
                A::Assign,
                A::Reassign,
                A::Accept,
                A::Depart,
                A::Arrive,
                A::Complete,
                A::FollowUp,
                A::Close,
                A::Cancel,
            ] {
                assert!(
                    transition(status, action, Admin, true).is_err()
                        && transition(status, action, Repairer, true).is_err()
                );
            }
        }
        assert!(S::Assigned.is_open() && !S::Completed.is_open());
        assert_eq!(S::parse("on_the_way"), Some(S::OnTheWay));
    }

    #[test]
    fn categories_have_deadlines() {
        assert!(category("leak").unwrap().urgent);
        assert_eq!(category("meter").unwrap().deadline_hours, 24);
        assert!(category("unknown").is_none());
    }
}
