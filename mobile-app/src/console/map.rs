//! The map: service areas, pipelines by pressure class, open tickets, leak checks and the
//! place picked for a patrol report, drawn as SVG from the server's own data over an optional
//! tile basemap (the `map_tile_url` business parameter), with drag to pan, wheel or buttons
//! to zoom, and a click to pick a place. A small preview shows an import's result.

use super::geo::{Projection, Shape, bounds, shapes};
use super::i18n::{Txt, tr};
use super::net;
use super::store::Console;
use super::tiles::tiles;
use dioxus::prelude::*;
use gasdesk_shared::Role;
use gasdesk_shared::api::BusinessParam;
use gasdesk_shared::basemap::TileTemplate;
use gasdesk_shared::datum::Datum;
use gasdesk_shared::routing::{PatrolCheckView, PressureClass, StaffPosition};
use serde_json::Value;
use std::rc::Rc;

/// What the map draws that does not change while panning.
#[derive(Debug, PartialEq)]
pub struct MapData {
    pub projection: Projection,
    pub areas: Vec<Shape>,
    pub pipes: Vec<Shape>,
    /// The whole network's box in map units: `(x, y, width, height)`.
    pub extent: (f64, f64, f64, f64),
}

/// Compared by identity: the layers are redrawn only when new data is loaded.
#[derive(Clone)]
struct Layers(Rc<MapData>);

