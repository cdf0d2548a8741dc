//! Concurrency: numbers stay gapless and distinct, payments cannot over-allocate, sales cannot
//! take stock below zero when that is forbidden.

use std::collections::BTreeSet;

use tenantry_domain::books::{Amount, InvoiceKind, PaymentDirection, Quantity, VatCategory};
use tenantry_erp::payments::{AllocationInput, PaymentInput};
use tenantry_erp::stock::{StockEntryInput, StockLineInput};
use tenantry_store::books::PartyKind;

use crate::both_backends;
use crate::support::{amt, invoice_input, Fixture};

both_backends!(
    parallel_submits_take_consecutive_numbers,
    parallel_submits_take_consecutive_numbers
);
async fn parallel_submits_take_consecutive_numbers(f: &Fixture) {
    f.customer("Acme Ltd").await;
    f.item("SERVICE", false, VatCategory::Standard, "10.00", "0")
        .await;
    let mut names = Vec::new();
    for _ in 0..24 {
        names.push(
            f.invoice(
                InvoiceKind::Sales,
                "Acme Ltd",
                &[("SERVICE", "1", "10.00")],
                false,
            )
            .await
            .unwrap()
            .name,
        );
    }
    let mut tasks = Vec::new();
    for name in names {
        let books = f.books.clone();
        let today = f.today;
        tasks.push(tokio::spawn(async move {
            books.submit_invoice(InvoiceKind::Sales, &name, today).await
        }));
    }
    let mut submitted = Vec::new();
    for t in tasks {
        submitted.push(t.await.unwrap().unwrap().name);
    }
    assert_gapless(f, "SINV", submitted);
}

/// The accepted documents' numbers are exactly `PREFIX-YYYY-00001` up to their count, each
/// once: no gap, no duplicate, nothing else.
fn assert_gapless(f: &Fixture, prefix: &str, mut names: Vec<String>) {
    let year = f.today.year();
    let expected: Vec<String> = (1..=names.len())
        .map(|n| format!("{prefix}-{year}-{n:05}"))
        .collect();
    let distinct: BTreeSet<&String> = names.iter().collect();
    assert_eq!(
        distinct.len(),
        names.len(),
        "a number given twice: {names:?}"
    );
    names.sort();
    assert_eq!(
        names, expected,
        "the accepted documents' numbers are not 1..=N"
    );
}

both_backends!(
    parallel_payments_cannot_over_allocate,
    parallel_payments_cannot_over_allocate
);
async fn parallel_payments_cannot_over_allocate(f: &Fixture) {
    f.customer("Acme Ltd").await;
    f.item("SERVICE", false, VatCategory::Exempt, "100.00", "0")
        .await;
    let inv = f
        .invoice(
            InvoiceKind::Sales,
            "Acme Ltd",
            &[("SERVICE", "1", "100.00")],
            true,
        )
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let books = f.books.clone();
        let today = f.today;
        let input = PaymentInput {
            payment_type: PaymentDirection::Receive,
            party_type: PartyKind::Customer,
            party: "Acme Ltd".into(),
            posting_date: None,
            amount: amt("30.00"),
            account: None,
            reference: String::new(),
            remarks: String::new(),
            allocations: vec![AllocationInput {
                invoice: inv.name.clone(),
                amount: amt("30.00"),
            }],
        };
        tasks.push(tokio::spawn(async move {
            books.create_payment(&input, "t", true, today).await
        }));
    }
    let mut accepted = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(p) => accepted.push(p.name),
            Err(e) => assert!(matches!(e, tenantry_erp::ErpError::Invalid(_)), "{e:?}"),
        }
    }
    assert_eq!(accepted.len(), 3);
    // A refused payment takes no number: the accepted ones are PAY-YYYY-00001..3.
    assert_gapless(f, "PAY", accepted);
    let after = f
        .books
        .invoice_doc(InvoiceKind::Sales, &inv.name, f.today)
        .await
        .unwrap();
    assert_eq!(after.invoice.outstanding, amt("10.00"));
    assert_eq!(
        crate::examples::balance(f, "Bank Current Account").await,
        amt("90.00")
    );
}

both_backends!(
    parallel_sales_cannot_take_stock_below_zero,
    parallel_sales_cannot_take_stock_below_zero
);
async fn parallel_sales_cannot_take_stock_below_zero(f: &Fixture) {
    f.customer("Acme Ltd").await;
    f.item("WIDGET", true, VatCategory::Standard, "10.00", "6.00")
        .await;
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
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let books = f.books.clone();
        let today = f.today;
        let input = invoice_input("Acme Ltd", &[("WIDGET", "1", "10.00")]);
        tasks.push(tokio::spawn(async move {
            books
                .create_invoice(InvoiceKind::Sales, &input, "t", true, today)
                .await
        }));
    }
    let mut sold = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(doc) => sold.push(doc.name),
            Err(e) => assert!(matches!(e, tenantry_erp::ErpError::Invalid(_)), "{e:?}"),
        }
    }
    assert_eq!(sold.len(), 5);
    // The seven refused sales took no number: the five accepted are SINV-YYYY-00001..5.
    assert_gapless(f, "SINV", sold);
    let stock = f.books.stock_balances().await.unwrap();
    assert_eq!(stock[0].qty, Quantity::ZERO);
    assert_eq!(stock[0].value, Amount::ZERO);
}
