//! Development stand-in of the central service, for `make run` and the tests.
//!
//! Implements `docs/central-api.yaml` on loopback over mutual TLS: submissions and lookups
//! ([`routes`]), heartbeat and configuration pull ([`fleet`]), and a test-only fault layer
//! ([`faults`]). Rows live in SQLite. It logs numbers, keys and device ids, never personal data.
//!
//! Usage:
//!   `kiosk-central-dev --tls DIR [--listen 127.0.0.1:8787] [--data DIR] [--config-dir DIR]
//!    [--fault KIND [--fault-every N]]` — prints `listening on ADDR`;
//!   `kiosk-central-dev pki --out DIR [--device ID]…` — writes a development PKI.

mod faults;
mod fleet;
mod hall;
mod ratings;
mod routes;
mod staff;
mod station;
mod tls;
mod transitions;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use axum::routing::{get, post};
use axum::{Extension, Router};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;

use faults::{Fault, Faults};
use routes::{AppState, Device};
use station::{Station, StationFault};

struct Options {
    listen: SocketAddr,
    data: PathBuf,
    tls: PathBuf,
    config_dir: Option<PathBuf>,
    fault: Option<Fault>,
    every: usize,
    station_fault: Option<StationFault>,
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: kiosk-central-dev --tls DIR [--listen ADDR] [--data DIR] [--config-dir DIR] [--fault {}] [--fault-every N] [--station-fault {}]\n       kiosk-central-dev pki --out DIR [--device ID]...",
        faults::KINDS,
        station::FAULTS
    );
    ExitCode::FAILURE
}

fn parse(args: Vec<String>) -> Option<Options> {
    let mut o = Options {
        listen: ([127, 0, 0, 1], 8787).into(),
        data: PathBuf::from("var/central"),
        tls: PathBuf::new(),
        config_dir: None,
        fault: None,
        every: 2,
        station_fault: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let value = args.next()?;
        match arg.as_str() {
            "--listen" => o.listen = value.parse().ok()?,
            "--data" => o.data = PathBuf::from(value),
            "--tls" => o.tls = PathBuf::from(value),
            "--config-dir" => o.config_dir = Some(PathBuf::from(value)),
            "--fault" => o.fault = Some(Fault::parse(&value)?),
            "--fault-every" => o.every = value.parse().ok().filter(|n| *n > 0)?,
            "--station-fault" => o.station_fault = Some(StationFault::parse(&value)?),
            _ => return None,
        }
    }
    (!o.tls.as_os_str().is_empty()).then_some(o)
}

/// `pki --out DIR [--device ID]…`
fn write_pki(args: &[String]) -> ExitCode {
    let mut out = None;
    let mut devices = Vec::new();
    for pair in args.chunks(2) {
        match pair {
            [flag, v] if flag == "--out" => out = Some(PathBuf::from(v)),
            [flag, v] if flag == "--device" => devices.push(v.as_str()),
            _ => return usage(),
        }
    }
    let Some(out) = out else { return usage() };
    match kiosk::dev::pki::write_dev_pki(&out, &devices) {
        Ok(()) => {
            println!("development PKI written to {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("pki") {
        return write_pki(&args[1..]);
    }
    let Some(options) = parse(args) else {
        return usage();
    };
    let tls = match tls::load(&options.tls) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("TLS: {e} (make one with `kiosk-central-dev pki --out DIR --device ID`)");
            return ExitCode::FAILURE;
        }
    };
    let db = match routes::open(&options.data) {
        Ok(c) => Arc::new(Mutex::new(c)),
        Err(e) => {
            eprintln!("cannot open {}: {e}", options.data.display());
            return ExitCode::FAILURE;
        }
    };
    let faults = Faults::new(options.fault, options.every);
    let app = Router::new()
        .route("/v1/submissions", post(faults::submit_with_faults))
        .route("/v1/submissions/{key}", get(routes::lookup))
        .route("/v1/applications/{number}", get(routes::application))
        .route("/v1/applications/{number}/payment", post(hall::fee_payment))
        .route("/v1/devices/{id}/heartbeat", post(fleet::heartbeat))
        .route("/v1/devices/{id}/config", get(fleet::config))
        .route(
            "/v1/devices/{id}/commands/{command_id}/result",
            post(fleet::command_result),
        )
        .route("/v1/ratings", post(ratings::report))
        .route("/v1/ratings/summary", get(ratings::summary_route))
        .route("/v1/staff-calls", post(staff::raise).get(staff::open))
        .route("/v1/staff-calls/{id}/close", post(staff::close))
        .route("/v1/people/documents", post(station::documents))
        .route("/v1/people/appointment", post(hall::appointment))
        .route("/v1/endorsements/eligibility", post(station::eligibility))
        .route("/v1/endorsements/approved", post(station::approved))
        .route("/v1/endorsements/records", post(station::records))
        .route("/v1/payments", post(station::create_payment))
        .route("/v1/payments/{id}", get(station::payment))
        .route("/v1/payments/{id}/cancel", post(station::cancel_payment))
        .route("/v1/issuance", post(station::issue))
        .route("/v1/issuance/{id}/confirmation", post(station::confirm))
        .route("/v1/endorsements/transitions", post(transitions::report))
        .route(
            "/v1/endorsements/{txn_id}/transitions",
            get(transitions::journal),
        )
        .layer(Extension(Station::new(options.station_fault)))
        .layer(Extension(transitions::Journals::default()))
        .layer(Extension(staff::Calls::default()))
        .layer(Extension(faults.clone()))
        .with_state(AppState {
            db,
            config_dir: options.config_dir,
        });
    let listener = match tokio::net::TcpListener::bind(options.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", options.listen);
            return ExitCode::FAILURE;
        }
    };
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    println!("listening on {addr}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                continue;
            }
        };
        // Answers go out in several small TLS records: with Nagle's algorithm each would wait
        // for the client's delayed ACK (~40 ms per request on loopback).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(%peer, error = %e, "TCP_NODELAY not set");
        }
        let config = if faults.refuse_connection() {
            tls.refusing.clone()
        } else {
            tls.normal.clone()
        };
        let app = app.clone();
        let keep_alive = !faults.one_request_per_connection();
        tokio::spawn(async move {
            let stream = match tokio_rustls::TlsAcceptor::from(config).accept(tcp).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(%peer, error = %e, "TLS handshake refused");
                    return;
                }
            };
            let Some(device) = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(tls::common_name)
            else {
                tracing::warn!(%peer, "client certificate without a common name");
                return;
            };
            let service = TowerToHyperService::new(app.layer(Extension(Device(device))));
            let served = hyper::server::conn::http1::Builder::new()
                .keep_alive(keep_alive)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(e) = served {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
        });
    }
}
