//! The OpenAPI description of a declared kind's endpoints, built from the same declaration that
//! mounts them: precise request and response schemas (the kind's own types), the permission
//! each action needs, and the refusals it can answer.

use axum::http::Method;
use tenantry_domain::Permission;
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Content, Ref, RefOr, Required, ResponseBuilder, ResponsesBuilder};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::declaration::{Action, Editable, Kind, Submittable, Verb};
use super::native::{collection, one};
use crate::books::replies::ListParams;
use crate::error::ErrorBody;

/// A kind's endpoints, their operations and the schemas those refer to.
pub(super) struct Described {
    pub actions: Vec<Action>,
    pub operations: Vec<(String, Method, Operation)>,
    pub schemas: Vec<(String, RefOr<Schema>)>,
}

impl Described {
    fn new() -> Self {
        Described {
            actions: Vec::new(),
            operations: Vec::new(),
            schemas: vec![(ErrorBody::name().into(), ErrorBody::schema())],
        }
    }

    fn push(
        &mut self,
        verb: Verb,
        method: Method,
        path: String,
        needs: Option<Permission>,
        op: Operation,
    ) {
        self.operations.push((path.clone(), method.clone(), op));
        self.actions.push(Action {
            verb,
            method,
            path,
            needs,
        });
    }

    /// A type's schema and every schema it refers to.
    fn schema_of<T: ToSchema>(&mut self) -> Ref {
        self.schemas.push((T::name().into(), T::schema()));
        T::schemas(&mut self.schemas);
        Ref::from_schema_name(T::name())
    }
}

pub(super) fn fixed<K: Kind>() -> Described {
    created::<K>("")
}

/// List, create and read; `on_create` says what else creating may need.
fn created<K: Kind>(on_create: &str) -> Described {
    let mut d = Described::new();
    let row = d.schema_of::<K::Row>();
    let doc = d.schema_of::<K::Doc>();
    let body = d.schema_of::<K::Body>();
    let page = page_schema::<K>(&mut d, row);
    let info = &K::INFO;
    d.push(
        Verb::List,
        Method::GET,
        collection::<K>(),
        None,
        operation::<K>("list")
            .summary(Some(format!("List {}s", info.singular)))
            .parameters(Some(ListParams::into_params(|| Some(ParameterIn::Query))))
            .responses(responses(
                ("200", format!("a page of {}s", info.singular), Some(page)),
                &["401", "403", "422"],
            ))
            .build(),
    );
    d.push(
        Verb::Create,
        Method::POST,
        collection::<K>(),
        Some(info.write),
        operation::<K>("create")
            .summary(Some(format!("Create a {}", info.singular)))
            .description(Some(needs(info.write, on_create)))
            .request_body(Some(request(body)))
            .responses(responses(
                ("201", format!("the {}", info.singular), Some(doc.clone())),
                &["400", "401", "403", "409", "415", "422"],
            ))
            .build(),
    );
    d.push(
        Verb::Read,
        Method::GET,
        one::<K>(),
        None,
        operation::<K>("read")
            .summary(Some(format!("Read a {}", info.singular)))
            .parameter(key::<K>())
            .responses(responses(
                ("200", format!("the {}", info.singular), Some(doc)),
                &["401", "403", "404"],
            ))
            .build(),
    );
    d
}

pub(super) fn master<K: Editable>() -> Described {
    edited::<K>(fixed::<K>())
}

/// Adds the update.
fn edited<K: Editable>(mut d: Described) -> Described {
    let doc = Ref::from_schema_name(<K::Doc as ToSchema>::name());
    let change = d.schema_of::<K::Change>();
    let info = &K::INFO;
    d.push(
        Verb::Update,
        Method::PUT,
        one::<K>(),
        Some(info.write),
        operation::<K>("update")
            .summary(Some(format!("Change a {}", info.singular)))
            .description(Some(needs(info.write, "")))
            .parameter(key::<K>())
            .request_body(Some(request(change)))
            .responses(responses(
                ("200", format!("the {}, changed", info.singular), Some(doc)),
                &["400", "401", "403", "404", "409", "415", "422"],
            ))
            .build(),
    );
    d
}

