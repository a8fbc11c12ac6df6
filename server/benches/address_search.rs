//! Address search benchmark (not a test: it prints figures and asserts nothing about time).
//!
//!     cargo bench -p gasdesk-server --bench address_search [-- --customers N --queries N]
//!
//! Generates N realistic Suzhou addresses (default 1,000,000; seeded, so every run sees the same
//! city), builds the address index and prints the build time, the resident memory it keeps, the
//! search latency (median, p99) over queries made by messing up addresses from the set the way
//! callers and agents do, and how often the intended customer comes first and in the top 10.

use gasdesk_server::customers::address_index::AddressIndex;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Districts and county-level cities of Suzhou with real roads and towns in them.
const AREAS: [(&str, &[&str], &[&str]); 10] = [
    (
        "姑苏区",
        &[
            "人民路",
            "干将路",
            "十全街",
            "凤凰街",
            "三香路",
            "景德路",
            "道前街",
            "平江路",
            "临顿路",
            "广济路",
            "养育巷",
            "竹辉路",
        ],
        &[],
    ),
    (
        "吴中区",
        &[
            "东吴北路",
            "东吴南路",
            "宝带西路",
            "吴中大道",
            "苏蠡路",
            "越湖路",
            "蠡墅路",
        ],
        &["木渎镇", "甪直镇"],
    ),
    (
        "相城区",
        &["春申湖路", "相城大道", "阳澄湖西路", "嘉元路", "华元路"],
        &["黄埭镇", "渭塘镇"],
    ),
    (
        "虎丘区",
        &[
            "长江路",
            "狮山路",
            "玉山路",
            "竹园路",
            "滨河路",
            "何山路",
            "金山路",
            "塔园路",
        ],
        &["浒墅关镇"],
    ),
    (
        "吴江区",
        &["中山北路", "鲈乡南路", "开平路", "笠泽路", "流虹路"],
        &["同里镇", "震泽镇"],
    ),
    (
        "常熟市",
        &["海虞北路", "虞山北路", "枫林路", "黄河路"],
        &["梅李镇"],
    ),
    (
        "张家港市",
        &["人民中路", "长安南路", "沙洲中路", "暨阳中路"],
        &["塘桥镇"],
    ),
    (
        "昆山市",
        &["前进中路", "马鞍山中路", "柏庐南路", "萧林路"],
        &["周庄镇", "千灯镇"],
    ),
    (
        "太仓市",
        &["县府街", "郑和中路", "太平南路", "上海东路"],
        &["沙溪镇"],
    ),
    (
        "苏州工业园区",
        &[
            "金鸡湖大道",
            "星湖街",
            "现代大道",
            "苏州大道东",
            "星海街",
            "旺墩路",
            "苏雅路",
            "东环路",
        ],
        &[],
    ),
];

/// Characters a mistyped or misheard name gets instead of the right one.
const WRONG: [char; 14] = [
    '明', '华', '新', '东', '西', '南', '北', '中', '安', '平', '和', '兴', '光', '正',
];

const MESSES: [&str; 8] = [
    "drop 苏州市",
    "drop district",
    "reorder",
    "spaces",
    "幢→栋",
    "full-width",
    "wrong char",
    "no 号",
];

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map(|pages| pages * 4096)
        .unwrap_or(0)
}

/// One customer's address, in parts, so queries can be made from it.
struct Address {
    city: bool,
    district: &'static str,
    town: Option<&'static str>,
    road: &'static str,
    number: u32,
    building: Option<u32>,
    unit: Option<u32>,
    room: Option<u32>,
}

