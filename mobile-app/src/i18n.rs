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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    AppTitle,
    SignInTitle,
    Username,
    Password,
    SignIn,
    SigningIn,
    SignOut,
    Hello,
    RoleLabel,
    PhoneLabel,
    /// The language toggle names the language it switches to.
    SwitchLanguage,
    Dismiss,
    ErrMissingCredentials,
    ErrNetwork,
    ErrInvalidCredentials,
    ErrRateLimited,
    ErrSessionExpired,
    ErrStorage,
    ErrServer,
}

impl Key {
    pub const ALL: [Key; 19] = [
        Key::AppTitle,
        Key::SignInTitle,
        Key::Username,
        Key::Password,
        Key::SignIn,
        Key::SigningIn,
        Key::SignOut,
        Key::Hello,
        Key::RoleLabel,
        Key::PhoneLabel,
        Key::SwitchLanguage,
        Key::Dismiss,
        Key::ErrMissingCredentials,
        Key::ErrNetwork,
        Key::ErrInvalidCredentials,
        Key::ErrRateLimited,
        Key::ErrSessionExpired,
        Key::ErrStorage,
        Key::ErrServer,
    ];
}

/// `(zh-CN, English)`; the match is exhaustive, so a new key cannot lack a language.
fn entry(key: Key) -> (&'static str, &'static str) {
    match key {
        Key::AppTitle => ("燃气报修", "Gas Repair"),
        Key::SignInTitle => ("员工登录", "Staff sign-in"),
        Key::Username => ("用户名", "Username"),
        Key::Password => ("密码", "Password"),
        Key::SignIn => ("登录", "Sign in"),
        Key::SigningIn => ("正在登录…", "Signing in…"),
        Key::SignOut => ("退出登录", "Sign out"),
        Key::Hello => ("您好", "Hello"),
        Key::RoleLabel => ("岗位", "Role"),
        Key::PhoneLabel => ("电话", "Phone"),
        Key::SwitchLanguage => ("English", "中文"),
        Key::Dismiss => ("关闭", "Dismiss"),
        Key::ErrMissingCredentials => ("请输入用户名和密码", "Enter your username and password"),
        Key::ErrNetwork => (
            "无法连接服务器，请检查网络",
            "Cannot reach the server; check your connection",
        ),
        Key::ErrInvalidCredentials => ("用户名或密码错误", "Wrong username or password"),
        Key::ErrRateLimited => (
            "尝试次数过多，请稍后再试",
            "Too many attempts; try again later",
        ),
        Key::ErrSessionExpired => (
            "登录已失效，请重新登录",
            "Your session has ended; please sign in again",
        ),
        Key::ErrStorage => (
            "无法在本机保存登录状态",
            "Could not keep the sign-in on this device",
        ),
        Key::ErrServer => ("服务器出错，请稍后再试", "Server error; try again later"),
    }
}

pub fn t(lang: Lang, key: Key) -> &'static str {
    let (zh, en) = entry(key);
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
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
        for key in Key::ALL {
            let (zh, en) = entry(key);
            assert!(!zh.trim().is_empty(), "{key:?} has no zh-CN text");
            assert!(!en.trim().is_empty(), "{key:?} has no English text");
            assert_ne!(zh, en, "{key:?} is not translated");
        }
    }

    #[test]
    fn key_list_has_no_duplicates() {
        let unique: HashSet<Key> = Key::ALL.into_iter().collect();
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
    fn role_labels_follow_the_language() {
        assert_eq!(role_label(Lang::Zh, Role::Dispatcher), "话务员");
        assert_eq!(role_label(Lang::En, Role::Dispatcher), "Dispatcher");
    }
}
