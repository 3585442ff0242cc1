//! The peer of `bench/http.sh`: one axum handler that answers every GET with the same bytes, on the
//! same runtime and the same cores as `territoires serve`. What territoires' locate reaches against it
//! is the cost of everything territoires adds: routing, parsing, the lookup, its middleware and its
//! accept loop.
//!
//! Usage: `bare-axum ADDR BODY_FILE [CONTENT_TYPE]` (the body is an answer saved from the real server).

// A benchmark peer prints its address and its usage; nothing else writes.
#![allow(clippy::print_stdout)]

use std::process::ExitCode;

use axum::Router;
use axum::http::header;
use axum::routing::get;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(body_file)) = (args.next(), args.next()) else {
        eprintln!("usage: bare-axum ADDR BODY_FILE [CONTENT_TYPE]");
        return ExitCode::FAILURE;
    };
    let content_type = args.next().unwrap_or_else(|| "application/json".to_string());
    let body = match std::fs::read(&body_file) {
        Ok(bytes) => axum::body::Bytes::from(bytes),
        Err(e) => {
            eprintln!("error: {body_file}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let answer = move || {
        let body = body.clone();
        let content_type = content_type.clone();
        async move { ([(header::CONTENT_TYPE, content_type)], body) }
    };
    let app = Router::new().fallback(get(answer));
    let served = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .and_then(|runtime| {
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind(&addr).await?;
                println!("bare-axum on {}", listener.local_addr()?);
                axum::serve(listener, app).await
            })
        });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {addr}: {e}");
            ExitCode::FAILURE
        }
    }
}
