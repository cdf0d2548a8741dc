//! Bad input: each refused with a clear error, and the books unchanged.

use tenantry_domain::books::{InvoiceKind, Quantity, VatCategory};
use tenantry_erp::invoices::InvoiceInput;
use tenantry_erp::journals::{JournalInput, JournalLineInput};
use tenantry_erp::payments::{AllocationInput, PaymentInput};
use tenantry_erp::stock::{StockEntryInput, StockLineInput};
use tenantry_erp::ErpError;
use tenantry_store::books::PartyKind;
use time::Duration;

use crate::both_backends;
use crate::support::{amt, invoice_input, table_rows, Fixture};

fn journal(lines: &[(&str, &str, &str)]) -> JournalInput {
    JournalInput {
        posting_date: None,
        remarks: String::new(),
        accounts: lines
            .iter()
            .map(|(account, debit, credit)| JournalLineInput {
                account: (*account).into(),
                party_type: None,
                party: None,
                debit: amt(debit),
                credit: amt(credit),
            })
            .collect(),
    }
}

/// What must not move when something is refused.
async fn snapshot(f: &Fixture) -> (i64, usize, usize) {
    let q = tenantry_store::books::ListQuery {
        limit: 10_000,
        ..Default::default()
    };
    (
        f.db.ledger_size().await.unwrap(),
        f.books
            .list_invoices(InvoiceKind::Sales, &q)
            .await
            .unwrap()
            .len(),
        f.books.list_journals(&q).await.unwrap().len(),
    )
}

fn invalid<T: std::fmt::Debug>(r: tenantry_erp::Result<T>, says: &str) {
    match r {
        Err(ErpError::Invalid(m)) => assert!(m.contains(says), "{m:?} should say {says:?}"),
        other => panic!("expected a refusal saying {says:?}, got {other:?}"),
    }
}

