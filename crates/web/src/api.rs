use axum::Json;
use serde_json::{json, Value};

/// Frappe's liveness method, which ERPNext clients call first.
#[utoipa::path(get, path = "/api/method/ping", tag = "common",
    responses((status = 200, description = "`{\"message\": \"pong\"}`", body = crate::api_user::Message)))]
pub async fn ping() -> Json<Value> {
    Json(json!({ "message": "pong" }))
}
