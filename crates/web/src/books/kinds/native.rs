//! The native API's handlers, generic over a declared kind: list, create, read, update, submit
//! and cancel under `/api/v1/<path>`. Each checks the permission its action needs, reads its
//! input strictly, and calls the kind's service.

#![allow(clippy::result_large_err)] // refusals are ready responses; their size does not matter here

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use tenantry_domain::Permission;

use super::declaration::{Editable, Kind, Submittable, Written};
use crate::books::caller::BooksCaller;
use crate::books::replies::{
    body, created, erp, list_query, ok, page, respond, unprocessable, ListParams, Res,
};
use crate::AppState;

/// The collection's path: `/api/v1/<path>`.
pub(super) fn collection<K: Kind>() -> String {
    format!("/api/v1/{}", K::INFO.path)
}

/// One record's path, its key a parameter.
pub(super) fn one<K: Kind>() -> String {
    format!("/api/v1/{}/{{{}}}", K::INFO.path, K::INFO.key)
}

pub(super) fn fixed<K: Kind>() -> Router<AppState> {
    Router::new()
        .route(&collection::<K>(), get(list::<K>).post(create::<K>))
        .route(&one::<K>(), get(read::<K>))
}

pub(super) fn master<K: Editable>() -> Router<AppState> {
    Router::new()
        .route(&collection::<K>(), get(list::<K>).post(create::<K>))
        .route(&one::<K>(), get(read::<K>).put(update::<K>))
}

pub(super) fn document<K: Submittable>() -> Router<AppState> {
    master::<K>()
        .route(&format!("{}/submit", one::<K>()), post(submit::<K>))
        .route(&format!("{}/cancel", one::<K>()), post(cancel::<K>))
}

async fn list<K: Kind>(c: BooksCaller, q: Result<Query<ListParams>, QueryRejection>) -> Response {
    respond(
        async {
            let (q, p) = list_query(q)?;
            page(K::list(&c.books, &q).await.map_err(erp)?, p)
        }
        .await,
    )
}

async fn create<K: Kind>(c: BooksCaller, b: Result<Json<K::Body>, JsonRejection>) -> Response {
    respond(
        async {
            c.require(K::INFO.write)?;
            let b = body(b)?;
            if b.submits() {
                c.require(Permission::ErpSubmit)?;
            }
            created(K::create(&c, b).await.map_err(erp)?)
        }
        .await,
    )
}

async fn read<K: Kind>(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(answer(K::read(&c.books, &name).await))
}

async fn update<K: Editable>(
    c: BooksCaller,
    Path(name): Path<String>,
    b: Result<Json<K::Change>, JsonRejection>,
) -> Response {
    respond(
        async {
            c.require(K::INFO.write)?;
            let b = body(b)?;
            if b.submits() {
                return Err(unprocessable(
                    "an update does not submit; POST …/{name}/submit afterwards",
                ));
            }
            answer(K::update(&c, &name, b).await)
        }
        .await,
    )
}

async fn submit<K: Submittable>(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(
        async {
            c.require(Permission::ErpSubmit)?;
            answer(K::submit(&c, &name).await)
        }
        .await,
    )
}

async fn cancel<K: Submittable>(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(
        async {
            c.require(Permission::ErpCancel)?;
            answer(K::cancel(&c, &name).await)
        }
        .await,
    )
}

fn answer<T: serde::Serialize>(r: Result<T, tenantry_erp::ErpError>) -> Res {
    ok(r.map_err(erp)?)
}