both_backends!(
    bad_input_is_refused_and_changes_nothing,
    bad_input_is_refused_and_changes_nothing
);
async fn bad_input_is_refused_and_changes_nothing(f: &Fixture) {
    f.customer("Acme Ltd").await;
    f.item("WIDGET", true, VatCategory::Standard, "10.00", "6.00")
        .await;
    f.item("SERVICE", false, VatCategory::Standard, "10.00", "0")
        .await;
    let before = snapshot(f).await;

    invalid(
        f.books
            .create_journal(
                &journal(&[
                    ("Bank Current Account", "10.00", "0"),
                    ("Sales", "0", "9.99"),
                ]),
                "t",
                true,
                f.today,
            )
            .await,
        "do not balance",
    );
    invalid(
        f.books
            .create_journal(
                &journal(&[("No Such Account", "10.00", "0"), ("Sales", "0", "10.00")]),
                "t",
                true,
                f.today,
            )
            .await,
        "does not exist",
    );
    invalid(
        f.books
            .create_journal(
                &journal(&[("Current Assets", "10.00", "0"), ("Sales", "0", "10.00")]),
                "t",
                true,
                f.today,
            )
            .await,
        "is a group",
    );
    invalid(
        f.books
            .create_journal(
                &journal(&[("Trade Debtors", "10.00", "0"), ("Sales", "0", "10.00")]),
                "t",
                true,
                f.today,
            )
            .await,
        "name the party",
    );
    invalid(
        f.invoice(
            InvoiceKind::Sales,
            "Acme Ltd",
            &[("SERVICE", "-1", "10.00")],
            true,
        )
        .await,
        "cannot be negative",
    );
    invalid(
        f.invoice(
            InvoiceKind::Sales,
            "Acme Ltd",
            &[("SERVICE", "0", "10.00")],
            true,
        )
        .await,
        "cannot be zero",
    );
    invalid(
        f.invoice(
            InvoiceKind::Sales,
            "Nobody",
            &[("SERVICE", "1", "10.00")],
            true,
        )
        .await,
        "does not exist",
    );
    invalid(
        f.invoice(
            InvoiceKind::Sales,
            "Acme Ltd",
            &[("NOPE", "1", "10.00")],
            true,
        )
        .await,
        "does not exist",
    );
    invalid(
        f.invoice(
            InvoiceKind::Sales,
            "Acme Ltd",
            &[("WIDGET", "1", "10.00")],
            true,
        )
        .await,
        "not enough stock",
    );
    let mut far = invoice_input("Acme Ltd", &[("SERVICE", "1", "10.00")]);
    far.posting_date = Some(f.today + Duration::days(3 * 366));
    invalid(
        f.books
            .create_invoice(InvoiceKind::Sales, &far, "t", true, f.today)
            .await,
        "not in any fiscal year",
    );
    // Amounts with too many decimals never get past parsing.
    let body =
        r#"{"party": "Acme Ltd", "items": [{"item_code": "SERVICE", "qty": 1, "rate": "10.001"}]}"#;
    let parsed = serde_json::from_str::<InvoiceInput>(body);
    assert!(parsed
        .unwrap_err()
        .to_string()
        .contains("more than 2 decimal places"));
    let body =
        r#"{"party": "Acme Ltd", "items": [{"item_code": "SERVICE", "qty": 1.0001, "rate": 10}]}"#;
    assert!(serde_json::from_str::<InvoiceInput>(body).is_err());
    assert_eq!(snapshot(f).await, before);

    // Submitting twice, cancelling a draft, cancelling twice.
    let draft = f
        .invoice(
            InvoiceKind::Sales,
            "Acme Ltd",
            &[("SERVICE", "1", "10.00")],
            false,
        )
        .await
        .unwrap();
    let cancel_draft = f
        .books
        .cancel_invoice(InvoiceKind::Sales, &draft.name, f.today)
        .await;
    assert!(
        matches!(cancel_draft, Err(ErpError::State(ref m)) if m.contains("draft")),
        "{cancel_draft:?}"
    );
    let submitted = f
        .books
        .submit_invoice(InvoiceKind::Sales, &draft.name, f.today)
        .await
        .unwrap();
    let size = f.db.ledger_size().await.unwrap();
    let again = f
        .books
        .submit_invoice(InvoiceKind::Sales, &submitted.name, f.today)
        .await;
    assert!(
        matches!(again, Err(ErpError::State(ref m)) if m.contains("already submitted")),
        "{again:?}"
    );
    let edit = f
        .books
        .update_invoice(
            InvoiceKind::Sales,
            &submitted.name,
            &invoice_input("Acme Ltd", &[("SERVICE", "2", "10.00")]),
            "t",
            false,
            f.today,
        )
        .await;
    assert!(matches!(edit, Err(ErpError::State(_))), "{edit:?}");
    assert_eq!(f.db.ledger_size().await.unwrap(), size);
    f.books
        .cancel_invoice(InvoiceKind::Sales, &submitted.name, f.today)
        .await
        .unwrap();
    let twice = f
        .books
        .cancel_invoice(InvoiceKind::Sales, &submitted.name, f.today)
        .await;
    assert!(
        matches!(twice, Err(ErpError::State(ref m)) if m.contains("already cancelled")),
        "{twice:?}"
    );

    // Over-allocating a payment.
    let inv = f
        .invoice(
            InvoiceKind::Sales,
            "Acme Ltd",
            &[("SERVICE", "1", "10.00")],
            true,
        )
        .await
        .unwrap();
    let size = f.db.ledger_size().await.unwrap();
    let pay = |amount: &str, allocated: &str| PaymentInput {
        payment_type: tenantry_domain::books::PaymentDirection::Receive,
        party_type: PartyKind::Customer,
        party: "Acme Ltd".into(),
        posting_date: None,
        amount: amt(amount),
        account: None,
        reference: String::new(),
        remarks: String::new(),
        allocations: vec![AllocationInput {
            invoice: inv.name.clone(),
            amount: amt(allocated),
        }],
    };
    invalid(
        f.books
            .create_payment(&pay("12.01", "12.01"), "t", true, f.today)
            .await,
        "12.01 is more than the 12.00 left to settle on",
    );
    // A draft that could never be submitted is refused when it is saved, not at submit.
    invalid(
        f.books
            .create_payment(&pay("12.01", "12.01"), "t", false, f.today)
            .await,
        "12.01 is more than the 12.00 left to settle on",
    );
    invalid(
        f.books
            .create_payment(&pay("12.00", "11.00"), "t", true, f.today)
            .await,
        "add up to",
    );
    invalid(
        f.books
            .create_payment(
                &PaymentInput {
                    account: Some("Sales".into()),
                    ..pay("1.00", "1.00")
                },
                "t",
                true,
                f.today,
            )
            .await,
        "not an enabled bank or cash account",
    );
    assert_eq!(f.db.ledger_size().await.unwrap(), size);
    let after = f
        .books
        .invoice_doc(InvoiceKind::Sales, &inv.name, f.today)
        .await
        .unwrap();
    assert_eq!(after.invoice.outstanding, amt("12.00"));
    // An invoice with a payment cannot be cancelled until the payment is.
    f.books
        .create_payment(&pay("2.00", "2.00"), "t", true, f.today)
        .await
        .unwrap();
    let blocked = f
        .books
        .cancel_invoice(InvoiceKind::Sales, &inv.name, f.today)
        .await;
    assert!(
        matches!(blocked, Err(ErpError::State(ref m)) if m.contains("cancel those first")),
        "{blocked:?}"
    );
}

