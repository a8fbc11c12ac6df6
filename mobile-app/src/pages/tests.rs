//! Server-side renders of the pages: what a user would see, checked without a browser.

use super::{HomePage, SignInPage};
use crate::i18n::Lang;
use crate::store::Credentials;
use dioxus::prelude::*;
use gasdesk_shared::Role;
use gasdesk_shared::api::UserView;

fn user(role: Role) -> UserView {
    UserView {
        id: "0190a4e0-0000-7000-8000-000000000001".parse().unwrap(),
        username: "dispatcher".into(),
        display_name: "王丽".into(),
        role,
        phone: Some("13800000000".into()),
        active: true,
        team_ids: vec![],
    }
}

/// Renders a component in a full VirtualDom: event handler props need a runtime to exist in.
fn render<P: Clone + 'static>(component: fn(P) -> Element, props: P) -> String {
    let mut dom = VirtualDom::new_with_props(component, props);
    dom.rebuild_in_place();
    dioxus_ssr::render(&dom)
}

fn sign_in_html(lang: Lang, busy: bool) -> String {
    render(
        |(lang, busy)| rsx! { SignInPage { lang, busy, on_sign_in: move |_: Credentials| {} } },
        (lang, busy),
    )
}

fn home_html(lang: Lang, role: Role) -> String {
    render(
        |(lang, role)| rsx! { HomePage { lang, user: user(role), on_sign_out: move |_| {} } },
        (lang, role),
    )
}

#[test]
fn sign_in_page_has_its_inputs_and_chinese_labels() {
    let html = sign_in_html(Lang::Zh, false);
    for needle in [
        r#"id="username""#,
        r#"id="password""#,
        r#"type="password""#,
        r#"id="sign-in""#,
        "用户名",
        "密码",
        "登录",
    ] {
        assert!(html.contains(needle), "missing {needle} in {html}");
    }
    assert!(
        !html.contains("disabled"),
        "button disabled while idle: {html}"
    );
}

#[test]
fn sign_in_button_is_disabled_while_signing_in() {
    let html = sign_in_html(Lang::Zh, true);
    assert!(html.contains("disabled"), "{html}");
    assert!(html.contains("正在登录"), "{html}");
}

#[test]
fn sign_in_page_speaks_english_on_request() {
    let html = sign_in_html(Lang::En, false);
    assert!(
        html.contains("Username") && html.contains("Sign in"),
        "{html}"
    );
    assert!(!html.contains("用户名"), "{html}");
}

