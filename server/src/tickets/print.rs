//! Work orders to print (派工单), for the days paper is still needed: one A4 page per ticket,
//! with blank lines for what the repairer writes by hand.

use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use gasdesk_shared::intake::TicketView;
use gasdesk_shared::ticket;
use time::OffsetDateTime;
use uuid::Uuid;

fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

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
.order{padding:18mm 16mm;page-break-after:always;break-after:page}
.order:last-child{page-break-after:auto}
h1{font-size:20pt;text-align:center;margin:0 0 4mm}
.no{text-align:right;font-size:11pt;margin-bottom:4mm}
table{width:100%;border-collapse:collapse;font-size:11pt}
th,td{border:1px solid #000;padding:2.5mm 3mm;text-align:left;vertical-align:top}
th{width:24mm;background:#f2f2f2}
.blank td{height:14mm}
.sign{margin-top:8mm;display:flex;justify-content:space-between;font-size:11pt}
@media screen{body{background:#ddd}.order{background:#fff;max-width:210mm;margin:8mm auto;box-shadow:0 0 4px #999}}
@page{size:A4;margin:0}";

fn order(t: &TicketView) -> String {
    let category = ticket::category(&t.category)
        .map(|c| c.label_zh)
        .unwrap_or(&t.category);
    let appointment = match (t.appointment_from, t.appointment_to) {
        (Some(a), Some(b)) => format!("{} – {}", local(a), local(b)),
        (Some(a), None) => local(a),
        _ => "—".into(),
    };
    let row = |label: &str, value: &str| {
        format!(
            "<tr><th>{label}</th><td colspan=\"3\">{}</td></tr>",
            escape(value)
        )
    };
    format!(
        "<section class=\"order\"><h1>燃气维修派工单</h1><div class=\"no\">单号 {number}{urgent}</div><table>\
         <tr><th>报修人</th><td>{reporter}</td><th>电话</th><td>{phone}</td></tr>\
         {address}{category}{content}\
         <tr><th>时限</th><td>{deadline}</td><th>预约</th><td>{appointment}</td></tr>\
         {team}{reported}\
         <tr class=\"blank\"><th>维修内容</th><td colspan=\"3\"></td></tr>\
         <tr class=\"blank\"><th>使用材料</th><td colspan=\"3\"></td></tr>\
         <tr class=\"blank\"><th>收费</th><td colspan=\"3\"></td></tr>\
         </table><div class=\"sign\"><span>维修人员：__________</span><span>完工时间：__________</span>\
         <span>客户签字：__________</span></div></section>",
        number = escape(&t.number),
        urgent = if t.urgent { " · 紧急" } else { "" },
        reporter = escape(&t.reporter),
        phone = escape(&t.phone),
        address = row("地址", &t.address),
        category = row("类别", category),
        content = row("报修内容", &t.content),
        deadline = local(t.deadline_at),
        appointment = escape(&appointment),
        team = row("班组", t.team_name.as_deref().unwrap_or("未派单")),
        reported = row("受理时间", &local(t.created_at)),
    )
}

/// One HTML document with a page per ticket, in the order asked.
pub async fn work_orders(db: &Db, user: &CurrentUser, ids: &[Uuid]) -> AppResult<String> {
    if ids.is_empty() {
        return Err(AppError::validation("ids", "choose at least one ticket"));
    }
    if ids.len() > 200 {
        return Err(AppError::validation(
            "ids",
            "print at most 200 tickets at a time",
        ));
    }
    let mut pages = String::new();
    for id in ids {
        pages.push_str(&order(&super::get(db, user, *id).await?));
    }
    Ok(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>派工单</title>\
         <style>{STYLE}</style></head><body>{pages}</body></html>"
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_is_escaped() {
        assert_eq!(
            super::escape("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
    }
}