both_backends!(
    posted_rows_cannot_be_changed_even_by_sql,
    posted_rows_cannot_be_changed_even_by_sql
);
async fn posted_rows_cannot_be_changed_even_by_sql(f: &Fixture) {
    f.customer("Acme Ltd").await;
    f.item("WIDGET", true, VatCategory::Standard, "10.00", "6.00")
        .await;
    f.item("SERVICE", false, VatCategory::Standard, "10.00", "0")
        .await;
    // Stock in, then a sale of a stocked item and of a service: both ledgers hold rows.
    f.books
        .create_stock_entry(
            &StockEntryInput {
                purpose: "Material Receipt".into(),
                posting_date: None,
                remarks: String::new(),
                items: vec![StockLineInput {
                    item_code: "WIDGET".into(),
                    qty: Quantity::units(5),
                    s_warehouse: None,
                    t_warehouse: Some("Stores".into()),
                    basic_rate: Some(amt("6.00")),
                }],
            },
            "t",
            true,
            f.today,
        )
        .await
        .unwrap();
    f.invoice(
        InvoiceKind::Sales,
        "Acme Ltd",
        &[("WIDGET", "2", "10.00"), ("SERVICE", "1", "10.00")],
        true,
    )
    .await
    .unwrap();
    let gl_before = table_rows(&f.db, "gl_entries").await;
    let stock_before = table_rows(&f.db, "stock_ledger").await;
    // stock entry (stock, adjustment) + sale (debtors, income, VAT, stock, cost of goods)
    assert!(gl_before.len() >= 7, "{gl_before:?}");
    assert_eq!(stock_before.len(), 2, "{stock_before:?}");
    let statements = [
        "UPDATE gl_entries SET debit = debit + 1 WHERE debit > 0",
        "UPDATE gl_entries SET voucher_no = 'X'",
        "DELETE FROM gl_entries",
        "DELETE FROM gl_entries WHERE id = (SELECT MAX(id) FROM gl_entries)",
        "UPDATE stock_ledger SET qty_change = 0",
        "UPDATE stock_ledger SET value_after = value_after + 1 WHERE id = (SELECT MIN(id) FROM stock_ledger)",
        "DELETE FROM stock_ledger",
        "DELETE FROM stock_ledger WHERE id = (SELECT MAX(id) FROM stock_ledger)",
    ];
    for sql in statements {
        let result = match f.db.db() {
            tenantry_store::Db::Sqlite(p) => {
                sqlx::query(sql).execute(p).await.map(|r| r.rows_affected())
            }
            tenantry_store::Db::Postgres(p) => {
                sqlx::query(sql).execute(p).await.map(|r| r.rows_affected())
            }
        };
        match result {
            Ok(rows) => panic!("{sql}: accepted ({rows} rows), should be refused by the trigger"),
            Err(e) => {
                // Each backend's trigger names what it guards and what it refuses.
                let e = e.to_string();
                let table = if sql.contains("gl_entries") {
                    "gl_entries"
                } else {
                    "stock_ledger"
                };
                let says = match (f.db.db(), table) {
                    (tenantry_store::Db::Postgres(_), _) => {
                        format!("posted {table} rows are never changed or removed")
                    }
                    (tenantry_store::Db::Sqlite(_), "gl_entries") if sql.starts_with("UPDATE") => {
                        "posted ledger entries are never changed".into()
                    }
                    (tenantry_store::Db::Sqlite(_), "gl_entries") => {
                        "posted ledger entries are never removed".into()
                    }
                    (tenantry_store::Db::Sqlite(_), _) if sql.starts_with("UPDATE") => {
                        "posted stock entries are never changed".into()
                    }
                    (tenantry_store::Db::Sqlite(_), _) => {
                        "posted stock entries are never removed".into()
                    }
                };
                assert!(
                    e.contains(&says),
                    "{sql}: refused, but not by the trigger (expected {says:?}): {e}"
                );
            }
        }
        assert_eq!(
            table_rows(&f.db, "gl_entries").await,
            gl_before,
            "{sql} changed gl_entries"
        );
        assert_eq!(
            table_rows(&f.db, "stock_ledger").await,
            stock_before,
            "{sql} changed stock_ledger"
        );
    }
}

