//! Every text the console shows, in zh-CN (the default) and English. Kept apart from the field
//! app's texts (`crate::i18n`) so the two can grow without touching each other.

use crate::i18n::Lang;

macro_rules! texts {
    ($($key:ident => ($zh:expr, $en:expr),)*) => {
        /// A console text.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Txt { $($key,)* }

        impl Txt {
            pub const ALL: &'static [Txt] = &[$(Txt::$key,)*];

            /// `(zh-CN, English)`.
            fn entry(self) -> (&'static str, &'static str) {
                match self { $(Txt::$key => ($zh, $en),)* }
            }
        }
    };
}

texts! {
    ConsoleTitle => ("燃气报修 调度台", "Gas Repair Console"),
    NavIntake => ("接报", "Intake"),
    NavBoard => ("实时看板", "Live board"),
    NavWork => ("工作台", "Workbenches"),
    NavMap => ("地图", "Map"),
    NavAdmin => ("管理", "Administration"),
    NavQueries => ("查询打印", "Queries & print"),
    SignOut => ("退出登录", "Sign out"),
    SearchCustomer => ("客户查找", "Find the customer"),
    SearchHint => (
        "输入地址的一部分，或卡号、电话的前几位",
        "Type part of an address, or the first digits of a card or phone number"
    ),
    Searching => ("查找中…", "Searching…"),
    NoMatch => ("没有匹配的客户", "No matching customer"),
    KeysHint => ("↑↓ 选择，回车确认，Esc 清除", "↑↓ to choose, Enter to take, Esc to clear"),
    Customer => ("客户", "Customer"),
    CardNo => ("卡号", "Card"),
    Phones => ("电话", "Phones"),
    Address => ("地址", "Address"),
    Arrears => ("欠费", "Arrears"),
    NoArrears => ("无欠费", "No arrears"),
    Outages => ("停气通知", "Outage notices"),
    PastTickets => ("历史工单", "Past tickets"),
    NoPastTickets => ("无历史工单", "No past tickets"),
    ModeRepair => ("报修", "Repair"),
    ModePatrol => ("巡线报告", "Patrol report"),
    ModeConsult => ("咨询", "Consultation"),
    ModeEvent => ("事件", "Event"),
    Reporter => ("报修人", "Reporter"),
    Phone => ("联系电话", "Phone"),
    Category => ("报修类别", "Category"),
    Content => ("报修内容", "What is wrong"),
    Routing => ("派单建议", "Routing suggestion"),
    RoutingPending => ("选择客户或填写地址后给出建议", "Choose a customer or enter an address"),
    Unrouted => ("无法自动派单，请选择班组", "Cannot route automatically; choose a team"),
    Override => ("改派给", "Override: send to"),
    KeepSuggestion => ("按建议派单", "Use the suggestion"),
    OverrideReason => ("改派原因", "Reason for the override"),
    CreateTicket => ("保存并派单", "Save and dispatch"),
    Saving => ("保存中…", "Saving…"),
    Created => ("已建单", "Ticket created"),
    NewCall => ("新来电", "Next call"),
    Knowledge => ("知识库", "Knowledge base"),
    KnowledgeHint => ("搜索知识库", "Search the knowledge base"),
    NoKnowledge => ("没有找到条目", "Nothing found"),
    Description => ("情况描述", "Description"),
    Location => ("位置", "Location"),
    UseCustomerLocation => ("取客户地址位置", "Use the customer's location"),
    PickOnMap => ("在地图上点选位置", "Click the map to pick the place"),
    ReportCheck => ("提交巡线报告", "Report to patrol"),
    CheckReported => ("已派巡线核查", "Patrol check dispatched"),
    AssignedTo => ("指派给", "Assigned to"),
    Question => ("咨询问题", "Question"),
    Answer => ("答复", "Answer"),
    SaveConsultation => ("保存咨询单", "Save consultation"),
    EventKindLabel => ("事件类型", "Event type"),
    NeedsReply => ("需要答复", "Needs a reply"),
    SaveEvent => ("保存事件", "Save event"),
    Saved => ("已保存", "Saved"),
    Team => ("班组", "Team"),
    AllTeams => ("全部班组", "All teams"),
    OnlyOverdue => ("只看超时", "Overdue only"),
    LiveOn => ("实时连接", "Live"),
    LiveOff => ("正在重连…", "Reconnecting…"),
    TimeLeft => ("剩余", "left"),
    Overdue => ("超时", "overdue"),
    Delivery => ("推送", "Push"),
    NoDelivery => ("未推送", "not pushed"),
    Alerts => ("告警", "Alerts"),
    NoAlerts => ("暂无告警", "No alerts"),
    Reassign => ("改派", "Reassign"),
    CancelTicket => ("撤单", "Cancel"),
    Reason => ("原因", "Reason"),
    Confirm => ("确定", "Confirm"),
    Close => ("关闭", "Close"),
    ReasonRequired => ("请填写原因", "Give a reason"),
    ChooseTeam => ("请选择班组", "Choose a team"),
    Loading => ("加载中…", "Loading…"),
    Nothing => ("暂无", "None"),
    Refresh => ("刷新", "Refresh"),
    WorkFollowups => ("回访", "Follow-up calls"),
    WorkConsultations => ("咨询待回复", "Consultations awaiting replies"),
    WorkEvents => ("事件待答复", "Events awaiting replies"),
    WorkChecks => ("巡线待结果", "Patrol checks awaiting results"),
    WorkConflicts => ("同步冲突", "Sync conflicts"),
    Waiting => ("待处理", "Waiting"),
    BatchSize => ("每批数量", "Batch size"),
    TakeBatch => ("领取一批", "Take a batch"),
    ReleaseBatch => ("释放本批", "Release the batch"),
    MyBatch => ("我的回访批次", "My batch"),
    LockedUntil => ("锁定至", "Locked until"),
    NothingToTake => ("没有可领取的回访（可能已被其他话务员领取）", "No calls free to take (others may hold them)"),
    Satisfaction => ("满意度", "Satisfaction"),
    Remarks => ("备注", "Remarks"),
    Record => ("记录", "Record"),
    Done => ("已完成", "Done"),
    Reply => ("答复内容", "Reply"),
    SendReply => ("登记答复", "Record the reply"),
    Resolution => ("处理意见", "Decision"),
    Resolve => ("处理完毕", "Resolve"),
    Department => ("转办部门", "Department"),
    ReportedBy => ("上报人", "Reported by"),
    Status => ("状态", "Status"),
    Pipelines => ("管线", "Pipelines"),
    FieldStaff => ("外勤人员位置", "Field staff"),
    OpenTickets => ("未完工单", "Open tickets"),
    UseMapPoint => ("用地图选点", "Use the point picked on the map"),
    AdminGeo => ("辖区与管线", "Areas and pipelines"),
    AdminUsers => ("用户与角色", "Users and roles"),
    AdminTeams => ("班组与成员", "Teams and members"),
    AdminParams => ("业务参数", "Business parameters"),
    ImportWhat => ("导入内容", "What to import"),
    ServiceAreas => ("服务辖区", "Service areas"),
    GeoFile => ("GeoJSON 文件", "GeoJSON file"),
    RepairRings => ("自动修复自相交和方向错误的边界", "Repair self-intersecting and mis-oriented rings"),
    Import => ("导入", "Import"),
    Imported => ("已导入", "Imported"),
    Repaired => ("已修复", "Repaired"),
    Refused => ("文件被拒绝，未导入任何内容", "The file was refused; nothing was imported"),
    Feature => ("要素", "Feature"),
    Problem => ("问题", "Problem"),
    ChooseFile => ("请选择文件", "Choose a file"),
    ShowOnMap => ("在地图上查看", "Show on the map"),
    Name => ("姓名", "Name"),
    Members => ("成员", "Members"),
    Value => ("值", "Value"),
    AdminRosters => ("值班表", "Duty rosters"),
    AdminCatalogs => ("目录与分值", "Catalogs and scores"),
    RepairItems => ("维修项目（分值、上门费）", "Repair items (points, on-site fee)"),
    Materials => ("维修材料", "Materials"),
    AdminKnowledge => ("知识库维护", "Knowledge base"),
    AdminOutages => ("停气通知", "Outage notices"),
    ShiftFrom => ("开始", "From"),
    Add => ("添加", "Add"),
    KbTitle => ("一级标题", "Title"),
    KbSubtitle => ("二级标题", "Subtitle"),
    KbKeywords => ("关键字（逗号分隔）", "Keywords (comma-separated)"),
    Streets => ("街道（逗号分隔）", "Streets (comma-separated)"),
    Communities => ("小区（逗号分隔）", "Communities (comma-separated)"),
    TicketSearch => ("工单查询", "Ticket search"),
    RecordSearch => ("维修单查询", "Repair-record search"),
    Number => ("单号", "Number"),
    Contact => ("联系人", "Contact"),
    Source => ("来源", "Source"),
    ReportedFrom => ("报修时间从", "Reported from"),
    ReportedTo => ("至", "to"),
    Any => ("全部", "Any"),
    Search => ("查询", "Search"),
    PrintSelected => ("批量打印所选", "Print selected"),
    SelectAll => ("全选", "Select all"),
    Found => ("共", "Found"),
    ItemCode => ("维修项目编码", "Repair item code"),
    MaterialCode => ("材料编码", "Material code"),
    Points => ("工作量", "Points"),
    Fee => ("费用", "Fee"),
    Repairers => ("维修人员", "Repairers"),
    CompletedAt => ("完工时间", "Completed"),
    AdminRules => ("分值规则", "Score rules"),
    ImportPreview => ("导入后的辖区与管线", "Areas and pipelines after the import"),
    NoAnswer => ("服务器无应答，请稍后再试", "No answer from the server; try again"),
    NotAccepted => ("未被接受", "Not accepted"),
    Keep => ("不了", "No, keep it"),
    Username => ("登录名", "Username"),
    Role => ("角色", "Role"),
    Active => ("启用", "Active"),
    Yes => ("是", "yes"),
    No => ("否", "no"),
    Edit => ("编辑", "Edit"),
    Save => ("保存", "Save"),
    Delete => ("删除", "Delete"),
    Remove => ("移除", "Remove"),
    ConfirmDelete => ("确定删除？", "Delete it?"),
    NewUser => ("新建用户", "New user"),
    Password => ("初始密码", "Initial password"),
    CreateUser => ("创建用户", "Create user"),
    EditUser => ("修改用户", "Change user"),
    NewPassword => ("新密码", "New password"),
    ResetPassword => ("重置密码", "Reset password"),
    PasswordReset => ("密码已重置，原登录已失效", "Password reset; old sessions ended"),
    Deactivate => ("停用", "Deactivate"),
    ConfirmDeactivate => ("确定停用该用户？其登录将立即失效", "Deactivate this user? Their sessions end at once"),
    Deactivated => ("已停用", "Deactivated"),
    Reactivate => ("重新启用", "Reactivate"),
    Reactivated => ("已重新启用", "Reactivated"),
    TeamKindLabel => ("班组类型", "Team type"),
    NewTeam => ("新建班组", "New team"),
    CreateTeam => ("创建班组", "Create team"),
    EditTeam => ("修改班组", "Change team"),
    TeamLeader => ("班长", "Leader"),
    NoLeader => ("（无）", "(none)"),
    AddMember => ("添加成员", "Add a member"),
    ChooseMember => ("请选择人员", "Choose a person"),
    RemoveMember => ("移出班组", "Remove from team"),
    ConfirmRemoveMember => ("确定移出该成员？", "Remove this member?"),
    DatumWgs84 => ("WGS-84（GPS、OpenStreetMap 等）", "WGS-84 (GPS, OpenStreetMap and most others)"),
    DatumGcj02 => ("GCJ-02（高德、腾讯等国内地图）", "GCJ-02 (AMap/高德, Tencent and other Chinese maps)"),
    DeleteTeam => ("删除班组", "Delete team"),
    ConfirmDeleteTeam => ("确定删除该班组？仅未使用过的班组可删除，成员将移出", "Delete this team? Only a team never used can be; its members leave it"),
    Code => ("编码", "Code"),
    ItemName => ("名称", "Name"),
    OnsiteFee => ("上门费", "On-site fee"),
    OnsiteFeeYuan => ("上门费（元）", "On-site fee (yuan)"),
    Spec => ("规格", "Spec"),
    Unit => ("单位", "Unit"),
    Price => ("单价", "Price"),
    PriceYuan => ("单价（元）", "Price (yuan)"),
    AddRepairItem => ("添加维修项目", "Add repair item"),
    AddMaterial => ("添加材料", "Add material"),
    NotANumber => ("请输入数字", "Enter a number"),
    NotYuan => ("请输入金额，如 12.50", "Enter an amount such as 12.50"),
    VersionInForce => ("现行版本", "Version in force"),
    ShowVersion => ("查看版本", "Show version"),
    OlderVersionShown => ("正在查看旧版本；发布后将成为新版本", "An older version is shown; publishing makes it the new version"),
    PublishVersion => ("发布新版本", "Publish new version"),
    Published => ("已发布", "Published"),
    ParamKey => ("参数", "Parameter"),
    ParamMeaning => ("说明", "Meaning"),
    ChooseTeamAndMember => ("请选择班组和人员", "Choose a team and a person"),
    EditTicket => ("更正工单", "Correct ticket"),
    AppointmentFrom => ("预约开始", "Appointment from"),
    AppointmentTo => ("预约结束", "Appointment until"),
    EditNote => ("更正说明（记入工单历史）", "Why (kept in the ticket's history)"),
    BadTime => ("时间格式不对", "Not a time"),
    AppointmentNeedsStart => ("请填写预约开始时间", "Give the appointment's start"),
    NothingChanged => ("没有改动", "Nothing was changed"),
    GiveBothTimes => ("请填写开始和结束时间", "Give the start and the end"),
    ShiftTo => ("结束", "Until"),
    NewEntry => ("新增条目", "New entry"),
    EditEntry => ("修改条目", "Edit entry"),
    KbContent => ("内容", "Content"),
    CancelEdit => ("取消修改", "Cancel editing"),
    InUse => ("在用", "In use"),
    Retired => ("已停用", "Retired"),
    Retire => ("停用条目", "Retire"),
    ConfirmRetire => (
        "确定停用？手机上将不再提供该条目，历史记录不受影响",
        "Retire it? Phones stop offering it; past records keep it"
    ),
    Reinstate => ("恢复使用", "Bring back into use"),
    Reinstated => ("已恢复使用", "Back in use"),
    EditRepairItem => ("修改维修项目", "Change repair item"),
    EditMaterial => ("修改材料", "Change material"),
}

