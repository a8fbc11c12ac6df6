//! The printable slip (转办单) sent with a forwarded consultation to the department: one A4
//! page with the question, the due date and room for the department's written reply.

use super::consultations;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use gasdesk_shared::callcenter::ConsultationView;
use time::OffsetDateTime;
use uuid::Uuid;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Beijing time, as the department reads it.
fn local(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC));
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

const STYLE: &str = "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:0;color:#000}
.slip{padding:18mm 16mm}
h1{font-size:20pt;text-align:center;margin:0 0 4mm}
.no{text-align:right;font-size:10pt;margin-bottom:4mm}
table{width:100%;border-collapse:collapse;font-size:11pt}
th,td{border:1px solid #000;padding:2.5mm 3mm;text-align:left;vertical-align:top;white-space:pre-wrap}
th{width:24mm;background:#f2f2f2}
.question td{height:40mm}
.blank td{height:70mm}
.sign{margin-top:8mm;display:flex;justify-content:space-between;font-size:11pt}
@media screen{body{background:#ddd}.slip{background:#fff;max-width:210mm;margin:8mm auto;box-shadow:0 0 4px #999}}
@page{size:A4;margin:0}";

fn render(c: &ConsultationView) -> String {
    let row = |label: &str, value: &str| {
        format!(
            "<tr><th>{label}</th><td colspan=\"3\">{}</td></tr>",
            escape(value)
        )
    };
    let reply = c.reply.as_deref().unwrap_or("");
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>咨询转办单</title>\
         <style>{STYLE}</style></head><body><section class=\"slip\"><h1>咨询转办单</h1>\
         <div class=\"no\">编号 {id}</div><table>\
         {department}\
         <tr><th>来电人</th><td>{caller}</td><th>电话</th><td>{phone}</td></tr>\
         <tr><th>受理时间</th><td>{created}</td><th>答复时限</th><td>{due}</td></tr>\
         <tr class=\"question\"><th>咨询内容</th><td colspan=\"3\">{question}</td></tr>\
         <tr class=\"blank\"><th>部门答复</th><td colspan=\"3\">{reply}</td></tr>\
         </table><div class=\"sign\"><span>答复人：__________</span>\
         <span>答复时间：__________</span></div></section></body></html>",
        id = c.id,
        department = row("转办部门", c.department.as_deref().unwrap_or("")),
        caller = escape(&c.caller),
        phone = escape(&c.phone),
        created = local(c.created_at),
        due = c.due_at.map(local).unwrap_or_else(|| "—".into()),
        question = escape(&c.question),
        reply = escape(reply),
    )
}

/// The slip of a consultation forwarded to a department, as one HTML page.
pub async fn slip(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<String> {
    let c = consultations::get(db, user, id).await?;
    if c.department.is_none() {
        return Err(AppError::conflict(
            "status",
            "the consultation was not forwarded to a department; there is no slip to print",
        ));
    }
    Ok(render(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gasdesk_shared::callcenter::ConsultationStatus;

    #[test]
    fn the_slip_escapes_what_callers_say() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let c = ConsultationView {
            id: Uuid::nil(),
            status: ConsultationStatus::Forwarded,
            caller: "王<b>".into(),
            phone: "13812345678".into(),
            customer_id: None,
            question: "能否改装 \"壁挂炉\" & 管道？".into(),
            answer: None,
            department: Some("工程部<script>".into()),
            due_at: Some(now),
            overdue: false,
            reply: None,
            replier: None,
            replied_at: None,
            closed_at: None,
            created_by: None,
            created_at: now,
            updated_at: now,
        };
        let html = render(&c);
        assert!(html.contains("能否改装 &quot;壁挂炉&quot; &amp; 管道？"));
        assert!(html.contains("工程部&lt;script&gt;"));
        assert!(html.contains("王&lt;b&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("1970-01-01 08:00"));
    }
}