impl PartialEq for Layers {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Builds the map from the areas and pipelines documents, laid out over a basemap drawn in
/// `datum` (WGS84 when there is none).
pub fn map_data(areas: &Value, pipes: &Value, datum: Datum) -> Option<MapData> {
    let (x0, y0, x1, y1) = bounds(areas).or_else(|| bounds(pipes))?;
    let projection = Projection::new((x0 + x1) / 2.0, (y0 + y1) / 2.0).over(datum);
    let (ax, ay) = projection.project(x0, y1);
    let (bx, by) = projection.project(x1, y0);
    Some(MapData {
        projection,
        areas: shapes(areas, &projection, "name", "team"),
        pipes: shapes(pipes, &projection, "patrol_area", "pressure_class"),
        extent: (ax, ay, (bx - ax).max(1.0), (by - ay).max(1.0)),
    })
}

/// The visible window: centre and width in map units (the height follows the aspect).
#[derive(Debug, Clone, Copy, PartialEq)]
struct View {
    cx: f64,
    cy: f64,
    w: f64,
}

const ASPECT: f64 = 0.62;

#[component]
pub fn MapPage() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut data = use_signal(|| None::<Layers>);
    let mut checks = use_signal(Vec::<PatrolCheckView>::new);
    let mut staff = use_signal(Vec::<StaffPosition>::new);
    let mut view = use_signal(|| None::<View>);
    let mut drag = use_signal(|| None::<(f64, f64, View, f64, bool)>);
    let mut show_pipes = use_signal(|| true);
    let mut tile_url = use_signal(|| None::<TileTemplate>);
    use_hook(move || {
        spawn(async move {
            let Some(token) = console.token() else { return };
            // Without tiles there is nothing to line the data up with: it stays in WGS84.
            let mut datum = Datum::Wgs84;
            match net::get::<Vec<BusinessParam>>(&token, "/api/v1/params").await {
                Ok(params) => {
                    let url = super::admin::model::tile_url(&params);
                    if url.is_some() {
                        datum = super::admin::model::tile_datum(&params);
                    }
                    tile_url.set(url);
                }
                Err(err) => console.fail(err),
            }
            let loaded = async {
                let areas: Value = net::get(&token, "/api/v1/areas").await?;
                let pipes: Value = net::get(&token, "/api/v1/pipelines").await?;
                Ok::<_, crate::api::ApiError>((areas, pipes))
            };
            match loaded.await {
                Ok((areas, pipes)) => {
                    if let Some(d) = map_data(&areas, &pipes, datum) {
                        let (x, y, w, h) = d.extent;
                        view.set(Some(View {
                            cx: x + w / 2.0,
                            cy: y + h / 2.0,
                            w: w.max(h / ASPECT),
                        }));
                        data.set(Some(Layers(Rc::new(d))));
                    }
                }
                Err(err) => console.fail(err),
            }
            match super::api::checks(&token).await {
                Ok(list) => checks.set(list),
                Err(err) => console.fail(err),
            }
            match net::get::<Vec<StaffPosition>>(&token, "/api/v1/positions").await {
                Ok(list) => staff.set(list),
                Err(err) => console.fail(err),
            }
        });
    });
    let Some(layers) = data() else {
        return rsx! { p { class: "muted", "data-testid": "map-loading", {tr(lang, Txt::Loading)} } };
    };
    let Some(v) = view() else { return rsx! {} };
    let p = layers.0.projection;
    let h = v.w * ASPECT;
    let view_box = format!(
        "{:.0} {:.0} {:.0} {:.0}",
        v.cx - v.w / 2.0,
        v.cy - h / 2.0,
        v.w,
        h
    );
    let dot = v.w / 250.0;
    let basemap = tile_url().map(|template| {
        let px = net::element_rect("map-svg").map(|r| r.2).unwrap_or(1000.0);
        tiles(
            &template,
            &p,
            (v.cx - v.w / 2.0, v.cy - h / 2.0, v.w, h),
            px,
        )
    });
    let mut zoom = move |factor: f64| {
        if let Some(mut v) = view() {
            v.w = (v.w * factor).clamp(200.0, 400_000.0);
            view.set(Some(v));
        }
    };
    let board = console.board.read();
    let tickets: Vec<(String, f64, f64, bool)> = board
        .tickets
        .values()
        .filter_map(|t| Some((t.number.clone(), t.lon?, t.lat?, t.urgent)))
        .collect();
    let picked = (console.picked)();
    rsx! {
        div { class: "map-page",
            div { class: "toolbar",
                button { r#type: "button", class: "secondary", id: "zoom-in", onclick: move |_| zoom(0.6), "+" }
                button { r#type: "button", class: "secondary", id: "zoom-out", onclick: move |_| zoom(1.6), "−" }
                label { class: "check",
                    input { r#type: "checkbox", checked: show_pipes(), onchange: move |e| show_pipes.set(e.checked()) }
                    {tr(lang, Txt::Pipelines)}
                }
                span { class: "legend",
                    for pc in PressureClass::ALL {
                        span { class: "pipe-key {pc.as_str()}", {pressure_label(lang, pc)} }
                    }
                    span { class: "key ticket", {tr(lang, Txt::OpenTickets)} }
                    span { class: "key check", {tr(lang, Txt::WorkChecks)} }
                    span { class: "key staff", {tr(lang, Txt::FieldStaff)} }
                }
                span { class: "muted", {tr(lang, Txt::PickOnMap)} }
            }
            svg {
                id: "map-svg",
                class: "map",
                "data-testid": "map",
                "viewBox": "{view_box}",
                "preserveAspectRatio": "xMidYMid meet",
                onwheel: move |e| {
                    e.prevent_default();
                    let dy = e.delta().strip_units().y;
                    zoom(if dy > 0.0 { 1.25 } else { 0.8 });
                },
                onmousedown: move |e| {
                    let c = e.client_coordinates();
                    let px = net::element_rect("map-svg").map(|r| r.2).unwrap_or(1000.0);
                    if let Some(v) = view() {
                        drag.set(Some((c.x, c.y, v, v.w / px.max(1.0), false)));
                    }
                },
                onmousemove: move |e| {
                    if let Some((x, y, start, per_px, _)) = drag() {
                        let c = e.client_coordinates();
                        let (dx, dy) = (c.x - x, c.y - y);
                        if dx.abs() + dy.abs() > 3.0 {
                            drag.set(Some((x, y, start, per_px, true)));
                            view.set(Some(View { cx: start.cx - dx * per_px, cy: start.cy - dy * per_px, w: start.w }));
                        }
                    }
                },
                onmouseup: move |e| {
                    let Some((_, _, start, per_px, moved)) = drag() else { return };
                    drag.set(None);
                    if moved { return; }
                    // A click, not a drag: pick this place (for a patrol report).
                    if let Some((left, top, width, height)) = net::element_rect("map-svg") {
                        let c = e.client_coordinates();
                        let h = start.w * ASPECT;
                        // `meet` centres the box: work from the centre outwards.
                        let sx = start.cx + (c.x - left - width / 2.0) * per_px.max(h / height.max(1.0));
                        let sy = start.cy + (c.y - top - height / 2.0) * per_px.max(h / height.max(1.0));
                        console.picked.clone().set(Some(p.unproject(sx, sy)));
                    }
                },
                onmouseleave: move |_| drag.set(None),
                if let Some(list) = basemap {
                    g { class: "tiles", "data-testid": "map-tiles",
                        for t in list {
                            image { key: "{t.key}", "href": "{t.url}", x: "{t.x:.1}", y: "{t.y:.1}",
                                width: "{t.width:.1}", height: "{t.height:.1}", "preserveAspectRatio": "none" }
                        }
                    }
                }
                StaticLayers { layers: layers.clone(), pipes: show_pipes() }
                for (number, lon, lat, urgent) in tickets {
                    {
                        let (x, y) = p.project(lon, lat);
                        rsx! {
                            circle { key: "{number}", class: if urgent { "ticket urgent" } else { "ticket" },
                                cx: "{x:.0}", cy: "{y:.0}", r: "{dot * 1.4:.0}", "data-testid": "map-ticket",
                                title { "{number}" }
                            }
                        }
                    }
                }
                for c in checks() {
                    {
                        let (x, y) = p.project(c.lon, c.lat);
                        rsx! {
                            rect { key: "{c.id}", class: "check", "data-testid": "map-check",
                                x: "{x - dot:.0}", y: "{y - dot:.0}", width: "{dot * 2.0:.0}", height: "{dot * 2.0:.0}",
                                title { "{c.description}" }
                            }
                        }
                    }
                }
                for s in staff() {
                    {
                        let (x, y) = p.project(s.lon, s.lat);
                        let class = if s.role == Role::Patroller { "staff patroller" } else { "staff" };
                        let at = super::i18n::china_hhmm(s.at);
                        rsx! {
                            g { key: "{s.user_id}", class, "data-testid": "map-staff",
                                polygon { points: "{x:.0},{y - dot * 1.6:.0} {x + dot * 1.3:.0},{y + dot:.0} {x - dot * 1.3:.0},{y + dot:.0}" }
                                title { "{s.name} {at}" }
                            }
                        }
                    }
                }
                if let Some((lon, lat)) = picked {
                    {
                        let (x, y) = p.project(lon, lat);
                        rsx! { circle { class: "picked", "data-testid": "map-picked", cx: "{x:.0}", cy: "{y:.0}", r: "{dot * 2.0:.0}" } }
                    }
                }
            }
            if let Some((lon, lat)) = picked {
                p { class: "muted", "data-testid": "picked-place", "{lon:.5}, {lat:.5}" }
            }
        }
    }
}

#[component]
fn StaticLayers(layers: Layers, pipes: bool) -> Element {
    let data = layers.0.clone();
    rsx! {
        g { class: "areas",
            for (i, a) in data.areas.iter().enumerate() {
                path { key: "a{i}", d: "{a.d}", title { "{a.label} · {a.class}" } }
            }
        }
        if pipes {
            g { class: "pipes",
                for (i, s) in data.pipes.iter().enumerate() {
                    path { key: "p{i}", class: "{s.class}", d: "{s.d}" }
                }
            }
        }
    }
}

/// A small, still map of what the areas and pipelines now are (after an import); after a
/// pipeline import the areas fade so the pipelines stand out.
#[component]
pub fn MapPreview(data: Rc<MapData>, pipes_imported: bool) -> Element {
    let (x, y, w, h) = data.extent;
    let (pad_x, pad_y) = (w * 0.03, h * 0.03);
    let view_box = format!(
        "{:.0} {:.0} {:.0} {:.0}",
        x - pad_x,
        y - pad_y,
        w + 2.0 * pad_x,
        h + 2.0 * pad_y
    );
    let areas = data.areas.len();
    let pipes = data.pipes.len();
    rsx! {
        svg { class: if pipes_imported { "map preview pipes-imported" } else { "map preview" },
            "data-testid": "import-preview", "data-areas": "{areas}", "data-pipes": "{pipes}",
            "viewBox": "{view_box}", "preserveAspectRatio": "xMidYMid meet",
            StaticLayers { layers: Layers(data.clone()), pipes: true }
        }
    }
}

fn pressure_label(lang: crate::i18n::Lang, pc: PressureClass) -> &'static str {
    match lang {
        crate::i18n::Lang::Zh => pc.label_zh(),
        crate::i18n::Lang::En => match pc {
            PressureClass::Low => "low",
            PressureClass::Medium => "medium",
            PressureClass::SubHigh => "sub-high",
            PressureClass::High => "high",
        },
    }
}
