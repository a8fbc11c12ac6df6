//! Customer accounts mirrored from the billing system (营业系统), and their phone numbers.

use super::filter::{Filter, Value};
use super::{Db, Tx};
use crate::bind_values;
use crate::{on_db, on_tx};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomerRow {
    pub id: Uuid,
    pub card_no: String,
    pub name: String,
    pub address: String,
    pub district: Option<String>,
    pub street: Option<String>,
    pub community: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub arrears_fen: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

const COLUMNS: &str = "c.id, c.card_no, c.name, c.address, c.district, c.street, c.community, \
                       c.lon, c.lat, c.arrears_fen, c.created_at, c.updated_at";

pub struct CustomerFilter<'a> {
    /// Part of the address or the name.
    pub text: Option<&'a str>,
    pub card_no: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub limit: i64,
    pub offset: i64,
}

pub async fn search(
    db: &Db,
    filter: &CustomerFilter<'_>,
) -> Result<(Vec<CustomerRow>, i64), sqlx::Error> {
    let mut f = Filter::default();
    if let Some(text) = filter.text {
        f.push_any(vec![
            (
                "c.address LIKE ? ESCAPE '\\'",
                Value::Text(super::like_pattern(text)),
            ),
            (
                "c.name LIKE ? ESCAPE '\\'",
                Value::Text(super::like_pattern(text)),
            ),
        ]);
    }
    if let Some(card) = filter.card_no {
        f.push("c.card_no = ?", Value::Text(card.to_owned()));
    }
    if let Some(phone) = filter.phone {
        f.push(
            "c.id IN (SELECT p.customer_id FROM customer_phones p WHERE p.phone = ?)",
            Value::Text(phone.to_owned()),
        );
    }
    let where_sql = f.where_sql();
    let n = f.values.len();
    let rows_sql = format!(
        "SELECT {COLUMNS} FROM customers c {where_sql} ORDER BY c.card_no LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let count_sql = format!("SELECT COUNT(*) FROM customers c {where_sql}");
    on_db!(db, pool => {
        let rows = bind_values!(sqlx::query_as(sqlx::AssertSqlSafe(&*rows_sql)), &f.values)
            .bind(filter.limit)
            .bind(filter.offset)
            .fetch_all(pool)
            .await?;
        let total: i64 = bind_values!(sqlx::query_scalar(sqlx::AssertSqlSafe(&*count_sql)), &f.values)
            .fetch_one(pool)
            .await?;
        Ok((rows, total))
    })
}

pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<CustomerRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM customers c WHERE c.id = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(pool).await)
}

/// Phone numbers of the given customers, as (customer id, phone) pairs.
pub async fn phones_of(db: &Db, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT customer_id, phone FROM customer_phones WHERE customer_id IN ({}) ORDER BY phone",
        placeholders.join(", ")
    );
    on_db!(db, pool => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(&*sql));
        for id in ids {
            query = query.bind(*id);
        }
        query.fetch_all(pool).await
    })
}

/// Inserts the customer, or updates the one with the same card number. Returns the stored id
/// and whether it was new.
pub async fn upsert(
    tx: &mut Tx,
    customer: &CustomerRow,
    phones: &[String],
) -> Result<(Uuid, bool), sqlx::Error> {
    let id: Uuid = on_tx!(tx, conn => sqlx::query_scalar(
        "INSERT INTO customers (id, card_no, name, address, district, street, community, lon, lat,
                                arrears_fen, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (card_no) DO UPDATE SET name = excluded.name, address = excluded.address,
             district = excluded.district, street = excluded.street,
             community = excluded.community, lon = excluded.lon, lat = excluded.lat,
             arrears_fen = excluded.arrears_fen, updated_at = excluded.updated_at
         RETURNING id",
    )
    .bind(customer.id)
    .bind(&customer.card_no)
    .bind(&customer.name)
    .bind(&customer.address)
    .bind(&customer.district)
    .bind(&customer.street)
    .bind(&customer.community)
    .bind(customer.lon)
    .bind(customer.lat)
    .bind(customer.arrears_fen)
    .bind(customer.created_at)
    .bind(customer.updated_at)
    .fetch_one(&mut *conn)
    .await)?;
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM customer_phones WHERE customer_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        for phone in phones {
            sqlx::query(
                "INSERT INTO customer_phones (customer_id, phone) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(phone)
            .execute(&mut *conn)
            .await?;
        }
        Ok::<_, sqlx::Error>(())
    })?;
    Ok((id, id == customer.id))
}

pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM customers").fetch_one(pool).await)
}

