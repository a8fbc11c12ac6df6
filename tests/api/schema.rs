//! The two engines' migrations must end with the same tables and columns.

use crate::support::{Engine, drop_postgres_database, fresh_database};
use gasdesk_server::Db;

#[tokio::test]
async fn both_engines_have_the_same_tables_and_columns() {
    let (sqlite_url, _, _dir) = fresh_database(Engine::Sqlite).await.unwrap();
    let Some((pg_url, Some((admin, name)), _pg_dir)) = fresh_database(Engine::Postgres).await
    else {
        eprintln!("skipped: comparing schemas needs GASDESK_TEST_POSTGRES_URL");
        return;
    };
    let sqlite = Db::open(&sqlite_url).await.unwrap();
    let postgres = Db::open(&pg_url).await.unwrap();
    let a = sqlite.schema_columns().await.unwrap();
    let b = postgres.schema_columns().await.unwrap();
    postgres.close().await;
    drop_postgres_database(&admin, &name).await;
    assert!(a.len() > 40, "suspiciously few columns: {a:?}");
    let only_sqlite: Vec<_> = a.iter().filter(|c| !b.contains(c)).collect();
    let only_postgres: Vec<_> = b.iter().filter(|c| !a.contains(c)).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "only in SQLite: {only_sqlite:?}; only in PostgreSQL: {only_postgres:?}"
    );
}

#[tokio::test]
async fn migrating_twice_is_harmless_and_sqlite_runs_in_wal_with_foreign_keys() {
    let (url, _, _dir) = fresh_database(Engine::Sqlite).await.unwrap();
    let db = Db::open(&url).await.unwrap();
    db.migrate().await.unwrap();
    let Db::Sqlite(pool) = &db else {
        unreachable!()
    };
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(fk, 1);
    let err = Db::connect("mysql://localhost/x").await.unwrap_err();
    assert!(err.to_string().contains("sqlite://"), "{err}");
}
