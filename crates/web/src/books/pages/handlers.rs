//! The page handlers every kind shares, generic over its page declaration: the list with its
//! filters and pages, one's own page, the new and edit forms and their saving, and a document's
//! submit and cancel behind a confirmation. Each checks the form's CSRF field first, then the
//! permission the kind's declaration names, then calls the kind's service.

use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use tenantry_domain::books::Docstatus;
use tenantry_domain::Permission;

use super::declaration::{EditablePage, KindPage, Viewed};
use super::form_data::FormData;
use super::frame::{check_csrf, fail, refused, see, Layout, Page, Refused};
use super::listing::pager;
use super::views::{headers, Confirm, ConfirmPage, FormPage, Link, ListPage, Pager, TableView};
use crate::books::caller::BooksCaller;
use crate::books::kinds::declaration::Submittable;
use crate::pages::render;
use crate::AppState;

type Pairs = Vec<(String, String)>;

/// A kind's list, its new form and their saving: `/books/<path>`, `/books/<path>/new`.
pub(crate) fn fixed<P: KindPage>() -> Router<AppState> {
    let base = P::base();
    Router::new()
        .route(
            &base,
            get(|c: BooksCaller, Query(q): Query<Pairs>| list::<P>(c, FormData(q)))
                .post(|c: BooksCaller, Form(f): Form<Pairs>| create::<P>(c, FormData(f))),
        )
        .route(
            &format!("{base}/new"),
            get(|c: BooksCaller, Query(q): Query<Pairs>| new::<P>(c, FormData(q))),
        )
}

/// Also the edit form, `/books/<path>/<key>/edit`, which posts to `/books/<path>/<key>`.
pub(crate) fn master<P: EditablePage>() -> Router<AppState> {
    let base = P::base();
    fixed::<P>()
        .route(
            &format!("{base}/{{key}}"),
            axum::routing::post(
                |c: BooksCaller, Path(key): Path<String>, Form(f): Form<Pairs>| {
                    update::<P>(c, key, FormData(f))
                },
            ),
        )
        .route(
            &format!("{base}/{{key}}/edit"),
            get(|c: BooksCaller, Path(key): Path<String>| edit::<P>(c, key)),
        )
}

/// One's own page: `/books/<path>/<key>`.
pub(crate) fn viewed<P: Viewed>() -> Router<AppState> {
    Router::new().route(
        &format!("{}/{{key}}", P::base()),
        get(|c: BooksCaller, Path(key): Path<String>| view::<P>(c, key, None)),
    )
}

/// A document's pages: changed while a draft, with its own page, submitted, cancelled and (a
/// draft) deleted at `/books/<path>/<key>/{submit,cancel,delete}` (a confirmation page on GET).
pub(crate) fn document<P: EditablePage + Viewed + Submittable>() -> Router<AppState> {
    let mut r = master::<P>().merge(viewed::<P>());
    for action in [Action::Submit, Action::Cancel, Action::Delete] {
        r = r.route(
            &format!("{}/{{key}}/{}", P::base(), action.slug()),
            get(move |c: BooksCaller, Path(key): Path<String>| confirm_page::<P>(action, c, key))
                .post(
                    move |c: BooksCaller, Path(key): Path<String>, Form(f): Form<Pairs>| {
                        act::<P>(action, c, key, FormData(f))
                    },
                ),
        );
    }
    r
}

// ---- lists ----

async fn list<P: KindPage>(c: BooksCaller, q: FormData) -> Page {
    let l = Layout::load(&c, P::SECTION).await?;
    // After a draft was deleted (our words, whatever the address says).
    let notice = (q.get("deleted") == "1").then_some("Draft deleted.");
    let mut filters = Vec::new();
    let mut errors = Vec::new();
    let fields = P::filters(&c, &q, &mut filters, &mut errors).await?;
    let listed = P::rows(&c, &q, filters).await?;
    let (head, numeric) = P::columns(&c);
    let mut actions = Vec::new();
    if c.can(P::INFO.write) {
        actions.push(
            Link::new(
                &format!("New {}", P::INFO.singular),
                format!("{}/new", P::base()),
            )
            .shortcut("n"),
        );
    }
    actions.extend(
        P::LIST_LINKS
            .iter()
            .map(|(label, href)| Link::secondary(label, *href)),
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &ListPage {
            l,
            title: P::PLURAL.into(),
            intro: P::INTRO.into(),
            notice,
            actions,
            filters: fields,
            error: (!errors.is_empty()).then(|| errors.join("; ")),
            tables: vec![TableView::new(
                headers(head, numeric),
                listed.rows,
                &P::empty(),
            )],
            pager: match listed.more {
                Some(more) => pager(&P::base(), &q, more),
                None => Pager::default(),
            },
        },
    ))
}

