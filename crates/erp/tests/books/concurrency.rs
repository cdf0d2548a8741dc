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
    let mut numbers = BTreeSet::new();
    for t in tasks {
        let doc = t.await.unwrap().unwrap();
        let n: i64 = doc.name.rsplit('-').next().unwrap().parse().unwrap();
        assert!(numbers.insert(n), "{} given twice", doc.name);
    }
    assert_eq!(numbers, (1..=24).collect::<BTreeSet<i64>>());
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
    let mut accepted = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => accepted += 1,
            Err(e) => assert!(matches!(e, tenantry_erp::ErpError::Invalid(_)), "{e:?}"),
        }
    }
    assert_eq!(accepted, 3);
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
    let mut sold = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => sold += 1,
            Err(e) => assert!(matches!(e, tenantry_erp::ErpError::Invalid(_)), "{e:?}"),
        }
    }
    assert_eq!(sold, 5);
    let stock = f.books.stock_balances().await.unwrap();
    assert_eq!(stock[0].qty, Quantity::ZERO);
    assert_eq!(stock[0].value, Amount::ZERO);
}
