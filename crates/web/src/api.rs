use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::AppState;

/// Routes every known host answers.
pub fn common_router() -> Router<AppState> {
    Router::new().route("/api/method/ping", get(ping).post(ping))
}

/// Frappe's liveness method, which ERPNext clients call first.
async fn ping() -> Json<Value> {
    Json(json!({ "message": "pong" }))
}
