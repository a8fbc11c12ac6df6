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
