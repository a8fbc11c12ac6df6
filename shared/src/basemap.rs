//! The console map's basemap address (the business parameter `map_tile_url`): an XYZ tile URL
//! template, checked by the server when it is set and filled in by the console for each tile.
//!
//! Besides `{z}`, `{x}` and `{y}`, the host may spread requests over a service's mirror hosts as
//! the two common map libraries write it: Leaflet's `{s}` (hosts `a`, `b`, `c`, as in
//! `https://{s}.tile.openstreetmap.org/…`) or an OpenLayers range such as `{1-4}` (as in
//! 高德's `https://webrd0{1-4}.is.autonavi.com/…`). A tile always goes to the same host, so
//! the browser's cache keeps working.

/// A checked tile address template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileTemplate {
    template: String,
    /// The placeholder in the host (`{s}`, `{a-c}`), and the hosts' names it stands for.
    mirrors: Option<(String, Vec<char>)>,
}

impl TileTemplate {
    /// Checks an `http(s)://` address with the `{z}`, `{x}` and `{y}` placeholders; the message
    /// names what is wrong.
    pub fn parse(value: &str) -> Result<TileTemplate, &'static str> {
        let rest = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"))
            .ok_or("must start with https:// or http://")?;
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("must not contain spaces");
        }
        if value.len() > 500 {
            return Err("must be at most 500 characters");
        }
        let host = rest.split(['/', '?']).next().unwrap_or_default();
        let mirrors = mirrors_in(host)?;
        // The host as one mirror would be named, and what is left of it besides the mirror's
        // name (a host that is only `{s}` names no service).
        let (named, besides) = match &mirrors {
            Some((placeholder, _)) => (
                host.replacen(placeholder.as_str(), "a", 1),
                host.replacen(placeholder.as_str(), "", 1),
            ),
            None => (host.to_owned(), host.to_owned()),
        };
        if besides.is_empty() || named.starts_with(['.', ':']) || named.contains(['{', '}']) {
            return Err(
                "must name a host before the tile path (mirrors as {s} or a range like {1-4})",
            );
        }
        if !["{z}", "{x}", "{y}"].iter().all(|p| rest.contains(p)) {
            return Err("must contain {z}, {x} and {y}");
        }
        Ok(TileTemplate {
            template: value.to_owned(),
            mirrors,
        })
    }

    /// The address of tile `x`, `y` at zoom `z`.
    pub fn url(&self, z: u32, x: u64, y: u64) -> String {
        let mut url = self.template.clone();
        if let Some((placeholder, hosts)) = &self.mirrors {
            // As Leaflet picks: spread neighbouring tiles over the hosts, the same one each time.
            let host = hosts[((x + y) % hosts.len() as u64) as usize];
            url = url.replacen(placeholder.as_str(), &host.to_string(), 1);
        }
        url.replace("{z}", &z.to_string())
            .replace("{x}", &x.to_string())
            .replace("{y}", &y.to_string())
    }
}

/// The one mirror placeholder in the host, if any: `{s}` (a, b, c) or a range of letters or
/// digits (`{a-c}`, `{1-4}`).
fn mirrors_in(host: &str) -> Result<Option<(String, Vec<char>)>, &'static str> {
    let Some(open) = host.find('{') else {
        return Ok(None);
    };
    let close = host[open..]
        .find('}')
        .map(|i| open + i)
        .ok_or("must name a host before the tile path (mirrors as {s} or a range like {1-4})")?;
    let inside = &host[open + 1..close];
    let hosts: Vec<char> = if inside == "s" {
        vec!['a', 'b', 'c']
    } else {
        let chars: Vec<char> = inside.chars().collect();
        match chars[..] {
            [first, '-', last]
                if first < last
                    && ((first.is_ascii_lowercase() && last.is_ascii_lowercase())
                        || (first.is_ascii_digit() && last.is_ascii_digit())) =>
            {
                (first..=last).collect()
            }
            _ => return Err("mirror hosts must be written {s} or as a range like {a-c} or {1-4}"),
        }
    };
    Ok(Some((host[open..=close].to_owned(), hosts)))
}

#[cfg(test)]
mod tests {
    use super::TileTemplate;

    #[test]
    fn a_template_needs_a_scheme_a_host_and_all_three_placeholders() {
        let osm = TileTemplate::parse("https://tile.openstreetmap.org/{z}/{x}/{y}.png").unwrap();
        assert_eq!(
            osm.url(14, 13720, 6684),
            "https://tile.openstreetmap.org/14/13720/6684.png"
        );
        assert!(TileTemplate::parse("http://10.0.0.5:8080/tiles/{z}/{x}/{y}").is_ok());
        for (bad, why) in [
            ("ftp://tiles.example/{z}/{x}/{y}.png", "https://"),
            ("tile.openstreetmap.org/{z}/{x}/{y}.png", "https://"),
            (
                "https://tile.openstreetmap.org/{z}/{x}.png",
                "{z}, {x} and {y}",
            ),
            ("https:///{z}/{x}/{y}.png", "host"),
            ("https://{z}/{x}/{y}.png", "mirror"),
            ("https://{s}/{z}/{x}/{y}.png", "host"),
            ("https://{s}.{s}.example/{z}/{x}/{y}.png", "host"),
            ("https://{c-a}.tiles.example/{z}/{x}/{y}.png", "mirror"),
            ("https://{1-c}.tiles.example/{z}/{x}/{y}.png", "mirror"),
            ("https://{s.tiles.example/{z}/{x}/{y}.png", "host"),
            ("https://tiles.example/{z}/{x}/{y} .png", "spaces"),
        ] {
            let refused = TileTemplate::parse(bad).unwrap_err();
            assert!(refused.contains(why), "{bad}: {refused}");
        }
    }

    #[test]
    fn mirror_hosts_share_the_tiles_and_each_tile_keeps_its_host() {
        let leaflet = TileTemplate::parse("https://{s}.tile.example/{z}/{x}/{y}.png").unwrap();
        let hosts: Vec<String> = (0..3).map(|x| leaflet.url(3, x, 0)).collect();
        assert_eq!(
            hosts,
            [
                "https://a.tile.example/3/0/0.png",
                "https://b.tile.example/3/1/0.png",
                "https://c.tile.example/3/2/0.png",
            ]
        );
        assert_eq!(leaflet.url(3, 1, 0), leaflet.url(3, 1, 0));
        let amap = TileTemplate::parse(
            "https://webrd0{1-4}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}",
        )
        .unwrap();
        let used: std::collections::BTreeSet<String> = (0..8)
            .map(|x| amap.url(15, 27440 + x, 13370)[..22].to_owned())
            .collect();
        assert_eq!(
            used.into_iter().collect::<Vec<_>>(),
            [
                "https://webrd01.is.aut",
                "https://webrd02.is.aut",
                "https://webrd03.is.aut",
                "https://webrd04.is.aut",
            ]
        );
        assert_eq!(
            amap.url(15, 27440, 13370),
            "https://webrd03.is.autonavi.com/appmaptile?style=8&x=27440&y=13370&z=15"
        );
    }
}
