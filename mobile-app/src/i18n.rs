//! Every text the app shows, in zh-CN (the default) and English.

use gasdesk_shared::Role;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The other language: what the language toggle switches to.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// Declares [`Key`], its list and the `(zh-CN, English)` table in one place, so a new key
/// cannot lack a language or be missing from [`Key::ALL`]. `{n}` in a text is a placeholder
/// (see [`tn`]).
macro_rules! texts {
    ($($key:ident => ($zh:expr, $en:expr),)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Key {
            $($key,)*
        }

        impl Key {
            pub const ALL: &'static [Key] = &[$(Key::$key,)*];
        }

        fn entry(key: Key) -> (&'static str, &'static str) {
            match key {
                $(Key::$key => ($zh, $en),)*
            }
        }
    };
}

texts! {
    AppTitle => ("燃气报修", "Gas Repair"),
    SignInTitle => ("员工登录", "Staff sign-in"),
    Username => ("用户名", "Username"),
    Password => ("密码", "Password"),
    SignIn => ("登录", "Sign in"),
    SigningIn => ("正在登录…", "Signing in…"),
    SignOut => ("退出登录", "Sign out"),
    Hello => ("您好", "Hello"),
    RoleLabel => ("岗位", "Role"),
    PhoneLabel => ("电话", "Phone"),
    // The language toggle names the language it switches to.
    SwitchLanguage => ("English", "中文"),
    Dismiss => ("关闭", "Dismiss"),
    ErrMissingCredentials => ("请输入用户名和密码", "Enter your username and password"),
    ErrNetwork => ("无法连接服务器，请检查网络", "Cannot reach the server; check your connection"),
    ErrInvalidCredentials => ("用户名或密码错误", "Wrong username or password"),
    ErrRateLimited => ("尝试次数过多，请稍后再试", "Too many attempts; try again later"),
    ErrSessionExpired => ("登录已失效，请重新登录", "Your session has ended; please sign in again"),
    ErrStorage => ("无法在本机保存登录状态", "Could not keep the sign-in on this device"),
    ErrServer => ("服务器出错，请稍后再试", "Server error; try again later"),
    ErrNotSaved => ("未能保存到本机，请重试", "Could not save on this device; try again"),
    ErrRefused => ("无法执行该操作", "This cannot be done"),
    ErrNoItems => ("请至少选择一项维修内容", "Choose at least one repair item"),
    ErrBadQuantity => ("数量必须大于 0", "Quantities must be more than 0"),
    ErrPhoto => ("无法读取照片", "Could not read the photo"),
    ErrNoSignature => ("请先在签名框内签名", "Sign in the box first"),
    ErrNoFinding => ("请选择巡查结果", "Choose what you found"),
    ErrBadReading => ("浓度读数无效", "The gas reading is not a number"),
    // Sync status bar.
    Online => ("在线", "Online"),
    Offline => ("离线", "Offline"),
    Syncing => ("同步中…", "Syncing…"),
    PendingN => ("{n} 条待同步", "{n} pending"),
    AllSynced => ("已全部同步", "All synced"),
    LastSync => ("上次同步", "Last sync"),
    NeverSynced => ("尚未同步", "Not synced yet"),
    SyncNow => ("立即同步", "Sync now"),
    UploadsN => ("{n} 个附件待上传", "{n} attachments to upload"),
    FlaggedTitle => ("服务器标记的记录", "Flagged by the server"),
    SessionExpiredKeep => ("登录已过期：请重新登录，未同步的数据会保留", "Your sign-in has expired: sign in again; unsynced data is kept"),
    Loading => ("正在读取本机数据…", "Reading data on this device…"),
    OpeningOtherBuild => ("正在打开…", "Opening…"),
    // Sign-out with unsynced work.
    SignOutPendingN => ("还有 {n} 条记录未同步。退出后这些记录保留在本机，同一账号重新登录后会继续同步。", "{n} changes are not synced yet. They stay on this device and sync when you sign in again with this account."),
    SignOutAnyway => ("仍然退出", "Sign out anyway"),
    Cancel => ("取消", "Cancel"),
    // A leak check the server will not take from this patroller (see pages/checks.rs).
    CheckAssignedToOther => ("这张巡线单已派给其他巡线员：你记录的结果会交给调度员处理。", "This check is assigned to another patroller: a result you record goes to the dispatcher to decide."),
    CheckNotAssigned => ("这张巡线单还没有派给你：你记录的结果会交给调度员处理。", "This check is not assigned to you yet: a result you record goes to the dispatcher to decide."),
    NotMine => ("非本人", "Not yours"),
    // Jobs.
    MyJobs => ("我的工单", "My jobs"),
    NoJobs => ("暂无工单", "No jobs"),
    NewJob => ("新", "New"),
    Corrected => ("已更正", "Corrected"),
    Urgent => ("紧急", "Urgent"),
    Deadline => ("时限", "Deadline"),
    Appointment => ("预约", "Appointment"),
    Overdue => ("已超时", "Overdue"),
    NotSynced => ("待同步", "Not synced"),
    Back => ("返回", "Back"),
    Customer => ("客户", "Customer"),
    CardNo => ("卡号", "Card no."),
    Reporter => ("报修人", "Reported by"),
    Address => ("地址", "Address"),
    Content => ("报修内容", "Problem"),
    Call => ("拨打", "Call"),
    OpenMap => ("地图导航", "Open map"),
    Arrears => ("欠费", "Arrears"),
    Warnings => ("注意", "Warnings"),
    PastRepairs => ("历史维修", "Past repairs"),
    NoPastRepairs => ("无历史维修", "No past repairs"),
    Status => ("状态", "Status"),
    Accept => ("接单", "Accept"),
    Depart => ("出发", "On the way"),
    Arrive => ("到场", "On site"),
    Complete => ("完工", "Complete"),
    Steps => ("进度", "Progress"),
    // Completion.
    CompleteTitle => ("完工回单", "Completion"),
    RepairItems => ("维修内容", "Repair items"),
    Materials => ("维修材料", "Materials"),
    SearchCatalog => ("按名称或编码搜索", "Search by name or code"),
    NoMatch => ("没有匹配项", "Nothing matches"),
    Add => ("添加", "Add"),
    Remove => ("删除", "Remove"),
    Quantity => ("数量", "Quantity"),
    Remarks => ("备注", "Remarks"),
    Preview => ("费用与分值预览", "Fees and score preview"),
    OnsiteFee => ("上门费", "On-site fee"),
    MaterialFee => ("材料费", "Materials"),
    TotalFee => ("合计费用", "Total fee"),
    Score => ("工作量分值", "Workload score"),
    Photos => ("现场照片", "Photos"),
    TakePhoto => ("拍照或选择照片", "Take or choose a photo"),
    Signature => ("客户签名", "Customer signature"),
    SaveSignature => ("确认签名", "Keep signature"),
    ClearSignature => ("重签", "Clear"),
    SignatureSaved => ("已签名", "Signed"),
    SubmitCompletion => ("提交完工", "Submit completion"),
    SavedOffline => ("已保存到本机，联网后自动同步", "Saved on this device; it syncs when online"),
    NoCatalog => ("尚未同步目录，请联网后同步一次", "No catalogs yet: sync once while online"),
    // Patrol.
    LeakChecks => ("巡查任务", "Leak checks"),
    NoChecks => ("暂无巡查任务", "No leak checks"),
    NearestPipeline => ("最近管线", "Nearest pipeline"),
    Distance => ("距离", "Distance"),
    Navigate => ("导航", "Navigate"),
    Finding => ("巡查结果", "Finding"),
    NoLeak => ("未发现漏气", "No leak"),
    LeakFound => ("确认漏气", "Leak found"),
    Hazard => ("安全隐患", "Hazard"),
    GasReading => ("燃气浓度（%LEL）", "Gas reading (%LEL)"),
    MyPosition => ("我的位置", "My position"),
    NoPosition => ("未取得定位", "No position"),
    Locate => ("定位", "Locate"),
    SubmitResult => ("提交结果", "Submit result"),
    ResultQueued => ("结果已记录", "Result recorded"),
    PatrolLog => ("巡线日志", "Patrol log"),
    StartLog => ("开始今日巡线", "Start today's patrol"),
    CloseLog => ("结束巡线", "End patrol"),
    LogOpen => ("巡线中，正在记录轨迹", "Patrolling: recording the track"),
    TrackPoints => ("轨迹点", "Track points"),
    Checked => ("巡查内容（管线、阀门井、调压箱…）", "What was checked (pipes, valve pits, regulators…)"),
    Reported => ("报告时间", "Reported"),
    Description => ("情况", "Report"),
}

