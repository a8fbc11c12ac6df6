//! Correcting a ticket from the board: the caller rings back with another number, a better
//! address or a new appointment. Only what the agent changed is sent; the server records it
//! in the ticket's history and rings a worker who already accepted the job.

use super::admin::{RefusalNote, change, refusal::Refusal};
use super::i18n::{Txt, tr};
use super::store::Console;
use super::when::{local_input, local_value};
use crate::i18n::Lang;
use dioxus::prelude::*;
use gasdesk_shared::intake::{TicketEdit, TicketView};

/// The dialog's fields, as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EditForm {
    pub reporter: String,
    pub phone: String,
    pub address: String,
    pub content: String,
    /// `datetime-local` values, China time; both empty for no appointment.
    pub appointment_from: String,
    pub appointment_to: String,
    pub note: String,
}

impl EditForm {
    pub fn of(t: &TicketView) -> EditForm {
        EditForm {
            reporter: t.reporter.clone(),
            phone: t.phone.clone(),
            address: t.address.clone(),
            content: t.content.clone(),
            appointment_from: t.appointment_from.map(local_value).unwrap_or_default(),
            appointment_to: t.appointment_to.map(local_value).unwrap_or_default(),
            note: String::new(),
        }
    }

    /// What to send: the fields that differ from `t` (the server checks their values), or
    /// what is wrong before anything is sent.
    pub fn to_edit(&self, t: &TicketView) -> Result<TicketEdit, Refusal> {
        let was = EditForm::of(t);
        let changed = |now: &str, before: &str| {
            let now = now.trim();
            (now != before.trim()).then(|| now.to_owned())
        };
        let mut edit = TicketEdit {
            reporter: changed(&self.reporter, &was.reporter),
            phone: changed(&self.phone, &was.phone),
            address: changed(&self.address, &was.address),
            content: changed(&self.content, &was.content),
            note: Some(self.note.trim().to_owned()).filter(|n| !n.is_empty()),
            ..TicketEdit::default()
        };
        let (from, to) = (self.appointment_from.trim(), self.appointment_to.trim());
        if (from, to) != (was.appointment_from.as_str(), was.appointment_to.as_str()) {
            if from.is_empty() && to.is_empty() {
                edit.no_appointment = true;
            } else {
                let at = |field: &str, value: &str| {
                    local_input(value).ok_or_else(|| Refusal::local(field, Txt::BadTime))
                };
                if from.is_empty() {
                    return Err(Refusal::local(
                        "appointment_from",
                        Txt::AppointmentNeedsStart,
                    ));
                }
                edit.appointment_from = Some(at("appointment_from", from)?);
                edit.appointment_to = match to {
                    "" => None,
                    to => Some(at("appointment_to", to)?),
                };
            }
        }
        let nothing = TicketEdit {
            note: edit.note.clone(),
            ..TicketEdit::default()
        };
        if edit == nothing {
            return Err(Refusal::console(Txt::NothingChanged));
        }
        Ok(edit)
    }
}