/// Customers on any of `streets` or `communities`, or located inside `bbox`
/// (min lon, min lat, max lon, max lat); the caller refines the box by the exact shape.
pub async fn candidates_for_area(
    db: &Db,
    streets: &[String],
    communities: &[String],
    bbox: Option<(f64, f64, f64, f64)>,
) -> Result<Vec<CustomerRow>, sqlx::Error> {
    let mut clauses = Vec::new();
    let mut n = 0;
    let mut placeholders = |count: usize| {
        let list: Vec<String> = (0..count).map(|i| format!("${}", n + i + 1)).collect();
        n += count;
        list.join(", ")
    };
    if !streets.is_empty() {
        clauses.push(format!("c.street IN ({})", placeholders(streets.len())));
    }
    if !communities.is_empty() {
        clauses.push(format!(
            "c.community IN ({})",
            placeholders(communities.len())
        ));
    }
    if bbox.is_some() {
        let p: Vec<String> = placeholders(4).split(", ").map(str::to_owned).collect();
        clauses.push(format!(
            "(c.lon BETWEEN {} AND {} AND c.lat BETWEEN {} AND {})",
            p[0], p[2], p[1], p[3]
        ));
    }
    if clauses.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM customers c WHERE {} ORDER BY c.card_no",
        clauses.join(" OR ")
    );
    on_db!(db, pool => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(&*sql));
        for s in streets.iter().chain(communities) {
            query = query.bind(s.clone());
        }
        if let Some((a, b, c, d)) = bbox {
            query = query.bind(a).bind(b).bind(c).bind(d);
        }
        query.fetch_all(pool).await
    })
}

/// Every customer's id and address, for building the address index.
pub async fn all_addresses(db: &Db) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as("SELECT id, address FROM customers").fetch_all(pool).await)
}

/// The customers with these ids, in no particular order.
pub async fn by_ids(db: &Db, ids: &[Uuid]) -> Result<Vec<CustomerRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM customers c WHERE c.id IN ({})",
        placeholders.join(", ")
    );
    on_db!(db, pool => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(&*sql));
        for id in ids {
            query = query.bind(*id);
        }
        query.fetch_all(pool).await
    })
}

/// Ids of the customers whose card number, or one of whose phone numbers, begins with the
/// given prefix, in card-number order, at most `cap` of them. Ranges (`>= prefix AND < next`)
/// rather than LIKE, so both engines walk the column's index with a bound parameter; PostgreSQL
/// compares bytewise (`COLLATE "C"`, the collation of its prefix indexes, migration 0012).
pub async fn ids_by_number_prefix(
    db: &Db,
    card_prefix: &str,
    phone_prefix: Option<&str>,
    cap: i64,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let bytewise = match db.engine() {
        super::Engine::Sqlite => "",
        super::Engine::Postgres => " COLLATE \"C\"",
    };
    let sql = format!(
        "SELECT c.id FROM customers c WHERE c.id IN (
             SELECT id FROM (SELECT id FROM customers
                 WHERE card_no{bytewise} >= $1 AND card_no{bytewise} < $2
                 ORDER BY card_no{bytewise} LIMIT $5) AS by_card
             UNION
             SELECT customer_id FROM (SELECT customer_id FROM customer_phones
                 WHERE phone{bytewise} >= $3 AND phone{bytewise} < $4
                 ORDER BY phone{bytewise} LIMIT $5) AS by_phone)
         ORDER BY c.card_no LIMIT $5"
    );
    // Without a phone prefix (letters typed) the phone range is empty.
    let phone = phone_prefix.unwrap_or("");
    on_db!(db, pool => {
        sqlx::query_scalar(sqlx::AssertSqlSafe(&*sql))
            .bind(card_prefix)
            .bind(next_prefix(card_prefix))
            .bind(phone)
            .bind(if phone.is_empty() { String::new() } else { next_prefix(phone) })
            .bind(cap)
            .fetch_all(pool)
            .await
    })
}

/// The smallest string greater than every string that starts with `prefix` (bytewise), for
/// an ASCII prefix: its last character moved on by one.
fn next_prefix(prefix: &str) -> String {
    let mut bytes = prefix.as_bytes().to_vec();
    match bytes.last_mut() {
        Some(last) if *last < 0x7f => *last += 1,
        _ => bytes.push(0x7f),
    }
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::next_prefix;

    #[test]
    fn next_prefix_bounds_every_string_with_the_prefix() {
        assert_eq!(next_prefix("0800"), "0801");
        assert_eq!(next_prefix("1389"), "138:");
        assert_eq!(next_prefix("SZ-"), "SZ.");
        for s in ["0800", "08000000", "0800zzzz", "0800-1"] {
            assert!(s >= "0800" && s < next_prefix("0800").as_str(), "{s}");
        }
        assert!("0801" >= next_prefix("0800").as_str());
    }
}
