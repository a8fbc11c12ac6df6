//! The `gasdesk` command line: serve, migrate, add users, import customers.

use crate::config::Config;
use crate::db::audit::Actor;
use crate::{demo, http, state::AppState};
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use gasdesk_shared::Role;
use gasdesk_shared::api::NewUser;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// gasdesk: repair calls and field dispatch for a city gas utility.
///
/// Settings come from defaults, then the TOML file given with --config (or GASDESK_CONFIG),
/// then GASDESK_* environment variables (e.g. GASDESK_DATABASE_URL), then these flags.
#[derive(Debug, Parser)]
#[command(name = "gasdesk", version, propagate_version = true)]
pub struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, env = "GASDESK_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Database: sqlite://<file> (default sqlite://gasdesk.db) or postgres://user@host/db.
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API and the app (http://127.0.0.1:8080 by default).
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Import data files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export service areas or pipelines as GeoJSON (to standard output), e.g. for QGIS.
    #[command(subcommand)]
    Export(ExportCommand),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on, e.g. 0.0.0.0:8080; port 0 picks a free port.
    #[arg(long, value_name = "HOST:PORT")]
    addr: Option<SocketAddr>,
    /// Load the demo city (Suzhou) into an empty database and print its logins.
    #[arg(long)]
    demo: bool,
    /// How many customers the demo city gets.
    #[arg(long, value_name = "N")]
    demo_customers: Option<u32>,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input (one line).
    Add {
        username: String,
        /// admin, team_leader, dispatcher, repairer, patroller or manager.
        #[arg(long)]
        role: Role,
        /// Name shown in the app (defaults to the username).
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        phone: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Import the billing system's customer export (CSV with a header row). Bad rows are
    /// reported with their line numbers; good rows are kept.
    Customers { file: PathBuf },
    /// Replace all service areas with a GeoJSON FeatureCollection (properties: name, team,
    /// priority, district, street). A file with any problem is refused whole.
    Areas {
        file: PathBuf,
        /// Fix self-intersecting and badly oriented rings (each fix is reported).
        #[arg(long)]
        repair: bool,
    },
    /// Replace the pipeline network with a GeoJSON FeatureCollection (properties: patrol_area,
    /// team, pressure_class, material, diameter_mm). A file with any problem is refused whole.
    Pipelines { file: PathBuf },
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    Areas,
    Pipelines,
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let config = match load_config(&cli) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    init_tracing(&config.log);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(cli.command, config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = Config::load(cli.config.as_deref(), std::env::vars())?;
    if let Some(url) = &cli.database_url {
        config.database_url = url.clone();
    }
    if let Command::Serve(args) = &cli.command {
        if let Some(addr) = args.addr {
            config.addr = addr;
        }
        if let Some(n) = args.demo_customers {
            config.demo_customers = n;
        }
    }
    Ok(config)
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn execute(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(args) => serve(config, args.demo).await?,
        Command::Migrate => {
            let db = crate::open(&config).await?;
            println!(
                "database at {} is up to date",
                crate::db::redact_url(&config.database_url)
            );
            db.close().await;
        }
        Command::User(UserCommand::Add {
            username,
            role,
            display_name,
            phone,
        }) => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.lines().next().unwrap_or_default().to_owned();
            let db = crate::open(&config).await?;
            let user = crate::users::create(
                &db,
                Actor::SYSTEM,
                NewUser {
                    display_name: display_name.unwrap_or_else(|| username.clone()),
                    username,
                    password,
                    role,
                    phone,
                },
            )
            .await?;
            println!(
                "added {} ({}, {})",
                user.username,
                user.role,
                user.role.label_zh()
            );
            db.close().await;
        }
        Command::Import(ImportCommand::Customers { file }) => {
            return import_customers(&config, &file).await;
        }
        Command::Import(ImportCommand::Areas { file, repair }) => {
            return import_geojson(&config, &file, Some(repair)).await;
        }
        Command::Import(ImportCommand::Pipelines { file }) => {
            return import_geojson(&config, &file, None).await;
        }
        Command::Export(what) => {
            let db = crate::open(&config).await?;
            let doc = match what {
                ExportCommand::Areas => crate::routing::geo_data::export_areas(&db).await?,
                ExportCommand::Pipelines => crate::routing::geo_data::export_pipelines(&db).await?,
            };
            println!("{}", serde_json::to_string_pretty(&doc)?);
            db.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: Config, with_demo: bool) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let db = crate::open(&config).await?;
    if with_demo {
        match demo::load(&db, config.demo_customers).await? {
            demo::Outcome::Loaded(summary) => println!("{summary}"),
            demo::Outcome::AlreadyThere => {
                println!("the database already has data; the demo city was not loaded again")
            }
        }
        println!("{}", demo::logins_text());
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let addr = listener.local_addr()?;
    let state = AppState::ready(db.clone(), config).await?;
    // Kept alive for as long as the server runs.
    let _jobs = crate::scheduler::start(db.clone()).await?;
    tracing::info!(
        ready_in_ms = started.elapsed().as_millis() as u64,
        "server ready"
    );
    // Scripts and tests wait for this exact line.
    println!("gasdesk listening on http://{addr}");
    http::serve(state, listener, shutdown_signal()).await?;
    db.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}

/// Imports areas (`repair` given) or pipelines (`None`) and prints what happened.
async fn import_geojson(
    config: &Config,
    file: &PathBuf,
    repair: Option<bool>,
) -> anyhow::Result<ExitCode> {
    let doc = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let db = crate::open(config).await?;
    let indexes = crate::routing::Indexes::default();
    let result = match repair {
        Some(repair) => {
            crate::routing::geo_data::import_areas(&db, &indexes, Actor::SYSTEM, &doc, repair).await
        }
        None => {
            crate::routing::geo_data::import_pipelines(&db, &indexes, Actor::SYSTEM, &doc).await
        }
    };
    db.close().await;
    match result {
        Ok(report) => {
            println!(
                "imported {} feature(s) from {}",
                report.imported,
                file.display()
            );
            for repair in &report.repairs {
                println!("  repaired feature {}: {}", repair.feature, repair.reason);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(crate::error::AppError::Rejected { details, .. }) => {
            println!("refused {}: nothing was imported", file.display());
            let problems: Vec<gasdesk_shared::routing::FeatureIssue> =
                serde_json::from_value(details)?;
            for problem in problems {
                println!("  feature {}: {}", problem.feature, problem.reason);
            }
            Ok(ExitCode::from(3))
        }
        Err(e) => Err(e.into()),
    }
}

async fn import_customers(config: &Config, file: &PathBuf) -> anyhow::Result<ExitCode> {
    let input =
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    let db = crate::open(config).await?;
    // Progress by rows: estimate the total from the file size (about 100 bytes a row).
    let bar = indicatif::ProgressBar::new((size / 100).max(1));
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {pos} rows read [{elapsed_precise}] {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    // A running server indexes the new addresses at its next start.
    let report = crate::customers::import::import_csv(
        &db,
        None,
        Actor::SYSTEM,
        std::io::BufReader::new(input),
        |rows| bar.set_position(rows),
    )
    .await?;
    bar.finish_and_clear();
    println!(
        "imported {}: {} new, {} updated, {} rejected",
        file.display(),
        report.inserted,
        report.updated,
        report.rejected.len()
    );
    for row in &report.rejected {
        println!(
            "  line {}: {}{}",
            row.line,
            row.field
                .as_deref()
                .map(|f| format!("{f}: "))
                .unwrap_or_default(),
            row.message
        );
    }
    db.close().await;
    Ok(if report.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}
