//! Integration tests of the gasdesk API: the real server on port 0, spoken to over HTTP, on
//! SQLite always and on PostgreSQL when `GASDESK_TEST_POSTGRES_URL` is set (each test in a
//! fresh database).

mod support;

mod attachments;
mod auth;
mod callcenter;
mod catalog;
mod cli;
mod customers;
mod errors;
mod field;
mod followups;
mod live;
mod positions;
mod push;
mod push_service;
mod roles;
mod routing;
mod schema;
mod sync;
mod sync_simulation;
mod teams;
mod ticket_edit;
mod tickets;