#[test]
fn home_page_shows_name_role_label_and_sign_out() {
    let html = home_html(Lang::Zh, Role::Dispatcher);
    assert!(html.contains(r#"data-testid="user-name""#), "{html}");
    assert!(html.contains("王丽"), "{html}");
    assert!(html.contains(r#"data-testid="user-role""#), "{html}");
    assert!(html.contains("话务员"), "{html}");
    assert!(html.contains(r#"id="sign-out""#), "{html}");
    assert!(html.contains("退出登录"), "{html}");
}

#[test]
fn home_page_labels_every_role() {
    for role in Role::ALL {
        let html = home_html(Lang::Zh, role);
        assert!(html.contains(role.label_zh()), "{role}: {html}");
        let html = home_html(Lang::En, role);
        assert!(html.contains(role.label_en()), "{role}: {html}");
    }
}

mod field {
    use super::render;
    use crate::components::{SyncBar, SyncStatus};
    use crate::i18n::Lang;
    use crate::pages::{JobDetail, JobList, StepEntry, SyncDetails};
    use crate::store::jobs::job_rows;
    use crate::store::testdata::{self, ticket};
    use dioxus::prelude::*;
    use gasdesk_shared::sync::FlagNotice;
    use gasdesk_shared::ticket::{TicketAction, TicketStatus};
    use time::macros::datetime;

    fn bar(status: SyncStatus) -> String {
        render(
            |status| rsx! { SyncBar { lang: Lang::Zh, status, on_open: move |_| {} } },
            status,
        )
    }

    #[test]
    fn the_status_bar_says_offline_pending_last_sync_and_flags() {
        let html = bar(SyncStatus {
            online: false,
            pending: 4,
            uploads: 2,
            last_sync: Some(datetime!(2026-11-26 06:05 UTC)),
            flags: 1,
            ..SyncStatus::default()
        });
        for needle in [
            "离线",
            "4 条待同步",
            "2 个附件待上传",
            "上次同步 11-26 14:05",
            r#"data-online="false""#,
            "⚠ 1",
        ] {
            assert!(html.contains(needle), "missing {needle}: {html}");
        }
        let calm = bar(SyncStatus {
            online: true,
            ..SyncStatus::default()
        });
        assert!(calm.contains("在线") && calm.contains("已全部同步") && calm.contains("尚未同步"));
        assert!(!calm.contains("sync-flags"), "{calm}");
    }

    #[test]
    fn the_job_list_highlights_new_and_corrected_jobs() {
        let mut corrected = ticket(
            2,
            TicketStatus::OnSite,
            false,
            datetime!(2026-11-26 09:00 UTC),
        );
        corrected.corrected_at = Some(datetime!(2026-11-26 05:40 UTC));
        let replica = testdata::replica(vec![
            ticket(
                1,
                TicketStatus::Assigned,
                false,
                datetime!(2026-11-26 08:00 UTC),
            ),
            corrected,
        ]);
        let rows = job_rows(&replica, datetime!(2026-11-26 06:00 UTC));
        let html = render(
            |rows| rsx! { JobList { lang: Lang::Zh, rows, on_open: move |_| {} } },
            rows,
        );
        assert_eq!(html.matches(r#"class="job new""#).count(), 1, "{html}");
        assert!(html.contains("时限 11-26 16:00"), "{html}");
        assert!(html.contains(r#"data-status="on_site""#), "{html}");
        assert_eq!(
            html.matches(r#"data-testid="corrected""#).count(),
            1,
            "{html}"
        );
        assert!(html.contains("已更正 11-26 13:40"), "{html}");
        let empty = render(
            |rows| rsx! { JobList { lang: Lang::En, rows, on_open: move |_| {} } },
            vec![],
        );
        assert!(empty.contains("No jobs"), "{empty}");
    }

    #[test]
    fn a_job_shows_the_customer_calls_map_warnings_history_and_next_steps() {
        let t = ticket(
            1,
            TicketStatus::Accepted,
            true,
            datetime!(2026-11-26 08:00 UTC),
        );
        let field = testdata::field_ticket(t.clone());
        let html = render(
            |(t, customer)| {
                rsx! {
                    JobDetail {
                        lang: Lang::Zh,
                        ticket: t,
                        customer,
                        actions: vec![TicketAction::Depart, TicketAction::Arrive, TicketAction::Complete],
                        steps: vec![StepEntry { action: TicketAction::Accept, at: datetime!(2026-11-26 06:30 UTC), pending: true }],
                        notice: None,
                        on_step: move |_| {},
                        on_back: move |_| {},
                    }
                }
            },
            (t, field.customer),
        );
        for needle in [
            r#"href="tel:13812345678""#,
            r#"href="geo:31.290000,120.620000?q=31.290000,120.620000("#,
            "coordinate=wgs84",
            "欠费 ¥150.00",
            "该户欠费 150.00 元",
            "BX20260301-0007",
            "0800001",
            r#"data-action="depart""#,
            r#"data-action="arrive""#,
            r#"data-action="complete""#,
            "接单 11-26 14:30",
            "待同步",
            "紧急",
        ] {
            assert!(html.contains(needle), "missing {needle}: {html}");
        }
        assert!(!html.contains(r#"data-action="accept""#), "{html}");
    }

    #[test]
    fn flagged_changes_show_with_their_reason() {
        let flag = FlagNotice {
            mutation_id: testdata::id(9),
            seq: 3,
            kind: "complete".into(),
            subject: None,
            code: "reassigned".into(),
            reason: "工单已改派给其他班组，记录已保留待调度处理".into(),
        };
        let html = render(
            |flags| {
                rsx! {
                    SyncDetails {
                        lang: Lang::Zh,
                        pending: 0,
                        last_error: Some("网络不可用，稍后自动重试".into()),
                        flags,
                        on_sync_now: move |_| {},
                        on_dismiss: move |_| {},
                        on_back: move |_| {},
                    }
                }
            },
            vec![flag],
        );
        assert!(html.contains("服务器标记的记录"), "{html}");
        assert!(html.contains("工单已改派给其他班组"), "{html}");
        assert!(html.contains("网络不可用"), "{html}");
    }

    #[test]
    fn a_check_not_assigned_to_the_patroller_is_marked_and_warns() {
        use crate::i18n::Key;
        use crate::pages::{CheckList, CheckRow, assignment_warning};
        let me = testdata::id(7);
        let mine = testdata::check(1, Some(me));
        let colleague = testdata::check(2, Some(testdata::id(8)));
        let nobody = testdata::check(3, None);
        assert_eq!(assignment_warning(&mine, me), None);
        assert_eq!(
            assignment_warning(&colleague, me),
            Some(Key::CheckAssignedToOther)
        );
        assert_eq!(assignment_warning(&nobody, me), Some(Key::CheckNotAssigned));

        let rows = [mine, colleague]
            .into_iter()
            .map(|check| CheckRow {
                mine: check.assigned_to == Some(me),
                check,
                recorded: None,
            })
            .collect::<Vec<_>>();
        let html = render(
            |rows| rsx! { CheckList { lang: Lang::Zh, rows, on_open: move |_| {} } },
            rows,
        );
        assert_eq!(
            html.matches(r#"data-testid="not-mine""#).count(),
            1,
            "{html}"
        );
        assert!(html.contains("非本人"), "{html}");
        assert!(html.contains("12 m · 姑苏区巡线区域"), "{html}");
    }
}
