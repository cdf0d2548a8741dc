//! Frappe's client API as integrations call it: `cmd=<method>` with form-encoded arguments on the
//! client host's `/` (what the `frappe-client` Python package and older Frappe clients send), and
//! `/api/method/<method>`, for `frappe.client.get_list`, `get_count`, `get`, `get_value`,
//! `set_value`, `insert`, `insert_many`, `save`, `submit`, `cancel` and `delete`, plus `login` and
//! `logout` on `/`.
//!
//! Each method runs the REST surface's own code (list, read, create, update) and asks the same
//! permission; answers are ERPNext's: `{"message": …}` (`{}` for `delete`), and errors in
//! Frappe's shape. Methods that write take POST (or PUT; DELETE for `delete`), as Frappe's
//! `@frappe.whitelist(methods=…)` says, so a link or an image cannot write; with a session cookie
//! they need the session's CSRF token (`X-Frappe-CSRF-Token`), as every write on `/api` does.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Extension, Json, Router};
use serde::Serialize;
use tenantry_domain::Permission;
use tenantry_erp::drafts::DraftKind;
use tenantry_erp::ErpError;

use super::body::{form_pairs, is_form, utf8};
use super::doc::{Doc, V};
use super::doctypes::Doctype;
use super::errors::{doctype_of, erp_error, frappe_error, need, FrappeCaller};
use super::json::{invalid, J};
use super::list::{invoice_kind, list_rows, ResourceQuery};
use super::read::read_doc;
use super::write::{create_doc, update_doc, write_permission};
use super::MAX_PAGE;
use crate::books::BooksCaller;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/method/{method}", any(api_method))
        // Frappe's Python client asks for `/api/method/<method>/`.
        .route("/api/method/{method}/", any(api_method))
}

/// `/api/method/<method>`: the method from the path, its arguments from the query string and
/// the body.
pub async fn api_method(
    State(state): State<AppState>,
    Path(method): Path<String>,
    req: Request,
) -> Response {
    call(&state, Some(method), req).await
}

/// The client host's `/`: a request carrying `cmd` (any POST, or a GET with `cmd` in its query)
/// is Frappe's RPC; anything else (the space's home page in a browser) goes on.
pub async fn root(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.uri().path() != "/" {
        return next.run(req).await;
    }
    let rpc = match *req.method() {
        Method::POST => true,
        Method::GET | Method::HEAD => req.uri().query().is_some_and(|q| {
            form_pairs(q.as_bytes()).map_or(true, |pairs| {
                pairs
                    .iter()
                    .any(|(k, v)| k == "cmd" && !v.trim().is_empty())
            })
        }),
        _ => false,
    };
    if !rpc {
        return next.run(req).await;
    }
    call(&state, None, req).await
}

/// The methods, and what each is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rpc {
    GetList,
    GetCount,
    Get,
    GetValue,
    SetValue,
    Insert,
    InsertMany,
    Save,
    Submit,
    Cancel,
    Delete,
}

impl Rpc {
    fn parse(method: &str) -> Option<Rpc> {
        Some(match method {
            "frappe.client.get_list" => Rpc::GetList,
            "frappe.client.get_count" => Rpc::GetCount,
            "frappe.client.get" => Rpc::Get,
            "frappe.client.get_value" => Rpc::GetValue,
            "frappe.client.set_value" => Rpc::SetValue,
            "frappe.client.insert" => Rpc::Insert,
            "frappe.client.insert_many" => Rpc::InsertMany,
            "frappe.client.save" => Rpc::Save,
            "frappe.client.submit" => Rpc::Submit,
            "frappe.client.cancel" => Rpc::Cancel,
            "frappe.client.delete" => Rpc::Delete,
            _ => return None,
        })
    }

    fn writes(self) -> bool {
        !matches!(
            self,
            Rpc::GetList | Rpc::GetCount | Rpc::Get | Rpc::GetValue
        )
    }