impl Address {
    fn random(rng: &mut ChaCha8Rng) -> Self {
        let (district, roads, towns) = AREAS[rng.random_range(0..AREAS.len())];
        let town = if !towns.is_empty() && rng.random_bool(0.15) {
            towns.choose(rng).copied()
        } else {
            None
        };
        // Town houses are often detached; city addresses mostly flats.
        let building = rng
            .random_bool(if town.is_some() { 0.4 } else { 0.8 })
            .then(|| rng.random_range(1..=40));
        Address {
            city: rng.random_bool(0.8),
            district,
            town,
            road: roads.choose(rng).copied().unwrap_or("人民路"),
            number: rng.random_range(1..=600),
            unit: building
                .filter(|_| rng.random_bool(0.3))
                .map(|_| rng.random_range(1..=6)),
            room: building.map(|_| rng.random_range(1..=18) * 100 + rng.random_range(1..=4)),
            building,
        }
    }

    /// The parts in address order; names first, then numbers.
    fn parts(&self) -> Vec<String> {
        let mut parts = vec![self.district.to_string()];
        parts.extend(self.town.map(String::from));
        parts.push(self.road.to_string());
        parts.push(format!("{}号", self.number));
        parts.extend(self.building.map(|b| format!("{b}幢")));
        parts.extend(self.unit.map(|u| format!("{u}单元")));
        parts.extend(self.room.map(|r| format!("{r}室")));
        parts
    }

    fn text(&self) -> String {
        let city = if self.city { "苏州市" } else { "" };
        format!("{city}{}", self.parts().concat())
    }

    /// A query for this address messed up in some of the [`MESSES`] ways; returns which.
    fn messy_query(&self, rng: &mut ChaCha8Rng) -> (String, [bool; 8]) {
        let mut did = [false; 8];
        let mut parts = self.parts();
        let names = if self.town.is_some() { 3 } else { 2 };
        did[0] = !rng.random_bool(0.3);
        if rng.random_bool(0.4) {
            did[1] = true;
            parts.remove(0);
        }
        let names = names - usize::from(did[1]);
        if rng.random_bool(0.2) {
            // One wrong character in a name (not the last one, usually 路/街).
            let at = rng.random_range(0..names);
            let mut chars: Vec<char> = parts[at].chars().collect();
            let pos = rng.random_range(0..chars.len() - 1);
            let wrong = *WRONG.choose(rng).unwrap_or(&'明');
            if chars[pos] != wrong {
                chars[pos] = wrong;
                did[6] = true;
                parts[at] = chars.into_iter().collect();
            }
        }
        if rng.random_bool(0.15) {
            did[7] = true;
            parts[names] = self.number.to_string();
        }
        if rng.random_bool(0.3) {
            did[2] = true;
            parts.shuffle(rng);
        }
        // A number without its unit needs a space after it, or it runs into the next number.
        did[3] = rng.random_bool(0.5) || did[7];
        let mut query = parts.join(if did[3] { " " } else { "" });
        if !did[0] && self.city {
            query.insert_str(0, "苏州市");
        }
        if rng.random_bool(0.3) && query.contains('幢') {
            did[4] = true;
            query = query.replace('幢', "栋");
        }
        if rng.random_bool(0.2) {
            did[5] = true;
            query = query
                .chars()
                .map(|c| match c {
                    '0'..='9' => char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c),
                    _ => c,
                })
                .collect();
        }
        (query, did)
    }
}

fn percentile(sorted: &[Duration], p: usize) -> f64 {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)].as_secs_f64() * 1e3
}

