//! Importing the billing system's customer export (CSV, UTF-8, with a header row). Column names
//! may be English or the Chinese ones billing exports use. Good rows are stored (inserted, or
//! updated by card number); each bad row is reported with its line number and reason.

use super::validate_customer;
use crate::db::Db;
use crate::db::audit::{self, Actor};
use crate::db::customers as store;
use crate::error::{AppError, AppResult};
use gasdesk_shared::api::{ImportReport, NewCustomer, RowError};
use gasdesk_shared::validate::{self, Invalid};
use serde_json::json;

/// Rows per transaction: large enough to be fast, small enough not to hold SQLite's writer long.
const BATCH: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    CardNo,
    Name,
    Phones,
    Address,
    District,
    Street,
    Community,
    Lon,
    Lat,
    ArrearsYuan,
}

fn column_for(header: &str) -> Option<Column> {
    Some(match header.trim().trim_start_matches('\u{feff}') {
        "card_no" | "交费卡号" | "卡号" | "户号" => Column::CardNo,
        "name" | "户名" | "客户名称" | "姓名" => Column::Name,
        "phones" | "phone" | "电话" | "联系电话" | "手机" => Column::Phones,
        "address" | "地址" | "用气地址" => Column::Address,
        "district" | "区" | "行政区" => Column::District,
        "street" | "街道" | "镇" => Column::Street,
        "community" | "社区" | "村" => Column::Community,
        "lon" | "经度" => Column::Lon,
        "lat" | "纬度" => Column::Lat,
        "arrears" | "arrears_yuan" | "欠费" | "欠费金额" => Column::ArrearsYuan,
        _ => return None,
    })
}

const REQUIRED: [(Column, &str); 3] = [
    (Column::CardNo, "card_no (交费卡号)"),
    (Column::Name, "name (户名)"),
    (Column::Address, "address (地址)"),
];

/// Reads the CSV from `input` and stores its good rows. `progress` is told the number of rows
/// read so far after every batch.
pub async fn import_csv(
    db: &Db,
    index: Option<&super::CustomerIndex>,
    actor: Actor,
    input: impl std::io::Read,
    mut progress: impl FnMut(u64),
) -> AppResult<ImportReport> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = reader.headers().map_err(|e| AppError::Malformed {
        message: format!("cannot read the CSV header: {e}"),
        field: None,
    })?;
    let columns: Vec<Option<Column>> = headers.iter().map(column_for).collect();
    for (column, label) in REQUIRED {
        if !columns.contains(&Some(column)) {
            return Err(AppError::validation(
                "header",
                format!("the file has no column {label}"),
            ));
        }
    }

    let mut report = ImportReport::default();
    let mut batch = Vec::with_capacity(BATCH);
    let mut rows_read = 0u64;
    for record in reader.records() {
        rows_read += 1;
        let line = rows_read + 1;
        let parsed = record
            .map_err(|e| validate::invalid("row", format!("unreadable CSV row: {e}")))
            .and_then(|record| parse_row(&columns, &record))
            .and_then(validate_customer);
        match parsed {
            Ok(customer) => batch.push(customer),
            Err(Invalid { field, message }) => report.rejected.push(RowError {
                line,
                field: Some(field),
                message,
            }),
        }
        if batch.len() == BATCH {
            store_batch(db, index, &mut batch, &mut report).await?;
            progress(rows_read);
        }
    }
    store_batch(db, index, &mut batch, &mut report).await?;
    progress(rows_read);

    let mut tx = db.begin().await?;
    audit::record(
        &mut tx,
        actor,
        "customer.import",
        "customer",
        None,
        json!({
            "rows": rows_read,
            "inserted": report.inserted,
            "updated": report.updated,
            "rejected": report.rejected.len(),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

async fn store_batch(
    db: &Db,
    index: Option<&super::CustomerIndex>,
    batch: &mut Vec<super::ValidCustomer>,
    report: &mut ImportReport,
) -> AppResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    let mut stored = Vec::with_capacity(batch.len());
    for customer in batch.drain(..) {
        let (id, created) = store::upsert(&mut tx, &customer.row, &customer.phones).await?;
        if created {
            report.inserted += 1;
        } else {
            report.updated += 1;
        }
        stored.push((id, customer.row.address));
    }
    tx.commit().await?;
    // Indexed only once committed, so a search never finds a customer that is not there.
    if let Some(index) = index {
        for (id, address) in stored {
            index.record(id, &address);
        }
    }
    Ok(())
}

fn parse_row(
    columns: &[Option<Column>],
    record: &csv::StringRecord,
) -> Result<NewCustomer, Invalid> {
    let mut customer = NewCustomer {
        card_no: String::new(),
        name: String::new(),
        phones: Vec::new(),
        address: String::new(),
        district: None,
        street: None,
        community: None,
        lon: None,
        lat: None,
        arrears_fen: 0,
    };
    for (value, column) in record.iter().zip(columns) {
        let value = value.trim();
        let Some(column) = column else { continue };
        match column {
            Column::CardNo => customer.card_no = value.to_owned(),
            Column::Name => customer.name = value.to_owned(),
            Column::Address => customer.address = value.to_owned(),
            Column::Phones => {
                customer.phones = value
                    .split([';', '/', '、', ',', '，', '；'])
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            Column::District => customer.district = Some(value.to_owned()),
            Column::Street => customer.street = Some(value.to_owned()),
            Column::Community => customer.community = Some(value.to_owned()),
            Column::Lon => customer.lon = parse_coordinate("lon", value)?,
            Column::Lat => customer.lat = parse_coordinate("lat", value)?,
            Column::ArrearsYuan if !value.is_empty() => {
                customer.arrears_fen = validate::yuan_to_fen("arrears", value)?;
            }
            Column::ArrearsYuan => {}
        }
    }
    Ok(customer)
}

fn parse_coordinate(field: &str, value: &str) -> Result<Option<f64>, Invalid> {
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse::<f64>()
        .map(Some)
        .map_err(|_| validate::invalid(field, format!("`{value}` is not a number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_headers_are_understood() {
        assert_eq!(column_for("交费卡号"), Some(Column::CardNo));
        assert_eq!(column_for("\u{feff}card_no"), Some(Column::CardNo));
        assert_eq!(column_for("欠费金额"), Some(Column::ArrearsYuan));
        assert_eq!(column_for("备注"), None);
    }

    #[test]
    fn rows_parse_phones_and_amounts() {
        let columns = vec![
            Some(Column::CardNo),
            Some(Column::Phones),
            Some(Column::ArrearsYuan),
            None,
        ];
        let record =
            csv::StringRecord::from(vec!["0101", "13812345678/0512-65231234", "12.50", "x"]);
        let customer = parse_row(&columns, &record).unwrap();
        assert_eq!(customer.phones, ["13812345678", "0512-65231234"]);
        assert_eq!(customer.arrears_fen, 1250);
        let bad = csv::StringRecord::from(vec!["0101", "", "12.5.0", ""]);
        assert_eq!(parse_row(&columns, &bad).unwrap_err().field, "arrears");
    }
}
