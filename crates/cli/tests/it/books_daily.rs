//! The books as a person uses them day to day (issue 11, defects 4 and 5): reports headed as
//! an accountant reads them and drilling down to the lines and documents behind each figure;
//! forms that show money in the books' currency, fill in what a chosen item implies and refuse
//! at once what could never be submitted; settings that say they were saved.

use time::macros::format_description;
use time::Date;

use crate::books_pages::{books_db, client, seed, signed_in};
use crate::both_backends;
use crate::support::TestApp;

/// The value of the input named `name` on a page.
fn input_value(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {name}: {body}"))
        + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

fn day(text: &str) -> Date {
    Date::parse(text, format_description!("[year]-[month]-[day]")).unwrap()
}

/// The same day a year earlier, as the reports compare (29 February becomes the 28th).
fn a_year_before(d: Date) -> Date {
    d.replace_year(d.year() - 1)
        .unwrap_or_else(|_| Date::from_calendar_date(d.year() - 1, d.month(), 28).unwrap())
}

/// Every `href` on a page that starts with `prefix`, as written in the HTML.
fn links(body: &str, prefix: &str) -> Vec<String> {
    let marker = format!("href=\"{prefix}");
    body.match_indices(&marker)
        .map(|(i, _)| html_unescape(body[i + 6..].split('"').next().unwrap()))
        .collect()
}

both_backends!(
    reports_read_as_an_accountant_expects_and_drill_down,
    |app: TestApp| async move {
        let c = client(&app, "ACME Corp", "acme-corp").await;
        let mut admin = signed_in(&app, &c.admin).await;
        let seeded = seed(&mut admin).await;
        let sale = seeded.sale;
        let sale_number = sale.rsplit('/').next().unwrap().to_owned();
        let purchase_number = seeded.purchase.rsplit('/').next().unwrap().to_owned();

        // The balance sheet is at a day, beside the same day a year earlier.
        let bs = admin.get("/books/reports/balance-sheet").await;
        assert_eq!(bs.status, 200, "{}", bs.body);
        let at = day(&input_value(&bs.body, "at"));
        assert!(
            bs.body.contains(&format!("Balance sheet at {at}")),
            "{}",
            bs.body
        );
        assert!(bs.body.contains(&format!("At {}", a_year_before(at))));
        assert!(!bs
            .body
            .contains(&format!("{} to {at}", at.replace_day(1).unwrap())));
        // Another day is asked for by `at`; a bad one is refused beside the picker.
        let earlier = admin
            .get("/books/reports/balance-sheet?at=2020-06-30")
            .await;
        assert!(earlier.body.contains("Balance sheet at 2020-06-30"));
        assert!(earlier.body.contains("At 2019-06-30"));
        let bad = admin
            .get("/books/reports/balance-sheet?at=30/06/2020")
            .await;
        assert_eq!(bad.status, 422, "{}", bad.body);

        // Profit and loss compares the same days a year earlier.
        let pl = admin.get("/books/reports/profit-and-loss").await;
        let (from, to) = (
            day(&input_value(&pl.body, "from")),
            day(&input_value(&pl.body, "to")),
        );
        assert!(
            pl.body
                .contains(&format!("{} to {}", a_year_before(from), a_year_before(to))),
            "{}",
            pl.body
        );

        // The trial balance's figures lead to the ledger lines behind them: Sales (4001)
        // over the period, and those lines to the invoice that posted them.
        let tb = admin.get("/books/reports/trial-balance").await;
        let to_sales = links(&tb.body, "/books/reports/general-ledger?account=4001&");
        assert!(!to_sales.is_empty(), "{}", tb.body);
        assert!(
            to_sales.contains(&format!(
                "/books/reports/general-ledger?account=4001&from={from}&to={to}"
            )),
            "{to_sales:?}"
        );
        let ledger = admin.get(&to_sales[0]).await;
        assert_eq!(ledger.status, 200, "{}", ledger.body);
        assert!(ledger.body.contains("<th class=\"num\">Balance</th>"));
        assert!(ledger.body.contains("Opening"));
        assert!(
            ledger
                .body
                .contains(&format!("href=\"/books/sales-invoices/{sale_number}\"")),
            "{}",
            ledger.body
        );
        let invoice = admin
            .get(&format!("/books/sales-invoices/{sale_number}"))
            .await;
        assert_eq!(invoice.status, 200);

        // The balance sheet's accounts lead to every line up to its day.
        assert!(
            links(&bs.body, "/books/reports/general-ledger?account=1100&").contains(&format!(
                "/books/reports/general-ledger?account=1100&to={at}"
            )),
            "{}",
            bs.body
        );

        // Over every account a running balance means nothing: neither it nor an opening.
        let all = admin.get("/books/reports/general-ledger").await;
        assert_eq!(all.status, 200);
        assert!(
            !all.body.contains("<th class=\"num\">Balance</th>"),
            "{}",
            all.body
        );
        assert!(!all.body.contains(">Opening<"));
        assert!(all.body.contains(&format!(
            "href=\"/books/purchase-invoices/{purchase_number}\""
        )));
        let csv = admin.get("/books/reports/general-ledger/csv").await;
        assert!(csv
            .body
            .starts_with("Date,Account,Party,Voucher type,Voucher,Debit,Credit\n"));
        let csv = admin
            .get("/books/reports/general-ledger/csv?account=1100")
            .await;
        assert!(csv
            .body
            .starts_with("Date,Account,Party,Voucher type,Voucher,Debit,Credit,Balance\n"));

        // The ageing's parties lead to their ledger lines up to its day.
        let ageing = admin.get("/books/reports/receivables-ageing").await;
        let to_party = links(&ageing.body, "/books/reports/general-ledger?party=");
        assert_eq!(to_party.len(), 1, "{}", ageing.body);
        let party = admin.get(&to_party[0]).await;
        assert_eq!(party.status, 200);
        assert!(party.body.contains(&sale_number), "{}", party.body);
        assert!(!party.body.contains(&purchase_number));
    }
);

both_backends!(
    forms_show_money_fill_in_items_and_refuse_at_once,
    |app: TestApp| async move {
        let c = client(&app, "ACME Corp", "acme-corp").await;
        let mut admin = signed_in(&app, &c.admin).await;
        let sale = seed(&mut admin).await.sale;
        let sale_number = sale.rsplit('/').next().unwrap().to_owned();

        // Money in the books' currency; quantities without needless decimals.
        let invoice = admin.get(&sale).await;
        for shown in ["£12.50", "£25.00", "£5.00", "£30.00"] {
            assert!(invoice.body.contains(shown), "{shown}: {}", invoice.body);
        }
        assert!(!invoice.body.contains("2.000"), "{}", invoice.body);
        assert!(invoice.body.contains("<td class=\"num\">2</td>"));
        let list = admin.get("/books/sales-invoices").await;
        assert!(list.body.contains("£30.00"), "{}", list.body);

        // The form knows what each item fills in and how its totals are worked out.
        let form = admin.get("/books/sales-invoices/new").await;
        assert_eq!(form.status, 200);
        assert!(form.body.contains("data-totals"), "{}", form.body);
        assert!(form.body.contains("data-vat-rounding=\"per_line\""));
        assert!(form.body.contains("data-currency=\"£\""));
        assert!(form.body.contains("data-live-totals"));
        let facts = input_attr(&form.body, "datalist id=\"items\"", "data-facts");
        let facts: serde_json::Value = serde_json::from_str(&facts).unwrap();
        assert_eq!(facts["WIDGET"]["rate"], "12.50", "{facts}");
        assert_eq!(facts["WIDGET"]["name"], "Blue widget");
        assert_eq!(facts["CONSULT"]["vat"], "standard");
        // A purchase fills in the buying price.
        let form = admin.get("/books/purchase-invoices/new").await;
        let facts = input_attr(&form.body, "datalist id=\"items\"", "data-facts");
        let facts: serde_json::Value = serde_json::from_str(&facts).unwrap();
        assert_eq!(facts["WIDGET"]["rate"], "5.00", "{facts}");

        // A new item of the Services group is not kept in stock; of Products it is.
        let item_form = admin.get("/books/items/new").await;
        let groups = input_attr(&item_form.body, "select name=\"item_group\"", "data-facts");
        let groups: serde_json::Value = serde_json::from_str(&groups).unwrap();
        assert_eq!(groups["Services"], false, "{groups}");
        assert_eq!(groups["Products"], true, "{groups}");

        // A payment above what the invoice owes is refused when saved, in words, and nothing
        // is kept.
        let db = books_db(&app, &c).await;
        let before = db
            .list_payments(&crate::books_pages::all())
            .await
            .unwrap()
            .len();
        let over = admin
            .post(
                "/books/payments",
                &[
                    ("payment_type", "receive"),
                    ("party_type", "customer"),
                    ("party", "Dickson Supplies"),
                    ("posting_date", ""),
                    ("amount", "400.00"),
                    ("account", ""),
                    ("reference", ""),
                    ("remarks", ""),
                    ("line_invoice", &sale_number),
                    ("line_amount", "400.00"),
                ],
            )
            .await;
        assert_eq!(over.status, 422, "{}", over.body);
        assert!(
            over.body.contains(&format!(
                "400.00 is more than the 30.00 left to settle on {sale_number}"
            )),
            "{}",
            over.body
        );
        assert_eq!(
            db.list_payments(&crate::books_pages::all())
                .await
                .unwrap()
                .len(),
            before
        );

        // A receipt with no warehouse says which one is missing, in the form's words.
        let receipt = admin
            .post(
                "/books/stock-entries",
                &[
                    ("purpose", "receipt"),
                    ("posting_date", ""),
                    ("remarks", ""),
                    ("line_item", "WIDGET"),
                    ("line_qty", "1"),
                    ("line_from", ""),
                    ("line_to", ""),
                    ("line_rate", ""),
                ],
            )
            .await;
        assert_eq!(receipt.status, 422, "{}", receipt.body);
        assert!(
            receipt
                .body
                .contains("choose the warehouse the goods are received into (To warehouse"),
            "{}",
            receipt.body
        );

        // Saving the settings says so once back on the page.
        let saved = admin
            .post(
                "/books/settings",
                &[
                    ("address", "1 High Street"),
                    ("tax_id", ""),
                    ("vat_rounding", "per_line"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        assert_eq!(saved.location(), "/books/settings?saved=settings");
        let page = admin.get(&saved.location()).await;
        assert!(page.body.contains("Settings saved."), "{}", page.body);
        let plain = admin.get("/books/settings").await;
        assert!(!plain.body.contains("Settings saved."));
    }
);

/// The value of attribute `attr` on the element whose opening tag starts with `tag`.
fn input_attr(body: &str, tag: &str, attr: &str) -> String {
    let start = body
        .find(&format!("<{tag}"))
        .unwrap_or_else(|| panic!("no <{tag}: {body}"));
    let open = &body[start..start + body[start..].find('>').unwrap()];
    let marker = format!("{attr}=\"");
    let from = open.find(&marker).unwrap() + marker.len();
    html_unescape(open[from..].split('"').next().unwrap())
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#x22;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&#x3d;", "=")
        .replace("&amp;", "&")
}

// A link is shown only to someone it opens for: the chart of accounts leads to each account's
// ledger lines for those who may read the reports, and is plain text for the others.
both_backends!(
    accounts_lead_to_their_ledger_only_for_report_readers,
    |app: TestApp| async move {
        let c = client(&app, "ACME Corp", "acme-corp").await;
        let mut admin = signed_in(&app, &c.admin).await;
        let chart = admin.get("/books/accounts").await;
        assert!(chart
            .body
            .contains("href=\"/books/reports/general-ledger?account=1100\""));
        for role in ["viewer", "employee"] {
            let mut member = signed_in(&app, &format!("{role}@acme-corp.example.com")).await;
            let chart = member.get("/books/accounts").await;
            assert_eq!(chart.status, 200, "{role}");
            assert!(chart.body.contains("Trade Debtors"), "{role}");
            assert!(
                !chart.body.contains("/books/reports/"),
                "{role}: {}",
                chart.body
            );
            assert_eq!(
                member.get("/books/reports/general-ledger").await.status,
                403,
                "{role}"
            );
        }
    }
);

// A draft can be deleted from its page (behind a confirmation), by those who may write its
// kind; a submitted document cannot (it is cancelled, and stays); nothing else is touched.
both_backends!(
    a_draft_is_deleted_from_its_page,
    |app: TestApp| async move {
        let c = client(&app, "ACME Corp", "acme-corp").await;
        let other = client(&app, "Globex", "globex").await;
        let mut admin = signed_in(&app, &c.admin).await;
        let seeded = seed(&mut admin).await;
        let draft = seeded.draft.clone();

        let page = admin.get(&draft).await;
        assert!(page.body.contains("Delete draft"), "{}", page.body);
        assert!(!admin.get(&seeded.sale).await.body.contains("Delete draft"));
        let confirm = admin.get(&format!("{draft}/delete")).await;
        assert_eq!(confirm.status, 200);
        assert!(confirm.body.contains("cannot be brought back"));

        // Refused: a forged form, a viewer, another client's admin, a submitted document.
        let forged = admin
            .post_raw(&format!("{draft}/delete"), &[("csrf", "forged")])
            .await;
        assert_eq!(forged.status, 403);
        let mut viewer = signed_in(&app, "viewer@acme-corp.example.com").await;
        assert!(!viewer.get(&draft).await.body.contains("Delete draft"));
        assert_eq!(
            viewer.post(&format!("{draft}/delete"), &[]).await.status,
            403
        );
        // Another client's admin is refused at the door of this client's host, and a visitor
        // without a session is sent to sign in.
        let mut stranger = crate::books_pages::Browser::new(&app);
        assert_eq!(
            stranger
                .login(crate::books_pages::HOST, &other.admin)
                .await
                .status,
            403
        );
        let visitor = stranger
            .post_raw(&format!("{draft}/delete"), &[("csrf", "x")])
            .await;
        assert_eq!(visitor.status, 303, "{}", visitor.body);
        assert!(
            visitor.location().starts_with("/login"),
            "{}",
            visitor.location()
        );
        let submitted = admin.post(&format!("{}/delete", seeded.sale), &[]).await;
        assert_eq!(submitted.status, 409, "{}", submitted.body);
        assert_eq!(admin.get(&seeded.sale).await.status, 200);
        assert_eq!(admin.get(&draft).await.status, 200);

        let deleted = admin.post(&format!("{draft}/delete"), &[]).await;
        assert_eq!(deleted.status, 303, "{}", deleted.body);
        assert_eq!(deleted.location(), "/books/sales-invoices?deleted=1");
        assert!(admin
            .get(&deleted.location())
            .await
            .body
            .contains("Draft deleted."));
        assert_eq!(admin.get(&draft).await.status, 404);
        // The rest of the books are as they were.
        let db = books_db(&app, &c).await;
        let invoices = db
            .list_invoices(
                tenantry_domain::books::InvoiceKind::Sales,
                &crate::books_pages::all(),
            )
            .await
            .unwrap();
        assert_eq!(invoices.len(), 1);
    }
);
