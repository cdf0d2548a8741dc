//! The ERPNext-compatible surface of a client's books, so that existing Frappe integrations keep
//! working: `/api/resource/<DocType>` (list, read, create, update, delete drafts),
//! `POST /api/method/login` and `POST /api/method/logout`, with Frappe's query parameters, field
//! names, `{"data": …}` shapes, `docstatus` convention and error shapes; and Frappe's RPC
//! (`cmd=<method>` on `/`, `/api/method/<method>`: [`rpc`]), on the same code.
//!
//! One concern a file: [`json`] (exact JSON, a document's fields type-checked), [`filters`],
//! [`doc`] (documents as written back), [`doctypes`], [`errors`], [`list`], [`read`], [`body`]
//! (request bodies read strictly and applied), [`write`] (create, update, `docstatus`),
//! [`session`] (sign-in), [`rpc`].
//!
//! Numbers are exact: request bodies and filters are read from their JSON text (a number's digits
//! are parsed as a decimal, never through a float), and money and quantities are written back as
//! JSON numbers from their exact decimal text.

#![allow(clippy::result_large_err)] // refusals are ready responses; their size does not matter here

use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

mod body;
mod doc;
mod doctypes;
mod errors;
pub(crate) mod filters;
mod json;
mod list;
mod read;
pub(crate) mod rpc;
mod session;
mod write;

pub(crate) use self::list::{__path_list, list};
pub(crate) use self::read::{__path_read, read};
pub(crate) use self::session::{__path_login, __path_logout, login, logout};
pub(crate) use self::write::{__path_create, __path_update, create, update};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/resource/{doctype}", get(list).post(create))
        .route(
            "/api/resource/{doctype}/{name}",
            get(read).put(update).delete(rpc::delete_resource),
        )
        .route("/api/method/login", post(login))
        .route("/api/method/logout", post(logout))
        .merge(rpc::router())
}

/// The most rows one list returns (`limit_page_length=0` asks for all of them, up to this).
pub(crate) const MAX_PAGE: i64 = 10_000;
/// Frappe's default page.
const DEFAULT_PAGE: i64 = 20;

#[cfg(test)]
mod tests {
    use super::doc::Doc;
    use super::json::Body;
    use tenantry_domain::books::Amount;

    use super::body::apply_party;
    use super::body::PARTY_IGNORED;
    use super::doc::money;
    use super::doc::qty;
    use super::errors::data;
    use super::filters::expand_filter;
    use super::filters::parse_filters;
    use super::filters::parse_order;
    use super::json::J;
    use tenantry_domain::books::Quantity;
    use tenantry_erp::masters::PartyInput;
    use tenantry_store::books::PartyKind;

    #[test]
    fn numbers_keep_their_text() {
        let j = J::parse(r#"{"a": 12.10, "b": [1, "x", null, true], "c": {"d": -0.5}}"#).unwrap();
        let J::Obj(m) = j else { panic!() };
        assert_eq!(m["a"], J::Num("12.10".into()));
        assert_eq!(
            m["b"],
            J::Arr(vec![
                J::Num("1".into()),
                J::Str("x".into()),
                J::Null,
                J::Bool(true)
            ])
        );
        assert!(J::parse("{").is_err());
        assert!(J::parse(&"[".repeat(20).to_string()).is_err());
    }

    #[test]
    fn money_is_written_as_an_exact_number() {
        let mut d = Doc::default();
        d.push("grand_total", money(Amount(123_456_789_012_345)));
        d.push("qty", qty(Quantity(1_500)));
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"grand_total":1234567890123.45,"qty":1.500}"#
        );
    }

    #[tokio::test]
    async fn responses_keep_exact_numbers() {
        let mut d = Doc::default();
        d.push("grand_total", money(Amount(1_250)));
        let body = axum::body::to_bytes(data(vec![d]).into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(&body[..], br#"{"data":[{"grand_total":12.50}]}"#);
    }

    #[test]
    fn filters_in_every_shape() {
        let f = parse_filters(r#"[["Sales Invoice","docstatus","=",1],["grand_total",">",100.5]]"#)
            .unwrap();
        assert_eq!(f[0].field, "docstatus");
        assert_eq!(f[1].value, J::Num("100.5".into()));
        let f = parse_filters(
            r#"{"customer": "Acme", "posting_date": ["between", ["2026-04-01", "2026-04-30"]]}"#,
        )
        .unwrap();
        assert_eq!(f.len(), 2);
        let between = expand_filter("posting_date", &f[1]).unwrap();
        assert_eq!(between.len(), 2);
        let f = parse_filters(r#"["status", "=", "Overdue"]"#).unwrap();
        assert_eq!(f[0].field, "status");
        assert!(parse_filters(r#"[["a","b"],["c"]]"#).is_err());
        let order = parse_order("`tabSales Invoice`.`posting_date` desc, name", |f| {
            f.to_owned()
        })
        .unwrap();
        assert_eq!(order[0].column, "posting_date");
        assert!(order[0].descending);
        assert!(!order[1].descending);
    }

    #[test]
    fn unknown_fields_are_refused_and_blank_ones_ignored() {
        let j =
            J::parse(r#"{"customer_name": "A", "colour": "red", "territory": "UK", "fax": ""}"#)
                .unwrap();
        let mut b = Body::new("Customer", j).unwrap();
        let mut p = PartyInput::default();
        apply_party(&mut b, PartyKind::Customer, &mut p).unwrap();
        let err = b.finish(PARTY_IGNORED).unwrap_err().to_string();
        assert!(err.contains("colour") && !err.contains("fax"), "{err}");
    }
}
