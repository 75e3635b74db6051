//! The `zonmart` binary: `serve` (default), `migrate`, `create-admin`, `demo`.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use zonmart_adapters::{Database, PoolOptions};
use zonmart_api::startup::StartupError;
use zonmart_api::state::AppState;
use zonmart_api::{demo, telemetry, Application, Settings};
use zonmart_app::{DemoError, StoreContents};
use zonmart_domain::{Password, Username};

/// mimalloc rather than glibc's malloc: under load glibc's per-thread cache
/// (7 chunks per size) kept overflowing into its arenas, and allocation took
/// a sixth of the server's CPU per order (perf). Measured in bench/changes.md
/// (`b9b4f83`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Zonmart: an e-commerce backend (users, products, orders) over PostgreSQL or embedded SQLite.
#[derive(Parser)]
#[command(name = "zonmart", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an admin user (or leave an existing user of that name alone).
    CreateAdmin {
        #[arg(long)]
        username: String,
        /// Read from ZONMART_NEW_ADMIN_PASSWORD if not given.
        #[arg(long, env = "ZONMART_NEW_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Fill an empty database with a demo shop (an admin, two customers, products, orders) and exit.
    Demo(DemoArgs),
}

#[derive(Args, Default)]
struct ServeArgs {
    /// Write the demo shop first (see `zonmart demo`); a database already holding it is served as it is.
    #[arg(long)]
    demo: bool,
    /// With --demo: on the demo's own database, add what is missing and set new passwords.
    #[arg(long, requires = "demo")]
    force: bool,
}

#[derive(Args)]
struct DemoArgs {
    /// On a database the demo made: add what is missing and set new passwords.
    /// A database with anyone else's data is refused all the same.
    #[arg(long)]
    force: bool,
}

#[actix_web::main]
async fn main() -> ExitCode {
    // A missing .env is normal; a broken one is worth saying.
    let dotenv = dotenvy::dotenv();
    let cli = Cli::parse();
    telemetry::init(&cli.settings.log, cli.settings.log_format);
    if let Err(e) = dotenv {
        if !e.not_found() {
            tracing::warn!(error = %e, ".env could not be read");
        }
    }
    let result = match cli.settings.validated() {
        Err(e) => Err(StartupError::Config(e)),
        Ok(settings) => match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
            Command::Serve(args) => serve(settings, args).await,
            Command::Demo(args) => seed_demo(&settings, args.force).await,
            Command::Migrate => migrate(&settings).await,
            Command::CreateAdmin { username, password } => create_admin(&settings, &username, &password).await,
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("zonmart: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings, args: ServeArgs) -> Result<(), StartupError> {
    let bind = settings.bind.clone();
    let database = demo::database_label(&settings.database_url);
    let state = AppState::wire(Application::connect(&settings).await?, &settings).map_err(StartupError::Wiring)?;
    if args.demo {
        match demo::seed(&state, args.force).await {
            Ok(report) => print!("{}", demo::describe(&report, &database)),
            Err(DemoError::AlreadySeeded { admin }) => {
                tracing::info!("the demo shop is there already (admin `{admin}`): serving it as it is");
            }
            Err(e) => return Err(e.into()),
        }
    }
    let contents = state.demo.contents().await.map_err(|e| StartupError::Demo(e.into()))?;
    let admin = match (&contents, &settings.admin_username) {
        (StoreContents::Demo { admin }, _) => format!("`{admin}` (made by the demo)"),
        (_, Some(name)) => format!("`{name}` (ZONMART_ADMIN_USERNAME)"),
        (_, None) => "none configured (ZONMART_ADMIN_USERNAME, or `zonmart create-admin`)".to_owned(),
    };
    let app = Application::build_with_state(settings, state).await?;
    let host = bind.rsplit_once(':').map(|(h, _)| h).unwrap_or("127.0.0.1");
    let base = format!("http://{host}:{}", app.port());
    tracing::info!(
        %database,
        %contents,
        "Zonmart listening on {base}; database {database} ({contents}); admin {admin}; API docs at {base}/docs"
    );
    app.run_until_stopped().await.map_err(|source| StartupError::Bind { address: bind, source })?;
    tracing::info!("Zonmart stopped");
    Ok(())
}

async fn seed_demo(settings: &Settings, force: bool) -> Result<(), StartupError> {
    let state = AppState::wire(connect(settings).await?, settings).map_err(StartupError::Wiring)?;
    let report = demo::seed(&state, force).await?;
    print!("{}", demo::describe(&report, &demo::database_label(&settings.database_url)));
    Ok(())
}

async fn connect(settings: &Settings) -> Result<Database, StartupError> {
    let db = Database::connect(&settings.database_url, PoolOptions::default()).await?;
    db.migrate().await?;
    Ok(db)
}

async fn migrate(settings: &Settings) -> Result<(), StartupError> {
    connect(settings).await?;
    tracing::info!("migrations applied");
    Ok(())
}

async fn create_admin(settings: &Settings, username: &str, password: &str) -> Result<(), StartupError> {
    let username = Username::parse(username).map_err(|e| StartupError::Admin(format!("--username {e}")))?;
    let password = Password::parse(password).map_err(|e| StartupError::Admin(format!("--password {e}")))?;
    let state = AppState::wire(connect(settings).await?, settings).map_err(StartupError::Wiring)?;
    let name = username.as_str().to_owned();
    match state.auth.ensure_admin(username, password).await {
        Ok(true) => println!("admin `{name}` created"),
        Ok(false) => println!("a user named `{name}` already exists; left unchanged"),
        Err(e) => return Err(StartupError::Admin(e.to_string())),
    }
    Ok(())
}