fn main() {
    let n = arg("--customers", 1_000_000);
    let n_queries = arg("--queries", 10_000);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    // One account per address, as in the billing system: a duplicate would make "the intended
    // customer first" a coin toss that says nothing about the index.
    let mut seen = HashSet::with_capacity(n);
    let mut customers: Vec<(Uuid, Address)> = Vec::with_capacity(n);
    while customers.len() < n {
        let address = Address::random(&mut rng);
        if seen.insert(address.parts().concat()) {
            customers.push((Uuid::from_bytes(rng.random()), address));
        }
    }
    drop(seen);
    let texts: Vec<String> = customers.iter().map(|(_, a)| a.text()).collect();
    println!("address search benchmark: {n} customers, {n_queries} messy queries");
    println!("e.g. {}", texts[..3].join("  "));

    let before = rss_bytes();
    let started = Instant::now();
    let index = AddressIndex::build(
        customers
            .iter()
            .zip(&texts)
            .map(|((id, _), t)| (*id, t.clone())),
    );
    let build = started.elapsed();
    let after = rss_bytes();
    println!(
        "build (bulk)                        {:>8.2} s",
        build.as_secs_f64()
    );
    println!(
        "resident memory growth              {:>8.0} MiB   (index's own estimate {:.0} MiB)",
        after.saturating_sub(before) as f64 / 1048576.0,
        index.heap_bytes() as f64 / 1048576.0
    );

    let queries: Vec<(usize, String, [bool; 8])> = (0..n_queries)
        .map(|_| {
            let who = rng.random_range(0..n);
            let (query, did) = customers[who].1.messy_query(&mut rng);
            (who, query, did)
        })
        .collect();
    for (_, query, _) in queries.iter().take(1_000) {
        std::hint::black_box(index.search(query, 10));
    }
    let mut times = Vec::with_capacity(queries.len());
    let (mut first, mut tied, mut top10) = (0usize, 0usize, 0usize);
    let mut by_mess = [(0usize, 0usize, 0usize); 8];
    for (who, query, did) in &queries {
        let start = Instant::now();
        let hits = index.search(query, 10);
        times.push(start.elapsed());
        let intended = customers[*who].0;
        let at = hits.iter().position(|h| h.id == intended);
        let is_first = at == Some(0);
        let is_tied = at.is_some_and(|i| hits[i].score == hits[0].score);
        first += usize::from(is_first);
        tied += usize::from(is_tied);
        top10 += usize::from(at.is_some());
        for (k, _) in did.iter().enumerate().filter(|(_, d)| **d) {
            by_mess[k].0 += 1;
            by_mess[k].1 += usize::from(is_first);
            by_mess[k].2 += usize::from(at.is_some());
        }
    }
    times.sort();
    println!(
        "search, limit 10                    median {:.3} ms   p99 {:.3} ms   max {:.3} ms",
        percentile(&times, 50),
        percentile(&times, 99),
        times.last().map_or(0.0, |t| t.as_secs_f64() * 1e3)
    );
    let share = |k: usize| k as f64 * 100.0 / queries.len() as f64;
    println!(
        "intended customer first             {:>6.2} %   (first or tied first {:.2} %)",
        share(first),
        share(tied)
    );
    println!(
        "intended customer in the top 10     {:>6.2} %",
        share(top10)
    );
    for (name, (count, first, top10)) in MESSES.iter().zip(by_mess) {
        println!(
            "  with {name:<14} {count:>6} queries   first {:>6.2} %   top 10 {:>6.2} %",
            first as f64 * 100.0 / count.max(1) as f64,
            top10 as f64 * 100.0 / count.max(1) as f64
        );
    }
    for (_, query, _) in queries.iter().take(5) {
        println!("  query e.g. {query}");
    }

    // Live updates: replacing one customer's address in the full index.
    let mut index = index;
    let mut times = Vec::with_capacity(1_000);
    for (i, (id, address)) in customers.iter().take(1_000).enumerate() {
        let text = format!("{}{}号", address.road, 700 + i);
        let start = Instant::now();
        index.insert(*id, &text);
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "replace one address                 median {:.3} ms   p99 {:.3} ms",
        percentile(&times, 50),
        percentile(&times, 99)
    );
    drop(index);

    let started = Instant::now();
    let mut one_by_one = AddressIndex::new();
    for ((id, _), text) in customers.iter().zip(&texts) {
        one_by_one.insert(*id, text);
    }
    println!(
        "build by repeated insert, for scale {:>8.2} s   ({} customers)",
        started.elapsed().as_secs_f64(),
        one_by_one.len()
    );
}