    /// The HTTP methods Frappe whitelists it for.
    fn allows(self, m: &Method) -> bool {
        match self {
            Rpc::GetList | Rpc::GetCount | Rpc::Get | Rpc::GetValue => matches!(
                *m,
                Method::GET | Method::HEAD | Method::POST | Method::PUT | Method::DELETE
            ),
            Rpc::Delete => matches!(*m, Method::POST | Method::DELETE),
            _ => matches!(*m, Method::POST | Method::PUT),
        }
    }
}

/// The largest body a method takes (axum's default limit for a body read whole).
const MAX_BODY: usize = 2 * 1024 * 1024;

/// A method's arguments: the query string's, then the body's (a form, or a JSON object whose
/// values may be JSON themselves rather than JSON text).
type Args = BTreeMap<String, J>;

async fn call(state: &AppState, path_method: Option<String>, req: Request) -> Response {
    let (mut parts, body) = req.into_parts();
    // Refusals are JSON here, never the sign-in page a browser at `/` would be sent to.
    parts
        .headers
        .insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return erp_error(invalid("the body is too large or was cut short")),
    };
    let args = match read_args(parts.uri.query(), &parts.headers, &bytes) {
        Ok(a) => a,
        Err(e) => return erp_error(e),
    };
    let method = match path_method {
        Some(m) => m,
        None => match args.get("cmd") {
            Some(J::Str(m)) if !m.trim().is_empty() => m.trim().to_owned(),
            _ => {
                return frappe_error(
                    StatusCode::EXPECTATION_FAILED,
                    "ValidationError",
                    "send the method to call as cmd",
                )
            }
        },
    };
    // Signing in and out on `/`, as Frappe's Python client does (`/api/method/login` and
    // `/api/method/logout` have routes of their own).
    if matches!(method.as_str(), "login" | "logout") {
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        return if method == "login" && req.method() == Method::POST {
            let tenant = req.extensions().get().cloned().map(Extension);
            let connect = req.extensions().get().cloned().map(Extension);
            super::login(State(state.clone()), tenant, connect, req).await
        } else if method == "logout" {
            super::logout(State(state.clone()), req).await
        } else {
            not_permitted()
        };
    }
    let Some(rpc) = Rpc::parse(&method) else {
        return frappe_error(
            StatusCode::NOT_FOUND,
            "DoesNotExistError",
            &format!("the method {method:?} is not available here"),
        );
    };
    let FrappeCaller(c) = match FrappeCaller::from_request_parts(&mut parts, state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !rpc.allows(&parts.method) {
        return not_permitted();
    }
    if rpc.writes() && !csrf_ok(&c, &parts.headers) {
        return frappe_error(
            StatusCode::FORBIDDEN,
            "PermissionError",
            "missing or wrong X-Frappe-CSRF-Token: a write made with a session cookie sends the token the sign-in returned",
        );
    }
    match run(&c, rpc, &args).await {
        Ok(r) | Err(r) => r,
    }
}

/// Frappe's refusal of a method called with an HTTP method it is not whitelisted for.
fn not_permitted() -> Response {
    frappe_error(StatusCode::FORBIDDEN, "PermissionError", "Not permitted")
}

/// A write made with a session cookie carries the session's CSRF token; a token or an API key is
/// no ambient credential and needs none.
fn csrf_ok(c: &BooksCaller, headers: &HeaderMap) -> bool {
    let Some(session) = &c.user.session else {
        return true;
    };
    headers
        .get("x-frappe-csrf-token")
        .or_else(|| headers.get("x-csrf-token"))
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            tenantry_auth::constant_time_eq(t.as_bytes(), session.csrf_token.as_bytes())
        })
}