pub(super) fn document<K: Submittable>() -> Described {
    let mut d = edited::<K>(created::<K>(
        ", and `erp.submit` with `\"submit\": true` (created and submitted in one transaction)",
    ));
    let doc = || Ref::from_schema_name(<K::Doc as ToSchema>::name());
    let info = &K::INFO;
    for (verb, action, permission, what) in [
        (
            Verb::Submit,
            "submit",
            Permission::ErpSubmit,
            "submitted: posted to the ledger",
        ),
        (
            Verb::Cancel,
            "cancel",
            Permission::ErpCancel,
            "cancelled: its postings reversed",
        ),
    ] {
        d.push(
            verb,
            Method::POST,
            format!("{}/{action}", one::<K>()),
            Some(permission),
            operation::<K>(action)
                .summary(Some(format!("{} a {}", capitalised(action), info.singular)))
                .description(Some(needs(permission, "")))
                .parameter(key::<K>())
                .responses(responses(
                    ("200", format!("the {}, {what}", info.singular), Some(doc())),
                    &["401", "403", "404", "409", "422"],
                ))
                .build(),
        );
    }
    d
}

/// `{"data": [...], "limit", "offset", "next_offset"}` of a kind's rows.
fn page_schema<K: Kind>(d: &mut Described, row: Ref) -> Ref {
    let name = format!("{}Page", <K::Row as ToSchema>::name());
    let integer = || ObjectBuilder::new().schema_type(Type::Integer);
    let schema = ObjectBuilder::new()
        .property("data", ArrayBuilder::new().items(row))
        .property("limit", integer())
        .property("offset", integer())
        .property(
            "next_offset",
            ObjectBuilder::new()
                .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
                .description(Some("where the next page starts; null on the last page")),
        )
        .required("data")
        .required("limit")
        .required("offset")
        .required("next_offset")
        .build();
    d.schemas.push((name.clone(), schema.into()));
    Ref::from_schema_name(name)
}

fn operation<K: Kind>(action: &str) -> OperationBuilder {
    OperationBuilder::new()
        .tag("books")
        .operation_id(Some(format!("{action}_{}", K::INFO.path.replace('-', "_"))))
        .securities(Some([
            SecurityRequirement::new("session", Vec::<String>::new()),
            SecurityRequirement::new("bearer", Vec::<String>::new()),
            SecurityRequirement::new("api_key", Vec::<String>::new()),
        ]))
}

fn key<K: Kind>() -> ParameterBuilder {
    ParameterBuilder::new()
        .name(K::INFO.key)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
}

fn request(schema: Ref) -> utoipa::openapi::request_body::RequestBody {
    RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content("application/json", Content::new(Some(schema)))
        .build()
}

/// The success answer, then the refusals each with the error body.
fn responses(
    success: (&str, String, Option<Ref>),
    refusals: &[&str],
) -> utoipa::openapi::Responses {
    let mut b = ResponsesBuilder::new();
    let (status, description, schema) = success;
    let mut ok = ResponseBuilder::new().description(description);
    if let Some(schema) = schema {
        ok = ok.content("application/json", Content::new(Some(schema)));
    }
    b = b.response(status, ok.build());
    for status in refusals {
        b = b.response(
            *status,
            ResponseBuilder::new()
                .description(refusal(status))
                .content(
                    "application/json",
                    Content::new(Some(Ref::from_schema_name(ErrorBody::name()))),
                )
                .build(),
        );
    }
    b.build()
}

fn refusal(status: &str) -> &'static str {
    match status {
        "400" => "malformed JSON",
        "401" => "no valid session, token or key",
        "403" => "the caller's role does not allow this",
        "404" => "no such record",
        "409" => "taken, or not in a state that allows this",
        "415" => "not sent as application/json",
        _ => "does not fit: unknown or missing fields, values out of range, refused by the books",
    }
}

fn needs(permission: Permission, extra: &str) -> String {
    format!("Needs `{}`{extra}.", permission.as_str())
}

fn capitalised(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Adds the kinds' operations and schemas to the document.
pub(super) fn add_to(
    doc: &mut utoipa::openapi::OpenApi,
    operations: Vec<(String, Method, Operation)>,
    schemas: Vec<(String, RefOr<Schema>)>,
) {
    for (path, method, op) in operations {
        let method = match method {
            Method::GET => HttpMethod::Get,
            Method::POST => HttpMethod::Post,
            Method::PUT => HttpMethod::Put,
            _ => HttpMethod::Delete,
        };
        doc.paths.add_path_operation(path, vec![method], op);
    }
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }
}
