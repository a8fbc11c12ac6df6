//! Who may do what: the staff roles of a gas utility's call center and field crews, the kinds of
//! team, and the permission table both the server (enforcing) and the app (hiding what a role
//! cannot use) read.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: users, roles, everything.
    Admin,
    /// 班长: runs a team; edits catalogs, rules, areas, rosters.
    TeamLeader,
    /// 话务员: takes calls, finds customers, creates and dispatches tickets.
    Dispatcher,
    /// 维修工: field repairer, sees only their own and their team's jobs.
    Repairer,
    /// 巡线工: field patroller, sees only their own and their team's checks.
    Patroller,
    /// 经理: reads statistics, reports and the audit trail.
    Manager,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::TeamLeader,
        Role::Dispatcher,
        Role::Repairer,
        Role::Patroller,
        Role::Manager,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::TeamLeader => "team_leader",
            Role::Dispatcher => "dispatcher",
            Role::Repairer => "repairer",
            Role::Patroller => "patroller",
            Role::Manager => "manager",
        }
    }

    /// The name staff know the role by (zh-CN).
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::TeamLeader => "班长",
            Role::Dispatcher => "话务员",
            Role::Repairer => "维修工",
            Role::Patroller => "巡线工",
            Role::Manager => "经理",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::TeamLeader => "Team leader",
            Role::Dispatcher => "Dispatcher",
            Role::Repairer => "Repairer",
            Role::Patroller => "Patroller",
            Role::Manager => "Manager",
        }
    }

    /// Field workers use the phone app and see only their own and their team's work.
    pub fn is_field_worker(self) -> bool {
        matches!(self, Role::Repairer | Role::Patroller)
    }

    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match permission {
            ManageUsers => matches!(self, Admin),
            ViewUsers => matches!(self, Admin | TeamLeader | Manager),
            ManageTeams => matches!(self, Admin | TeamLeader),
            ViewAllTeams => !self.is_field_worker(),
            ViewCustomers => matches!(self, Admin | TeamLeader | Dispatcher | Manager),
            ManageCustomers => matches!(self, Admin),
            ManageCatalogs => matches!(self, Admin | TeamLeader),
            ManageParams => matches!(self, Admin | TeamLeader),
            ViewAudit => matches!(self, Admin | Manager),
            DispatchWork => matches!(self, Admin | TeamLeader | Dispatcher),
            ManageAreas => matches!(self, Admin | TeamLeader),
            ReportPosition => self.is_field_worker(),
            ViewTickets => matches!(self, Admin | TeamLeader | Dispatcher | Manager),
            UploadAttachments => matches!(self, Admin | TeamLeader | Repairer | Patroller),
            SyncDevice => matches!(self, TeamLeader | Repairer | Patroller),
        }
    }
}

/// Every permission a route can require. The table lives in [`Role::can`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ManageUsers,
    ViewUsers,
    ManageTeams,
    /// See every team, not only one's own.
    ViewAllTeams,
    /// Search and read customer accounts (field workers get customers only through their jobs).
    ViewCustomers,
    /// Create, edit and import customer accounts from the billing system.
    ManageCustomers,
    ManageCatalogs,
    ManageParams,
    ViewAudit,
    /// Create and route work (tickets, leak checks), override routing, see alerts.
    DispatchWork,
    /// Service areas, pipelines, duty rosters and routing rules.
    ManageAreas,
    /// Report one's own position from the field app.
    ReportPosition,
    /// See and search every ticket (field workers see their own and their team's).
    ViewTickets,
    /// Declare and upload photos and signatures taken on site (leaders upload on a crew's behalf).
    UploadAttachments,
    /// Register a phone and sync field work through it (the field app).
    SyncDevice,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{given}`; expected one of: {expected}")]
pub struct UnknownName {
    pub what: &'static str,
    pub given: String,
    pub expected: String,
}

impl FromStr for Role {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "role",
                given: s.to_owned(),
                expected: Role::ALL.map(Role::as_str).join(", "),
            })
    }
}

/// 班组类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TeamKind {
    /// 维修班: household repairs in its service areas.
    Repair,
    /// 抢修班: leaks and emergencies.
    EmergencyRepair,
    /// 巡线班: pipeline patrol and outdoor leak checks.
    Patrol,
}

impl TeamKind {
    pub const ALL: [TeamKind; 3] = [
        TeamKind::Repair,
        TeamKind::EmergencyRepair,
        TeamKind::Patrol,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TeamKind::Repair => "repair",
            TeamKind::EmergencyRepair => "emergency_repair",
            TeamKind::Patrol => "patrol",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            TeamKind::Repair => "维修班",
            TeamKind::EmergencyRepair => "抢修班",
            TeamKind::Patrol => "巡线班",
        }
    }
}

impl FromStr for TeamKind {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TeamKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "team kind",
                given: s.to_owned(),
                expected: TeamKind::ALL.map(TeamKind::as_str).join(", "),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip_through_str_and_serde() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
            let json = serde_json::to_value(role).unwrap();
            assert_eq!(json, serde_json::Value::String(role.as_str().into()));
        }
    }

    #[test]
    fn unknown_role_names_list_the_valid_ones() {
        let err = "boss".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("unknown role `boss`"));
        assert!(err.to_string().contains("team_leader"));
    }

    #[test]
    fn permission_table() {
        // The cases the foundation issue names, and the field-worker boundary.
        assert!(!Role::Repairer.can(Permission::ViewCustomers));
        assert!(!Role::Patroller.can(Permission::ViewCustomers));
        assert!(Role::Dispatcher.can(Permission::ViewCustomers));
        assert!(!Role::Dispatcher.can(Permission::ManageUsers));
        assert!(Role::Admin.can(Permission::ManageUsers));
        assert!(Role::TeamLeader.can(Permission::ManageCatalogs));
        assert!(!Role::Manager.can(Permission::ManageCatalogs));
        assert!(Role::Manager.can(Permission::ViewAudit));
        assert!(Role::Repairer.can(Permission::UploadAttachments));
        assert!(Role::Patroller.can(Permission::UploadAttachments));
        assert!(!Role::Dispatcher.can(Permission::UploadAttachments));
        for role in Role::ALL {
            assert_eq!(role.can(Permission::ViewAllTeams), !role.is_field_worker());
        }
    }

    #[test]
    fn team_kinds_parse() {
        assert_eq!(
            "emergency_repair".parse::<TeamKind>().unwrap(),
            TeamKind::EmergencyRepair
        );
        assert!("fire".parse::<TeamKind>().is_err());
    }
}
