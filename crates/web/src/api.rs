use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::AppState;

/// Routes every known host answers.
pub fn common_router() -> Router<AppState> {
    Router::new()
        .route("/api/method/ping", get(ping).post(ping))
        .route("/api/openapi.json", get(crate::openapi::document))
}

/// Frappe's liveness method, which ERPNext clients call first.
#[utoipa::path(get, path = "/api/method/ping", tag = "common",
    responses((status = 200, description = "`{\"message\": \"pong\"}`", body = crate::api_user::Message)))]
pub async fn ping() -> Json<Value> {
    Json(json!({ "message": "pong" }))
}