#[component]
pub fn EditDialog(lang: Lang, ticket: TicketView, on_done: EventHandler<()>) -> Element {
    let console = use_context::<Console>();
    let mut form = use_signal(|| EditForm::of(&ticket));
    let mut refusal = use_signal(|| None::<Refusal>);
    let original = ticket.clone();
    let id = ticket.id;
    let submit = move |e: FormEvent| {
        e.prevent_default();
        let edit = match form.peek().to_edit(&original) {
            Ok(edit) => edit,
            Err(r) => return refusal.set(Some(r)),
        };
        spawn(async move {
            let path = format!("/api/v1/tickets/{id}");
            match change::<TicketView>(console, "PATCH", &path, Some(&edit)).await {
                Ok(updated) => {
                    let mut board = console.board;
                    board.write().upsert(updated);
                    on_done.call(());
                }
                Err(r) => refusal.set(Some(r)),
            }
        });
    };
    let f = form();
    rsx! {
        form { class: "dialog wide", role: "dialog", "aria-modal": "true", "data-testid": "edit-dialog", onsubmit: submit, novalidate: true,
            h3 { {tr(lang, Txt::EditTicket)} " " span { class: "mono", "{ticket.number}" } }
            div { class: "row",
                label { r#for: "edit-reporter", {tr(lang, Txt::Reporter)}
                    input { id: "edit-reporter", value: "{f.reporter}", oninput: move |e| form.write().reporter = e.value() } }
                label { r#for: "edit-phone", {tr(lang, Txt::Phone)}
                    input { id: "edit-phone", r#type: "tel", value: "{f.phone}", oninput: move |e| form.write().phone = e.value() } }
            }
            label { r#for: "edit-address", {tr(lang, Txt::Address)}
                input { id: "edit-address", class: "wide", value: "{f.address}", oninput: move |e| form.write().address = e.value() } }
            label { r#for: "edit-content", {tr(lang, Txt::Content)}
                textarea { id: "edit-content", rows: 2, value: "{f.content}", oninput: move |e| form.write().content = e.value() } }
            div { class: "row",
                label { r#for: "edit-appointment-from", {tr(lang, Txt::AppointmentFrom)}
                    input { id: "edit-appointment-from", r#type: "datetime-local", value: "{f.appointment_from}",
                        oninput: move |e| form.write().appointment_from = e.value() } }
                label { r#for: "edit-appointment-to", {tr(lang, Txt::AppointmentTo)}
                    input { id: "edit-appointment-to", r#type: "datetime-local", value: "{f.appointment_to}",
                        oninput: move |e| form.write().appointment_to = e.value() } }
            }
            label { r#for: "edit-note", {tr(lang, Txt::EditNote)}
                input { id: "edit-note", value: "{f.note}", oninput: move |e| form.write().note = e.value() } }
            RefusalNote { refusal: refusal() }
            div { class: "row",
                button { id: "edit-save", r#type: "submit", class: "primary", {tr(lang, Txt::Save)} }
                button { r#type: "button", class: "secondary", onclick: move |_| on_done.call(()), {tr(lang, Txt::Close)} }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::admin::refusal::Said;

    fn ticket() -> TicketView {
        let mut t = crate::console::tests::ticket(
            1,
            gasdesk_shared::ticket::TicketStatus::Accepted,
            1_800_000_000,
        );
        t.appointment_from = local_input("2026-11-27T09:00");
        t.appointment_to = local_input("2026-11-27T11:00");
        t
    }

    #[test]
    fn only_what_was_changed_is_sent() {
        let t = ticket();
        let mut form = EditForm::of(&t);
        assert_eq!(form.appointment_from, "2026-11-27T09:00");
        assert_eq!(
            form.to_edit(&t).unwrap_err().said,
            Said::Console(Txt::NothingChanged)
        );
        form.phone = " 13900001111 ".into();
        form.note = "客户来电".into();
        let edit = form.to_edit(&t).unwrap();
        assert_eq!(
            edit,
            TicketEdit {
                phone: Some("13900001111".into()),
                note: Some("客户来电".into()),
                ..TicketEdit::default()
            }
        );
    }

    #[test]
    fn the_appointment_is_moved_cleared_or_refused_before_sending() {
        let t = ticket();
        let mut form = EditForm::of(&t);
        form.appointment_from = "2026-11-28T14:00".into();
        form.appointment_to = String::new();
        let moved = form.to_edit(&t).unwrap();
        assert_eq!(moved.appointment_from, local_input("2026-11-28T14:00"));
        assert_eq!((moved.appointment_to, moved.no_appointment), (None, false));
        form.appointment_from = String::new();
        assert!(form.to_edit(&t).unwrap().no_appointment);
        form.appointment_to = "2026-11-28T16:00".into();
        let refused = form.to_edit(&t).unwrap_err();
        assert_eq!(refused.field.as_deref(), Some("appointment_from"));
        form.appointment_from = "tomorrow".into();
        assert_eq!(
            form.to_edit(&t).unwrap_err().said,
            Said::Console(Txt::BadTime)
        );
    }
}