fn read_args(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Result<Args, ErpError> {
    let mut args = Args::new();
    for (k, v) in form_pairs(query.unwrap_or_default().as_bytes())? {
        args.insert(k, J::Str(v));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(args);
    }
    if is_form(headers) {
        for (k, v) in form_pairs(body)? {
            args.insert(k, J::Str(v));
        }
        return Ok(args);
    }
    match J::parse(utf8(body)?).map_err(invalid)? {
        J::Obj(map) => args.extend(map),
        other => {
            return Err(invalid(format!(
                "the arguments are sent as a form or a JSON object, not {}",
                other.kind()
            )))
        }
    }
    Ok(args)
}

/// JSON text of a value as sent.
fn json_text(j: &J) -> String {
    match j {
        J::Null => "null".into(),
        J::Bool(b) => b.to_string(),
        J::Num(n) => n.clone(),
        J::Str(s) => serde_json::Value::from(s.as_str()).to_string(),
        J::Arr(items) => format!(
            "[{}]",
            items.iter().map(json_text).collect::<Vec<_>>().join(",")
        ),
        J::Obj(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}:{}", serde_json::Value::from(k.as_str()), json_text(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// An argument as the text a form would carry it in (JSON text for lists and objects).
fn raw(args: &Args, key: &str) -> Option<String> {
    match args.get(key)? {
        J::Null => None,
        J::Str(s) => Some(s.clone()),
        other => Some(json_text(other)),
    }
}

/// A text argument, required.
fn text(args: &Args, key: &str) -> Result<String, Response> {
    match args.get(key) {
        Some(J::Str(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        Some(J::Str(_) | J::Null) | None => Err(erp_error(invalid(format!("{key} is required")))),
        Some(other) => Err(erp_error(invalid(format!(
            "{key} must be text, not {}",
            other.kind()
        )))),
    }
}

/// A JSON argument: JSON text (as a form sends it) or JSON itself (in a JSON body).
fn json(args: &Args, key: &str) -> Result<Option<J>, Response> {
    match args.get(key) {
        None | Some(J::Null) => Ok(None),
        Some(J::Str(s)) => J::parse(s)
            .map(Some)
            .map_err(|e| erp_error(invalid(format!("{key}: {e}")))),
        Some(other) => Ok(Some(other.clone())),
    }
}

/// Python's truth of a flag argument (`as_dict`): absent is `default`.
fn truthy(args: &Args, key: &str, default: bool) -> bool {
    match args.get(key) {
        None | Some(J::Null) => default,
        Some(J::Bool(b)) => *b,
        Some(J::Str(s)) => !matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "false" | "none" | "null"
        ),
        Some(j) => !j.is_blank(),
    }
}

/// `{"message": …}`, serialised straight to the body (exact numbers stay exact).
fn message(v: impl Serialize) -> Response {
    #[derive(Serialize)]
    struct Message<T> {
        message: T,
    }
    Json(Message { message: v }).into_response()
}

async fn run(c: &BooksCaller, rpc: Rpc, args: &Args) -> Result<Response, Response> {
    match rpc {
        Rpc::GetList => {
            let d = doctype_of(&text(args, "doctype")?)?;
            let q = list_query_of(args);
            let rows = list_rows(c, d, &q).await?;
            if truthy(args, "as_dict", true) {
                Ok(message(rows))
            } else {
                Ok(message(rows.into_iter().map(values).collect::<Vec<_>>()))
            }
        }
        Rpc::GetCount => {
            let d = doctype_of(&text(args, "doctype")?)?;
            let filters = raw(args, "filters");
            let mut count = 0usize;
            loop {
                let q = ResourceQuery {
                    filters: filters.clone(),
                    limit_start: Some(count.to_string()),
                    limit_page_length: Some(MAX_PAGE.to_string()),
                    ..ResourceQuery::default()
                };
                let n = list_rows(c, d, &q).await?.len();
                count += n;
                if (n as i64) < MAX_PAGE {
                    break;
                }
            }
            Ok(message(count))
        }
        Rpc::Get => {
            let d = doctype_of(&text(args, "doctype")?)?;
            let name = match raw(args, "name").filter(|n| !n.trim().is_empty()) {
                Some(n) => n,
                None => first_name(c, d, args).await?,
            };
            Ok(message(read_doc(c, d, &name).await?))
        }
        Rpc::GetValue => get_value(c, args).await,
        Rpc::SetValue => set_value(c, args).await,
        Rpc::Insert => {
            let doc = json(args, "doc")?.ok_or_else(|| erp_error(invalid("doc is required")))?;
            Ok(message(insert(c, doc).await?))
        }
        Rpc::InsertMany => insert_many(c, args).await,
        Rpc::Save => {
            let doc = json(args, "doc")?.ok_or_else(|| erp_error(invalid("doc is required")))?;
            Ok(message(save(c, doc, None).await?))
        }
        Rpc::Submit => {
            // `doc`; `doclist` in older clients (Frappe's Python client among them).
            let doc = match json(args, "doc")? {
                Some(d) => d,
                None => {
                    json(args, "doclist")?.ok_or_else(|| erp_error(invalid("doc is required")))?
                }
            };
            Ok(message(save(c, doc, Some(1)).await?))
        }
        Rpc::Cancel => {
            let d = doctype_of(&text(args, "doctype")?)?;
            let name = text(args, "name")?;
            let body = J::Obj(BTreeMap::from([(
                "docstatus".to_owned(),
                J::Num("2".into()),
            )]));
            Ok(message(update_doc(c, d, &name, body).await?))
        }
        Rpc::Delete => {
            let d = doctype_of(&text(args, "doctype")?)?;
            let name = text(args, "name")?;
            delete(c, d, &name).await?;
            Ok(Json(serde_json::json!({})).into_response())
        }
    }
}

fn list_query_of(args: &Args) -> ResourceQuery {
    ResourceQuery {
        fields: raw(args, "fields"),
        filters: raw(args, "filters"),
        order_by: raw(args, "order_by"),
        limit_start: raw(args, "limit_start"),
        limit_page_length: raw(args, "limit_page_length"),
        limit: raw(args, "limit"),
        or_filters: raw(args, "or_filters"),
        group_by: raw(args, "group_by"),
    }
}

/// A row's values in order (`as_dict=0`).
fn values(d: Doc) -> Vec<V> {
    d.0.into_iter().map(|(_, v)| v).collect()
}

/// The name of the first document `filters` match (`frappe.client.get` without a name).
async fn first_name(c: &BooksCaller, d: Doctype, args: &Args) -> Result<String, Response> {
    let q = ResourceQuery {
        filters: raw(args, "filters"),
        limit_page_length: Some("1".into()),
        ..ResourceQuery::default()
    };
    let rows = list_rows(c, d, &q).await?;
    rows.into_iter()
        .next()
        .and_then(|row| {
            row.0.into_iter().find_map(|(k, v)| match (k.as_str(), v) {
                ("name", V::Str(n)) => Some(n),
                _ => None,
            })
        })
        .ok_or_else(|| {
            frappe_error(
                StatusCode::NOT_FOUND,
                "DoesNotExistError",
                &format!("{} not found", d.name()),
            )
        })
}

/// `frappe.client.get_value(doctype, fieldname, filters, as_dict)`: `filters` is a document's
/// name or Frappe's filters; `fieldname` one field or a JSON list of them.
async fn get_value(c: &BooksCaller, args: &Args) -> Result<Response, Response> {
    let d = doctype_of(&text(args, "doctype")?)?;
    let fields: Vec<String> = match args.get("fieldname") {
        None | Some(J::Null) => vec!["name".into()],
        Some(J::Arr(items)) => json_fields(items)?,
        Some(J::Str(s)) => match J::parse(s) {
            Ok(J::Arr(items)) => json_fields(&items)?,
            Ok(J::Str(f)) => vec![f],
            _ => vec![s.clone()],
        },
        Some(other) => {
            return Err(erp_error(invalid(format!(
                "fieldname must be text or a list, not {}",
                other.kind()
            ))))
        }
    };
    let filters = match args.get("filters") {
        None | Some(J::Null) => None,
        Some(J::Str(s)) if s.trim().is_empty() => None,
        Some(J::Str(s)) => match J::parse(s) {
            Ok(J::Null) => None,
            Ok(J::Str(name)) => Some(name_filter(&name)),
            Ok(j @ (J::Obj(_) | J::Arr(_))) => Some(json_text(&j)),
            // Not JSON: a document's name.
            _ => Some(name_filter(s)),
        },
        Some(j @ (J::Obj(_) | J::Arr(_))) => Some(json_text(j)),
        Some(other) => {
            return Err(erp_error(invalid(format!(
                "filters must be a name, a list or an object, not {}",
                other.kind()
            ))))
        }
    };
    let q = ResourceQuery {
        fields: Some(json_text(&J::Arr(
            fields.iter().cloned().map(J::Str).collect(),
        ))),
        filters,
        limit_page_length: Some("1".into()),
        ..ResourceQuery::default()
    };
    let row = list_rows(c, d, &q).await?.into_iter().next();
    if truthy(args, "as_dict", true) {
        return Ok(match row {
            Some(row) => message(row),
            None => message(serde_json::json!({})),
        });
    }
    Ok(match row {
        None => Json(serde_json::json!({})).into_response(),
        Some(row) if fields.len() == 1 => message(values(row).into_iter().next()),
        Some(row) => message(values(row)),
    })
}

fn json_fields(items: &[J]) -> Result<Vec<String>, Response> {
    items
        .iter()
        .map(|i| match i {
            J::Str(f) => Ok(f.clone()),
            other => Err(erp_error(invalid(format!(
                "fieldname: each field is text, not {}",
                other.kind()
            )))),
        })
        .collect()
}

fn name_filter(name: &str) -> String {
    json_text(&J::Arr(vec![J::Arr(vec![
        J::Str("name".into()),
        J::Str("=".into()),
        J::Str(name.trim().to_owned()),
    ])]))
}

/// Frappe's standard fields, which `set_value` never edits.
const STANDARD_FIELDS: &[&str] = &[
    "doctype",
    "name",
    "owner",
    "creation",
    "modified",
    "modified_by",
    "docstatus",
    "idx",
    "parent",
    "parentfield",
    "parenttype",
];

/// `frappe.client.set_value(doctype, name, fieldname, value)`: one field, or (without a value)
/// a JSON object of fields, saved as a PUT of those fields would save them.
async fn set_value(c: &BooksCaller, args: &Args) -> Result<Response, Response> {
    let d = doctype_of(&text(args, "doctype")?)?;
    let name = text(args, "name")?;
    let fieldname = match args.get("fieldname") {
        Some(J::Str(f)) if !f.trim().is_empty() => J::Str(f.clone()),
        Some(j @ J::Obj(_)) => j.clone(),
        _ => return Err(erp_error(invalid("fieldname is required"))),
    };
    if let J::Str(f) = &fieldname {
        if STANDARD_FIELDS.contains(&f.trim()) {
            return Err(erp_error(invalid("Cannot edit standard fields")));
        }
    }
    let value = args.get("value").filter(|v| match v {
        J::Str(s) => !s.is_empty(),
        other => !other.is_blank(),
    });
    let values = match (value, fieldname) {
        (Some(v), J::Str(f)) => J::Obj(BTreeMap::from([(f.trim().to_owned(), v.clone())])),
        (_, J::Obj(m)) => J::Obj(m),
        (None, J::Str(f)) => match J::parse(&f) {
            Ok(j @ J::Obj(_)) => j,
            _ => J::Obj(BTreeMap::from([(
                f.trim().to_owned(),
                J::Str(String::new()),
            )])),
        },
        (_, other) => {
            return Err(erp_error(invalid(format!(
                "fieldname must be text, not {}",
                other.kind()
            ))))
        }
    };
    Ok(message(update_doc(c, d, &name, values).await?))
}

/// The DocType a document names.
fn doctype_in(doc: &J) -> Result<Doctype, Response> {
    match doc {
        J::Obj(m) => match m.get("doctype") {
            Some(J::Str(d)) => doctype_of(d),
            _ => Err(erp_error(invalid("the document names its doctype"))),
        },
        other => Err(erp_error(invalid(format!(
            "a document is a JSON object, not {}",
            other.kind()
        )))),
    }
}

/// A child row (`parent`, `parenttype`) is written through its parent document, never alone.
fn refuse_child(doc: &J) -> Result<(), Response> {
    if let J::Obj(m) = doc {
        if m.get("parenttype").is_some_and(|p| !p.is_blank()) {
            return Err(erp_error(invalid(
                "child rows are written with their parent document: save the parent",
            )));
        }
    }
    Ok(())
}

async fn insert(c: &BooksCaller, doc: J) -> Result<Doc, Response> {
    let d = doctype_in(&doc)?;
    refuse_child(&doc)?;
    create_doc(c, d, doc).await
}

/// The most documents one `insert_many` takes, as Frappe.
const MAX_INSERT_MANY: usize = 200;

/// `frappe.client.insert_many(docs)`: the names inserted. Every document's DocType and the
/// caller's right to write it are checked before the first is written; each is then written in
/// its own transaction, so a refusal part way through keeps the ones before it, and says which.
async fn insert_many(c: &BooksCaller, args: &Args) -> Result<Response, Response> {
    let docs = match json(args, "docs")? {
        Some(J::Arr(docs)) => docs,
        Some(other) => {
            return Err(erp_error(invalid(format!(
                "docs is a list of documents, not {}",
                other.kind()
            ))))
        }
        None => return Err(erp_error(invalid("docs is required"))),
    };
    if docs.len() > MAX_INSERT_MANY {
        return Err(erp_error(invalid(format!(
            "Only {MAX_INSERT_MANY} inserts allowed in one request"
        ))));
    }
    for doc in &docs {
        let d = doctype_in(doc)?;
        refuse_child(doc)?;
        write_permission(c, d)?;
        if let J::Obj(m) = doc {
            if matches!(m.get("docstatus"), Some(J::Num(n)) if n == "1") {
                need(c, Permission::ErpSubmit)?;
            }
        }
    }
    let mut names: Vec<String> = Vec::with_capacity(docs.len());
    for (n, doc) in docs.into_iter().enumerate() {
        let d = doctype_in(&doc)?;
        match create_doc(c, d, doc).await {
            Ok(created) => names.push(name_of(&created)),
            Err(r) if names.is_empty() => return Err(r),
            Err(r) => {
                let prefix = format!(
                    "document {} was not inserted; the {} before it were: {}",
                    n + 1,
                    names.len(),
                    names.join(", ")
                );
                return Err(with_prefix(r, &prefix).await);
            }
        }
    }
    Ok(message(names))
}

fn name_of(doc: &Doc) -> String {
    doc.0
        .iter()
        .find_map(|(k, v)| match (k.as_str(), v) {
            ("name", V::Str(n)) => Some(n.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// A Frappe refusal with `prefix` before its message, status and `exc_type` kept.
async fn with_prefix(res: Response, prefix: &str) -> Response {
    let status = res.status();
    let body = axum::body::to_bytes(res.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let exc_type = v["exc_type"]
        .as_str()
        .unwrap_or("ValidationError")
        .to_owned();
    let message = v["_server_messages"]
        .as_str()
        .and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
        .and_then(|l| l.into_iter().next())
        .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok())
        .and_then(|m| m["message"].as_str().map(str::to_owned))
        .unwrap_or_default();
    frappe_error(status, &exc_type, &format!("{prefix}: {message}"))
}

/// `frappe.client.save(doc)` (and `submit`, with `docstatus` 1): a document with a name is
/// updated, a new one (no name, or `__islocal`) inserted.
async fn save(c: &BooksCaller, doc: J, docstatus: Option<i64>) -> Result<Doc, Response> {
    let d = doctype_in(&doc)?;
    refuse_child(&doc)?;
    let J::Obj(mut m) = doc else {
        return Err(erp_error(invalid("a document is a JSON object")));
    };
    if let Some(s) = docstatus {
        m.insert("docstatus".into(), J::Num(s.to_string()));
    }
    let is_new = m.get("__islocal").is_some_and(|l| !l.is_blank());
    let name = match m.get("name") {
        Some(J::Str(n)) if !n.trim().is_empty() && !is_new => Some(n.trim().to_owned()),
        _ => None,
    };
    match name {
        Some(name) => update_doc(c, d, &name, J::Obj(m)).await,
        None => create_doc(c, d, J::Obj(m)).await,
    }
}

/// DELETE `/api/resource/<DocType>/<name>`: as `frappe.client.delete`, answered as ERPNext does
/// (202, `{"message": "ok"}`).
pub async fn delete_resource(
    FrappeCaller(c): FrappeCaller,
    Path((doctype, name)): Path<(String, String)>,
) -> Response {
    let done = async {
        let d = doctype_of(&doctype)?;
        delete(&c, d, &name).await
    };
    match done.await {
        Ok(()) => (StatusCode::ACCEPTED, message("ok")).into_response(),
        Err(r) => r,
    }
}

/// `frappe.client.delete(doctype, name)`: a draft goes; a submitted or cancelled document never
/// does (ValidationError, as ERPNext refuses a submitted one), and master data is kept (disable
/// it instead).
async fn delete(c: &BooksCaller, d: Doctype, name: &str) -> Result<(), Response> {
    write_permission(c, d)?;
    let kind = match d {
        Doctype::SalesInvoice | Doctype::PurchaseInvoice => {
            DraftKind::Invoice(invoice_kind(d))
        }
        Doctype::PaymentEntry => DraftKind::Payment,
        Doctype::JournalEntry => DraftKind::JournalEntry,
        Doctype::StockEntry => DraftKind::StockEntry,
        Doctype::Customer
        | Doctype::Supplier
        | Doctype::Item
        | Doctype::Warehouse
        | Doctype::Account
        | Doctype::FiscalYear
        | Doctype::GlEntry => {
            return Err(frappe_error(
                StatusCode::FORBIDDEN,
                "PermissionError",
                &format!(
                    "User not allowed to delete {}: {name}: these books keep master data (set disabled to 1 instead)",
                    d.name()
                ),
            ))
        }
    };
    match c.books.delete_draft(kind, name).await {
        Ok(()) => Ok(()),
        Err(ErpError::State(m)) => Err(frappe_error(
            StatusCode::EXPECTATION_FAILED,
            "ValidationError",
            &m,
        )),
        Err(e) => Err(erp_error(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_text_round_trips() {
        let text = r#"{"a":[1.50,"x",null,true],"b":{"c":"d\"e"}}"#;
        let j = J::parse(text).unwrap();
        assert_eq!(J::parse(&json_text(&j)).unwrap(), j);
        assert_eq!(json_text(&j), text);
    }

    #[test]
    fn methods_and_their_http_methods() {
        assert_eq!(Rpc::parse("frappe.client.submit"), Some(Rpc::Submit));
        assert_eq!(Rpc::parse("frappe.client.rename_doc"), None);
        assert!(Rpc::GetList.allows(&Method::GET));
        assert!(!Rpc::Submit.allows(&Method::GET));
        assert!(!Rpc::Delete.allows(&Method::PUT));
        assert!(Rpc::Delete.allows(&Method::DELETE));
        assert!(Rpc::Cancel.writes() && !Rpc::GetValue.writes());
    }
}
