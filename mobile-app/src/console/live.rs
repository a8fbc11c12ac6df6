//! The live stream: an `EventSource` on `/api/v1/live`, opened with a single-use stream ticket
//! and reopened (with a new ticket and the last event id) whenever it drops, so the board
//! misses nothing. Browser callbacks only put messages on a channel; a Dioxus task reads it
//! and updates the board. Natively there is no stream.

use super::store::Console;

/// Event names the server sends (the SSE `event:` field); `EventSource` only hands named
/// events to listeners registered for that name.
pub const EVENT_NAMES: &[&str] = &[
    "ticket.create",
    "ticket.assign",
    "ticket.reassign",
    "ticket.accept",
    "ticket.depart",
    "ticket.arrive",
    "ticket.complete",
    "ticket.follow_up",
    "ticket.close",
    "ticket.cancel",
    "ticket.edit",
    "push.delivery",
    "alert",
    "check.created",
    "check.assigned",
    "reset",
];

/// The stream URL for a ticket, resuming after `last` when known.
pub fn stream_url(ticket: &str, last: Option<i64>) -> String {
    let mut url = format!(
        "/api/v1/live?ticket={}",
        super::net::encode_component(ticket)
    );
    if let Some(last) = last {
        url.push_str(&format!("&last_event_id={last}"));
    }
    url
}

/// Keeps the stream open for as long as the calling component lives.
pub fn start(console: Console) {
    #[cfg(target_arch = "wasm32")]
    dioxus::prelude::spawn(imp::run(console));
    #[cfg(not(target_arch = "wasm32"))]
    let _ = console;
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::super::api;
    use super::super::net::sleep_ms;
    use super::super::store::{Console, LiveStatus};
    use super::{EVENT_NAMES, stream_url};
    use dioxus::prelude::*;
    use futures_channel::mpsc::{UnboundedSender, unbounded};
    use futures_util::StreamExt;
    use gasdesk_shared::push::LiveEvent;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;
    use web_sys::{Event, EventSource, MessageEvent};

    enum Msg {
        Opened,
        Event(String),
        Dropped,
    }

    /// An open `EventSource` and the callbacks it calls; closed when dropped.
    struct Connection {
        source: EventSource,
        _on_message: Closure<dyn FnMut(MessageEvent)>,
        _on_open: Closure<dyn FnMut(Event)>,
        _on_error: Closure<dyn FnMut(Event)>,
    }

    impl Drop for Connection {
        fn drop(&mut self) {
            self.source.close();
        }
    }

    fn connect(url: &str, tx: UnboundedSender<Msg>) -> Option<Connection> {
        let source = EventSource::new(url).ok()?;
        let sender = tx.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(text) = e.data().as_string() {
                // A closed receiver means the console is gone; nothing is left to tell.
                sender.unbounded_send(Msg::Event(text)).unwrap_or(());
            }
        });
        for name in EVENT_NAMES {
            source
                .add_event_listener_with_callback(name, on_message.as_ref().unchecked_ref())
                .ok()?;
        }
        let sender = tx.clone();
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_| {
            sender.unbounded_send(Msg::Opened).unwrap_or(());
        });
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        let on_error = Closure::<dyn FnMut(Event)>::new(move |_| {
            tx.unbounded_send(Msg::Dropped).unwrap_or(());
        });
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Some(Connection {
            source,
            _on_message: on_message,
            _on_open: on_open,
            _on_error: on_error,
        })
    }

    pub async fn run(mut console: Console) {
        let mut delay = 500;
        loop {
            let Some(token) = console.token() else { return };
            let ticket = match api::stream_ticket(&token).await {
                Ok(ticket) => ticket,
                Err(err) if err.is_unauthenticated() => return console.fail(err),
                Err(_) => {
                    console.live.set(LiveStatus::Reconnecting);
                    sleep_ms(delay).await;
                    delay = (delay * 2).min(10_000);
                    continue;
                }
            };
            let last = console.board.peek().last_seq;
            let (tx, mut rx) = unbounded();
            let Some(connection) = connect(&stream_url(&ticket.ticket, last), tx) else {
                console.live.set(LiveStatus::Reconnecting);
                sleep_ms(delay).await;
                continue;
            };
            while let Some(msg) = rx.next().await {
                match msg {
                    Msg::Opened => {
                        delay = 500;
                        console.live.set(LiveStatus::Open);
                        // Whatever happened while the stream was down comes first (resume),
                        // or as a `reset` that reloads the board.
                    }
                    Msg::Event(text) => match serde_json::from_str::<LiveEvent>(&text) {
                        Ok(event) => console.on_live(event),
                        Err(err) => console.fail(crate::api::ApiError::Decode(err.to_string())),
                    },
                    // The browser would retry with the same (now used) ticket: reopen instead.
                    Msg::Dropped => break,
                }
            }
            drop(connection);
            console.live.set(LiveStatus::Reconnecting);
            sleep_ms(delay).await;
            delay = (delay * 2).min(10_000);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_url_carries_the_ticket_and_where_to_resume() {
        assert_eq!(stream_url("ab+c", None), "/api/v1/live?ticket=ab%2Bc");
        assert_eq!(
            stream_url("t", Some(42)),
            "/api/v1/live?ticket=t&last_event_id=42"
        );
    }

    #[test]
    fn every_ticket_action_has_a_listener() {
        for action in [
            "assign",
            "reassign",
            "accept",
            "cancel",
            "complete",
            "follow_up",
            "edit",
        ] {
            assert!(
                EVENT_NAMES.contains(&format!("ticket.{action}").as_str()),
                "{action}"
            );
        }
    }
}