pub fn t(lang: Lang, key: Key) -> &'static str {
    let (zh, en) = entry(key);
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// A text with its `{n}` filled in.
pub fn tn(lang: Lang, key: Key, n: impl std::fmt::Display) -> String {
    t(lang, key).replace("{n}", &n.to_string())
}

/// A ticket status in the chosen language.
pub fn status_label(lang: Lang, status: gasdesk_shared::ticket::TicketStatus) -> &'static str {
    use gasdesk_shared::ticket::TicketStatus::*;
    match lang {
        Lang::Zh => status.label_zh(),
        Lang::En => match status {
            New => "New",
            Assigned => "Assigned",
            Accepted => "Accepted",
            OnTheWay => "On the way",
            OnSite => "On site",
            Completed => "Completed",
            FollowedUp => "Followed up",
            Closed => "Closed",
            Cancelled => "Cancelled",
        },
    }
}

/// A ticket category's name (zh-CN from the shared table; the code itself when unknown or in
/// English, where the table has no names).
pub fn category_label(lang: Lang, code: &str) -> String {
    match (lang, gasdesk_shared::ticket::category(code)) {
        (Lang::Zh, Some(c)) => c.label_zh.to_string(),
        _ => code.replace('_', " "),
    }
}

/// Money in fen as yuan, e.g. `¥150.00`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}¥{}.{:02}", fen / 100, fen % 100)
}