// ---- one's page ----

/// One's page; after a refused submit or cancel, with the reason and its status.
async fn view<P: Viewed>(c: BooksCaller, key: String, refusal: Option<Refused>) -> Page {
    let l = Layout::load(&c, P::SECTION).await?;
    let (status, error) = match refusal {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let doc = P::read(&c.books, &key).await.map_err(fail)?;
    let key = P::key(&doc);
    let docstatus = P::docstatus(&doc);
    let mut page = P::page(&c, doc, l).await?;
    // Master data changes at any time, a document only while a draft.
    if docstatus.is_none_or(|s| s == Docstatus::Draft) && c.can(P::INFO.write) {
        page.links.insert(
            0,
            Link::secondary("Edit", format!("{}/edit", P::href(&key))),
        );
    }
    if let Some(s) = docstatus {
        page.confirms = confirms::<P>(&c, &key, s);
    }
    page.error = error;
    Ok(render(status, &page))
}

/// The submit or cancel button a document's state and the caller's rights allow.
fn confirms<P: KindPage>(c: &BooksCaller, key: &str, status: Docstatus) -> Vec<Confirm> {
    let mut out = Vec::new();
    if status == Docstatus::Draft && c.can(Permission::ErpSubmit) {
        out.push(Action::Submit.confirm::<P>(key));
    }
    if status == Docstatus::Submitted && c.can(Permission::ErpCancel) {
        out.push(Action::Cancel.confirm::<P>(key));
    }
    if status == Docstatus::Draft && c.can(P::INFO.write) {
        out.push(Action::Delete.confirm::<P>(key));
    }
    out
}

// ---- new, edit, save ----

/// The form of a new one, or of one being changed (`existing`), with the values `v` and the
/// reason the last try was refused.
async fn form_page<P: KindPage>(
    c: &BooksCaller,
    existing: Option<&str>,
    v: &FormData,
    error: Option<String>,
) -> Result<FormPage, axum::response::Response> {
    let l = Layout::load(c, P::SECTION).await?;
    let parts = P::form(c, existing, v).await?;
    let (title, action, back) = match existing {
        Some(key) => (
            format!("Edit {key}"),
            P::href(key),
            if P::VIEW { P::href(key) } else { P::base() },
        ),
        None => (format!("New {}", P::INFO.singular), P::base(), P::base()),
    };
    Ok(FormPage {
        l,
        title: parts.title.unwrap_or(title),
        action,
        back,
        error,
        fields: parts.fields,
        lines: parts.lines,
        datalists: parts.datalists,
        submit_label: parts.submit_label,
    })
}

async fn new<P: KindPage>(c: BooksCaller, q: FormData) -> Page {
    c.require(P::INFO.write)?;
    let v = P::blank(&c, &q).await?;
    Ok(render(
        StatusCode::OK,
        &form_page::<P>(&c, None, &v, None).await?,
    ))
}

/// One's form, filled with what it holds; a document's only while it is a draft.
async fn edit<P: EditablePage>(c: BooksCaller, key: String) -> Page {
    c.require(P::INFO.write)?;
    let doc = P::read(&c.books, &key).await.map_err(fail)?;
    let shown = P::key(&doc);
    let v = P::values(&c, &doc).await?;
    if let Some(status) = P::docstatus(&doc) {
        status
            .ensure_editable(|| shown.clone())
            .map_err(|e| fail(e.into()))?;
    }
    Ok(render(
        StatusCode::OK,
        &form_page::<P>(&c, Some(&shown), &v, None).await?,
    ))
}

/// Writes a new one and shows where it leads; bad input shows the form again with the reason
/// and a 4xx status, nothing written.
async fn create<P: KindPage>(c: BooksCaller, f: FormData) -> Page {
    check_csrf(&c, &f)?;
    c.require(P::INFO.write)?;
    let written = match P::body(&f) {
        Err(message) => Err((StatusCode::UNPROCESSABLE_ENTITY, message)),
        Ok(body) => refused(P::create(&c, body).await)?,
    };
    saved::<P>(&c, None, &f, written).await
}

/// Changes one (a document only while a draft), as [`create`] writes a new one.
async fn update<P: EditablePage>(c: BooksCaller, key: String, f: FormData) -> Page {
    check_csrf(&c, &f)?;
    c.require(P::INFO.write)?;
    let written = match P::change(&f) {
        Err(message) => Err((StatusCode::UNPROCESSABLE_ENTITY, message)),
        Ok(change) => refused(P::update(&c, &key, change).await)?,
    };
    saved::<P>(&c, Some(&key), &f, written).await
}

async fn saved<P: KindPage>(
    c: &BooksCaller,
    existing: Option<&str>,
    f: &FormData,
    written: Result<P::Doc, Refused>,
) -> Page {
    match written {
        Ok(doc) => Ok(see(&P::saved(&doc))),
        Err((status, message)) => Ok(render(
            status,
            &form_page::<P>(c, existing, f, Some(message)).await?,
        )),
    }
}

// ---- submit and cancel ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Submit,
    Cancel,
    /// Of a draft only: it posted nothing and holds no number.
    Delete,
}