both_backends!(
    a_drafted_credit_note_cannot_credit_twice,
    a_drafted_credit_note_cannot_credit_twice
);
/// Found by the property test: the credit limits were checked only when a credit note was
/// written, against the notes submitted by then. A note drafted first and submitted after
/// another note credited the invoice again, beyond its total and beyond what it sold.
async fn a_drafted_credit_note_cannot_credit_twice(f: &Fixture) {
    f.customer("Acme Ltd").await;
    f.item("SERVICE", false, VatCategory::Standard, "10.00", "0")
        .await;
    f.item("FEE", false, VatCategory::Exempt, "5.00", "0").await;
    let inv = f
        .invoice(
            InvoiceKind::Sales,
            "Acme Ltd",
            &[("SERVICE", "1", "10.00"), ("FEE", "10", "5.00")],
            true,
        )
        .await
        .unwrap();
    let credit = |qty: &str| InvoiceInput {
        is_return: true,
        return_against: Some(inv.name.clone()),
        ..invoice_input("Acme Ltd", &[("SERVICE", qty, "10.00")])
    };
    let draft = f
        .books
        .create_invoice(InvoiceKind::Sales, &credit("1"), "t", false, f.today)
        .await
        .unwrap();
    f.books
        .create_invoice(InvoiceKind::Sales, &credit("1"), "t", true, f.today)
        .await
        .unwrap();
    let size = f.db.ledger_size().await.unwrap();
    // The service is returned already: the draft may not return it again.
    invalid(
        f.books
            .submit_invoice(InvoiceKind::Sales, &draft.name, f.today)
            .await,
        "returned already",
    );
    // Nor may a second note written now.
    invalid(
        f.books
            .create_invoice(InvoiceKind::Sales, &credit("1"), "t", true, f.today)
            .await,
        "returned already",
    );
    assert_eq!(f.db.ledger_size().await.unwrap(), size);
    let after = f
        .books
        .invoice_doc(InvoiceKind::Sales, &inv.name, f.today)
        .await
        .unwrap();
    // 62.00 (12.00 + 50.00 exempt) less the one credit of 12.00.
    assert_eq!(after.invoice.outstanding, amt("50.00"));
}