pub fn tr(lang: Lang, key: Txt) -> &'static str {
    let (zh, en) = key.entry();
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// Ticket categories: the shared table has the Chinese names; English ones are the console's.
pub fn category_label(lang: Lang, code: &str) -> String {
    let zh = gasdesk_shared::ticket::category(code).map(|c| c.label_zh);
    match lang {
        Lang::Zh => zh.unwrap_or(code).to_string(),
        Lang::En => match code {
            "leak" => "Indoor gas leak",
            "meter" => "Meter fault",
            "stove" => "Stove repair",
            "water_heater" => "Water heater repair",
            "pipe" => "Pipes and valves",
            "supply" => "Supply off/on",
            "alarm" => "Gas alarm",
            "other" => "Other",
            other => other,
        }
        .to_string(),
    }
}

/// Ticket statuses are named as the field app names them.
pub use crate::i18n::status_label;

pub fn delivery_label(lang: Lang, state: gasdesk_shared::push::DeliveryState) -> &'static str {
    use gasdesk_shared::push::DeliveryState::*;
    match lang {
        Lang::Zh => state.label_zh(),
        Lang::En => match state {
            Queued => "queued",
            Sent => "sent",
            Received => "received",
            Accepted => "accepted",
            Superseded => "superseded",
            Failed => "failed",
            Gone => "device gone",
        },
    }
}