impl Action {
    fn slug(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Cancel => "cancel",
            Action::Delete => "delete",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Action::Submit => "Submit",
            Action::Cancel => "Cancel document",
            Action::Delete => "Delete draft",
        }
    }

    fn permission<P: KindPage>(self) -> Permission {
        match self {
            Action::Submit => Permission::ErpSubmit,
            Action::Cancel => Permission::ErpCancel,
            Action::Delete => P::INFO.write,
        }
    }

    fn danger(self) -> bool {
        matches!(self, Action::Cancel | Action::Delete)
    }

    fn question<P: KindPage>(self, key: &str) -> String {
        match self {
            Action::Submit => format!(
                "Submit {key}? It is numbered and posted to the books, and can no longer be changed; only cancelled."
            ),
            Action::Cancel => format!(
                "Cancel {key}? The exact reversal of what the {} posted is recorded; the document stays, marked cancelled.",
                P::INFO.singular
            ),
            Action::Delete => format!(
                "Delete the draft {key}? It posted nothing and holds no number; it goes with its lines and cannot be brought back."
            ),
        }
    }

    fn confirm<P: KindPage>(self, key: &str) -> Confirm {
        let href = format!("{}/{}", P::href(key), self.slug());
        Confirm {
            id: self.slug(),
            label: self.label(),
            action: href.clone(),
            href,
            question: self.question::<P>(key),
            danger: self.danger(),
        }
    }
}

async fn confirm_page<P: KindPage>(action: Action, c: BooksCaller, key: String) -> Page {
    c.require(action.permission::<P>())?;
    let l = Layout::load(&c, P::SECTION).await?;
    let back = P::href(&key);
    Ok(render(
        StatusCode::OK,
        &ConfirmPage {
            l,
            title: format!("{} {key}", action.label()),
            question: action.question::<P>(&key),
            action: format!("{back}/{}", action.slug()),
            label: action.label(),
            back,
            danger: action.danger(),
        },
    ))
}

async fn act<P: Viewed + Submittable>(
    action: Action,
    c: BooksCaller,
    key: String,
    f: FormData,
) -> Page {
    check_csrf(&c, &f)?;
    c.require(action.permission::<P>())?;
    let done = match action {
        Action::Submit => P::submit(&c, &key).await,
        Action::Cancel => P::cancel(&c, &key).await,
        Action::Delete => {
            return match refused(P::delete_draft(&c, &key).await)? {
                Ok(()) => Ok(see(&format!("{}?deleted=1", P::base()))),
                Err(refusal) => view::<P>(c, key, Some(refusal)).await,
            }
        }
    };
    match refused(done)? {
        Ok(doc) => Ok(see(&P::href(&P::key(&doc)))),
        Err(refusal) => view::<P>(c, key, Some(refusal)).await,
    }
}