/// Centipoints as points, e.g. `2.50`.
pub fn points(centipoints: i64) -> String {
    let sign = if centipoints < 0 { "-" } else { "" };
    let c = centipoints.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

pub fn role_label(lang: Lang, role: Role) -> &'static str {
    match lang {
        Lang::Zh => role.label_zh(),
        Lang::En => role.label_en(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_key_has_a_text_in_both_languages() {
        for &key in Key::ALL {
            let (zh, en) = entry(key);
            assert!(!zh.trim().is_empty(), "{key:?} has no zh-CN text");
            assert!(!en.trim().is_empty(), "{key:?} has no English text");
            assert_ne!(zh, en, "{key:?} is not translated");
        }
    }

    #[test]
    fn key_list_has_no_duplicates() {
        let unique: HashSet<Key> = Key::ALL.iter().copied().collect();
        assert_eq!(unique.len(), Key::ALL.len());
    }

    #[test]
    fn chinese_is_the_default() {
        assert_eq!(Lang::default(), Lang::Zh);
        assert_eq!(t(Lang::default(), Key::SignIn), "登录");
        assert_eq!(Lang::Zh.other(), Lang::En);
        assert_eq!(Lang::En.other(), Lang::Zh);
    }

    #[test]
    fn counts_money_and_points_are_formatted() {
        assert_eq!(tn(Lang::Zh, Key::PendingN, 3), "3 条待同步");
        assert_eq!(tn(Lang::En, Key::PendingN, 3), "3 pending");
        assert_eq!(yuan(15000), "¥150.00");
        assert_eq!(yuan(5), "¥0.05");
        assert_eq!(yuan(-120), "-¥1.20");
        assert_eq!(points(250), "2.50");
    }

    #[test]
    fn placeholders_are_in_both_languages_or_neither() {
        for &key in Key::ALL {
            let (zh, en) = entry(key);
            assert_eq!(zh.contains("{n}"), en.contains("{n}"), "{key:?}");
        }
    }

    #[test]
    fn role_labels_follow_the_language() {
        assert_eq!(role_label(Lang::Zh, Role::Dispatcher), "话务员");
        assert_eq!(role_label(Lang::En, Role::Dispatcher), "Dispatcher");
    }
}