/// `HH:MM` in China time (UTC+8), where the utility works.
pub fn china_hhmm(at: time::OffsetDateTime) -> String {
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let t = at.to_offset(offset);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// Yuan with two decimals from fen.
pub fn yuan(fen: i64) -> String {
    format!("¥{}.{:02}", fen / 100, (fen % 100).abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_text_exists_in_both_languages_and_differs() {
        for &key in Txt::ALL {
            let (zh, en) = key.entry();
            assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{key:?}");
            assert_ne!(zh, en, "{key:?} is not translated");
        }
        let unique: HashSet<_> = Txt::ALL.iter().collect();
        assert_eq!(unique.len(), Txt::ALL.len());
    }

    #[test]
    fn labels_follow_the_language() {
        assert_eq!(category_label(Lang::Zh, "leak"), "户内漏气");
        assert_eq!(category_label(Lang::En, "leak"), "Indoor gas leak");
        for c in gasdesk_shared::ticket::CATEGORIES {
            assert_ne!(
                category_label(Lang::En, c.code),
                c.code,
                "{} lacks English",
                c.code
            );
        }
        assert_eq!(yuan(12_345), "¥123.45");
        assert_eq!(yuan(5), "¥0.05");
        let at = time::macros::datetime!(2026-11-26 16:05:09 UTC);
        assert_eq!(china_hhmm(at), "00:05");
    }
}
