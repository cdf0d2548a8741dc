//! The books' front page: every list, form and report the caller's role opens.

use askama::Template;
use axum::http::StatusCode;
use tenantry_domain::Permission;

use super::frame::{Layout, Page};
use super::reports::Report;
use super::views::Link;
use crate::books::caller::BooksCaller;
use crate::pages::render;

pub(crate) struct Group {
    pub id: &'static str,
    pub title: &'static str,
    pub links: Vec<Link>,
}

#[derive(Template)]
#[template(path = "books/home.html")]
struct HomePage {
    l: Layout,
    title: String,
    groups: Vec<Group>,
}

/// The books' front page: every list, form and report the caller's role opens.
pub(super) async fn home(c: BooksCaller) -> Page {
    let l = Layout::load(&c, "home").await?;
    let mut groups = Vec::new();
    let mut sales = vec![
        Link::new("Sales invoices", "/books/sales-invoices"),
        Link::new("Customers", "/books/customers"),
    ];
    if c.can(Permission::ErpCreateSales) {
        sales.push(Link::new("New sales invoice", "/books/sales-invoices/new"));
        sales.push(Link::new("New customer", "/books/customers/new"));
    }
    groups.push(Group {
        id: "sales",
        title: "Sales",
        links: sales,
    });
    let can_any = c.can(Permission::ErpCreateAny);
    let mut purchases = vec![
        Link::new("Purchase invoices", "/books/purchase-invoices"),
        Link::new("Suppliers", "/books/suppliers"),
    ];
    if can_any {
        purchases.push(Link::new(
            "New purchase invoice",
            "/books/purchase-invoices/new",
        ));
        purchases.push(Link::new("New supplier", "/books/suppliers/new"));
    }
    groups.push(Group {
        id: "purchases",
        title: "Purchases",
        links: purchases,
    });
    let mut money = vec![
        Link::new("Payments", "/books/payments"),
        Link::new("Journal entries", "/books/journal-entries"),
    ];
    if can_any {
        money.push(Link::new("New payment", "/books/payments/new"));
        money.push(Link::new("New journal entry", "/books/journal-entries/new"));
    }
    groups.push(Group {
        id: "money",
        title: "Payments and journals",
        links: money,
    });
    let mut stock = vec![
        Link::new("Items", "/books/items"),
        Link::new("Warehouses", "/books/warehouses"),
        Link::new("Stock entries", "/books/stock-entries"),
        Link::new("Stock balance", "/books/stock-balance"),
    ];
    if can_any {
        stock.push(Link::new("New item", "/books/items/new"));
        stock.push(Link::new("New stock entry", "/books/stock-entries/new"));
    }
    groups.push(Group {
        id: "stock",
        title: "Items and stock",
        links: stock,
    });
    groups.push(Group {
        id: "accounts",
        title: "Accounts",
        links: vec![
            Link::new("Chart of accounts", "/books/accounts"),
            Link::new("Fiscal years", "/books/fiscal-years"),
            Link::new("Settings", "/books/settings"),
        ],
    });
    if c.can(Permission::ErpReports) {
        groups.push(Group {
            id: "reports",
            title: "Reports",
            links: Report::ALL
                .iter()
                .map(|r| Link::new(r.title(), format!("/books/reports/{}", r.slug())))
                .collect(),
        });
    }
    Ok(render(
        StatusCode::OK,
        &HomePage {
            title: "Books".into(),
            l,
            groups,
        },
    ))
}
