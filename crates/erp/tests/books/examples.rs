//! Worked examples, checked to the penny against figures computed by hand.

use tenantry_domain::books::{Amount, InvoiceKind, InvoiceStatus, VatRounding};
use tenantry_erp::payments::{AllocationInput, PaymentInput};
use tenantry_erp::reports::Period;
use tenantry_erp::settings::SettingsInput;
use tenantry_store::books::PartyKind;
use time::Duration;

use crate::both_backends;
use crate::support::{amt, invoice_input, Fixture};

/// The closing balance (debit positive) of an account, by name.
pub async fn balance(f: &Fixture, account: &str) -> Amount {
    let period = Period::new(f.today - Duration::days(400), f.today + Duration::days(400)).unwrap();
    let tb = f.books.trial_balance(period).await.unwrap();
    tb.rows
        .iter()
        .find(|r| r.name == account)
        .map(|r| r.closing)
        .unwrap_or(Amount::ZERO)
}

both_backends!(a_trading_month_to_the_penny, a_trading_month_to_the_penny);
async fn a_trading_month_to_the_penny(f: &Fixture) {
    f.customer("Acme Ltd").await;
    f.supplier("Widgets Wholesale").await;
    f.item(
        "WIDGET",
        true,
        tenantry_domain::books::VatCategory::Standard,
        "10.00",
        "6.00",
    )
    .await;
    f.item(
        "CONSULT",
        false,
        tenantry_domain::books::VatCategory::Standard,
        "50.00",
        "0",
    )
    .await;
    f.item(
        "HOURS",
        false,
        tenantry_domain::books::VatCategory::Standard,
        "33.33",
        "0",
    )
    .await;

    // Buy 10 @ £6.00 and 5 @ £7.50: stock £97.50, average £6.50; VAT £12.00 + £7.50.
    let bill = f
        .invoice(
            InvoiceKind::Purchase,
            "Widgets Wholesale",
            &[("WIDGET", "10", "6.00"), ("WIDGET", "5", "7.50")],
            true,
        )
        .await
        .unwrap();
    assert_eq!(bill.invoice.net_total, amt("97.50"));
    assert_eq!(bill.invoice.vat_total, amt("19.50"));
    assert_eq!(bill.invoice.grand_total, amt("117.00"));
    assert!(bill.name.starts_with("PINV-"));

    // Sell 3 widgets, a consultation, and 1.5 hours at £33.33 (= £49.995 → £50.00).
    let sale = f
        .invoice(
            InvoiceKind::Sales,
            "Acme Ltd",
            &[
                ("WIDGET", "3", "10.00"),
                ("CONSULT", "1", "50.00"),
                ("HOURS", "1.5", "33.33"),
            ],
            true,
        )
        .await
        .unwrap();
    assert_eq!(sale.lines[2].net, amt("50.00"));
    assert_eq!(sale.invoice.net_total, amt("130.00"));
    assert_eq!(sale.invoice.vat_total, amt("26.00"));
    assert_eq!(sale.invoice.grand_total, amt("156.00"));
    assert_eq!(sale.invoice.outstanding, amt("156.00"));
    assert_eq!(sale.status, InvoiceStatus::Unpaid);
    assert_eq!(sale.name, format!("SINV-{}-00001", f.today.year()));
    assert_eq!(
        sale.lines[0].cost,
        Some(1950),
        "3 × £6.50 at moving average"
    );

    assert_eq!(balance(f, "Trade Debtors").await, amt("156.00"));
    assert_eq!(balance(f, "Sales").await, amt("-130.00"));
    assert_eq!(balance(f, "VAT on Sales").await, amt("-26.00"));
    assert_eq!(balance(f, "Cost of Goods Sold").await, amt("19.50"));
    assert_eq!(balance(f, "Stock").await, amt("78.00"));
    assert_eq!(balance(f, "Trade Creditors").await, amt("-117.00"));
    assert_eq!(balance(f, "VAT on Purchases").await, amt("19.50"));

    // A partial payment of £100.00.
    let payment = f
        .books
        .create_payment(
            &PaymentInput {
                payment_type: tenantry_domain::books::PaymentDirection::Receive,
                party_type: PartyKind::Customer,
                party: "Acme Ltd".into(),
                posting_date: None,
                amount: amt("100.00"),
                account: None,
                reference: "BACS 123".into(),
                remarks: String::new(),
                allocations: vec![AllocationInput {
                    invoice: sale.name.clone(),
                    amount: amt("100.00"),
                }],
            },
            "tester@example.com",
            true,
            f.today,
        )
        .await
        .unwrap();
    let after = f
        .books
        .invoice_doc(InvoiceKind::Sales, &sale.name, f.today)
        .await
        .unwrap();
    assert_eq!(after.invoice.outstanding, amt("56.00"));
    assert_eq!(after.status, InvoiceStatus::PartlyPaid);
    assert_eq!(balance(f, "Bank Current Account").await, amt("100.00"));

    // A credit note for one widget: £10.00 + £2.00 VAT off what is owed; the widget comes back
    // at the £6.50 it left at.
    let mut credit = invoice_input("Acme Ltd", &[("WIDGET", "1", "10.00")]);
    credit.is_return = true;
    credit.return_against = Some(sale.name.clone());
    let note = f
        .books
        .create_invoice(
            InvoiceKind::Sales,
            &credit,
            "tester@example.com",
            true,
            f.today,
        )
        .await
        .unwrap();
    assert_eq!(note.invoice.grand_total, amt("-12.00"));
    assert_eq!(note.invoice.outstanding, Amount::ZERO);
    assert_eq!(note.status, InvoiceStatus::Return);
    let after = f
        .books
        .invoice_doc(InvoiceKind::Sales, &sale.name, f.today)
        .await
        .unwrap();
    assert_eq!(after.invoice.outstanding, amt("44.00"));
    assert_eq!(balance(f, "Trade Debtors").await, amt("44.00"));
    assert_eq!(balance(f, "Stock").await, amt("84.50"));
    assert_eq!(balance(f, "Cost of Goods Sold").await, amt("13.00"));

    let stock = f.books.stock_balances().await.unwrap();
    assert_eq!(stock.len(), 1);
    assert_eq!(stock[0].qty, tenantry_domain::books::Quantity::units(13));
    assert_eq!(stock[0].value, amt("84.50"));

    // Reports.
    let period = Period::new(f.today - Duration::days(30), f.today).unwrap();
    let tb = f.books.trial_balance(period).await.unwrap();
    assert_eq!(tb.closing_sum, Amount::ZERO);
    assert_eq!(tb.total_debit, tb.total_credit);
    let vat = f.books.vat_return(period).await.unwrap();
    assert_eq!(vat.boxes.box1_vat_due_on_sales, amt("24.00"));
    assert_eq!(vat.boxes.box4_vat_reclaimed, amt("19.50"));
    assert_eq!(vat.boxes.box5_net_vat, amt("4.50"));
    assert!(!vat.boxes.box5_is_repayment);
    assert_eq!(vat.boxes.box6_total_sales_ex_vat, 120);
    assert_eq!(vat.boxes.box7_total_purchases_ex_vat, 97);
    let pl = f.books.profit_and_loss(period).await.unwrap();
    assert_eq!(
        pl.result.1,
        amt("107.00"),
        "£120.00 sales less £13.00 cost of goods"
    );
    let bs = f.books.balance_sheet(period.to).await.unwrap();
    assert_eq!(
        bs.result.1,
        Amount::ZERO,
        "assets = liabilities + equity + profit"
    );
    let ageing = f.books.ageing(InvoiceKind::Sales, f.today).await.unwrap();
    assert_eq!(ageing.summary.total, amt("44.00"));
    assert!(tb
        .table()
        .to_csv()
        .unwrap()
        .starts_with("Number,Account,Opening,Debit,Credit,Closing\n"));

    // The owner puts in £1,000.00 of capital: a journal.
    use tenantry_erp::journals::{JournalInput, JournalLineInput};
    let line = |account: &str, debit: &str, credit: &str| JournalLineInput {
        account: account.into(),
        party_type: None,
        party: None,
        debit: amt(debit),
        credit: amt(credit),
    };
    let journal = f
        .books
        .create_journal(
            &JournalInput {
                posting_date: None,
                remarks: "capital".into(),
                accounts: vec![
                    line("Bank Current Account", "1000.00", "0"),
                    line("3001", "0", "1000.00"),
                ],
            },
            "tester@example.com",
            true,
            f.today,
        )
        .await
        .unwrap();
    assert!(journal.name.starts_with("JV-"));
    assert_eq!(balance(f, "Bank Current Account").await, amt("1100.00"));
    assert_eq!(balance(f, "Share Capital").await, amt("-1000.00"));
    f.books.cancel_journal(&journal.name).await.unwrap();
    assert_eq!(balance(f, "Bank Current Account").await, amt("100.00"));

    // Undo it all: the payment, the credit note, then the invoice.
    let entries_before = f.db.ledger_size().await.unwrap();
    f.books.cancel_payment(&payment.name).await.unwrap();
    let after = f
        .books
        .invoice_doc(InvoiceKind::Sales, &sale.name, f.today)
        .await
        .unwrap();
    assert_eq!(after.invoice.outstanding, amt("144.00"));
    f.books
        .cancel_invoice(InvoiceKind::Sales, &note.name, f.today)
        .await
        .unwrap();
    let after = f
        .books
        .invoice_doc(InvoiceKind::Sales, &sale.name, f.today)
        .await
        .unwrap();
    assert_eq!(after.invoice.outstanding, amt("156.00"));
    let cancelled = f
        .books
        .cancel_invoice(InvoiceKind::Sales, &sale.name, f.today)
        .await
        .unwrap();
    assert_eq!(cancelled.status, InvoiceStatus::Cancelled);
    assert!(
        f.db.ledger_size().await.unwrap() > entries_before,
        "cancelling adds entries"
    );
    assert_eq!(balance(f, "Trade Debtors").await, Amount::ZERO);
    assert_eq!(balance(f, "Sales").await, Amount::ZERO);
    assert_eq!(balance(f, "Stock").await, amt("97.50"));
    assert_eq!(balance(f, "Cost of Goods Sold").await, Amount::ZERO);
}

both_backends!(
    vat_rounds_per_line_or_per_invoice,
    vat_rounds_per_line_or_per_invoice
);
async fn vat_rounds_per_line_or_per_invoice(f: &Fixture) {
    f.customer("Pennies Ltd").await;
    f.item(
        "SMALL",
        false,
        tenantry_domain::books::VatCategory::Standard,
        "0.33",
        "0",
    )
    .await;
    let lines = [
        ("SMALL", "1", "0.33"),
        ("SMALL", "1", "0.33"),
        ("SMALL", "1", "0.33"),
    ];
    let per_line = f
        .invoice(InvoiceKind::Sales, "Pennies Ltd", &lines, false)
        .await
        .unwrap();
    assert_eq!(
        per_line.invoice.vat_total,
        amt("0.21"),
        "0.066 → 0.07, three times"
    );
    f.books
        .update_settings(&SettingsInput {
            address: "1 High Street".into(),
            tax_id: "GB123456789".into(),
            vat_rounding: VatRounding::PerInvoice,
            allow_negative_stock: false,
        })
        .await
        .unwrap();
    let per_invoice = f
        .invoice(InvoiceKind::Sales, "Pennies Ltd", &lines, true)
        .await
        .unwrap();
    assert_eq!(
        per_invoice.invoice.vat_total,
        amt("0.20"),
        "0.99 × 20% = 0.198 → 0.20"
    );
    let shares: Vec<Amount> = per_invoice.lines.iter().map(|l| l.vat).collect();
    assert_eq!(shares, vec![amt("0.07"), amt("0.07"), amt("0.06")]);
    assert_eq!(per_invoice.invoice.grand_total, amt("1.19"));
}

both_backends!(
    stock_entries_move_stock_at_moving_average,
    stock_entries_move_stock_at_moving_average
);
async fn stock_entries_move_stock_at_moving_average(f: &Fixture) {
    use tenantry_erp::stock::{StockEntryInput, StockLineInput};
    let f: &Fixture = f;
    f.item(
        "BOLT",
        true,
        tenantry_domain::books::VatCategory::Standard,
        "1.00",
        "0.40",
    )
    .await;
    f.books.create_warehouse("Van").await.unwrap();
    let line =
        |qty: &str, from: Option<&str>, to: Option<&str>, rate: Option<&str>| StockLineInput {
            item_code: "BOLT".into(),
            qty: tenantry_domain::books::Quantity::parse(qty).unwrap(),
            s_warehouse: from.map(Into::into),
            t_warehouse: to.map(Into::into),
            basic_rate: rate.map(amt),
        };
    let entry = |purpose: &str, items| StockEntryInput {
        purpose: purpose.into(),
        posting_date: None,
        remarks: String::new(),
        items,
    };
    f.books
        .create_stock_entry(
            &entry(
                "Material Receipt",
                vec![line("100", None, Some("Stores"), Some("0.40"))],
            ),
            "t",
            true,
            f.today,
        )
        .await
        .unwrap();
    f.books
        .create_stock_entry(
            &entry(
                "Material Receipt",
                vec![line("50", None, Some("Stores"), Some("0.55"))],
            ),
            "t",
            true,
            f.today,
        )
        .await
        .unwrap();
    // 150 worth £67.50: average £0.45. Move 30 to the van (£13.50), write off 3 there (£1.35).
    f.books
        .create_stock_entry(
            &entry(
                "Material Transfer",
                vec![line("30", Some("Stores"), Some("Van"), None)],
            ),
            "t",
            true,
            f.today,
        )
        .await
        .unwrap();
    let issue = f
        .books
        .create_stock_entry(
            &entry("Material Issue", vec![line("3", Some("Van"), None, None)]),
            "t",
            true,
            f.today,
        )
        .await
        .unwrap();
    assert_eq!(issue.items[0].value, Some(135));
    let stock = f.books.stock_balances().await.unwrap();
    let van = stock.iter().find(|s| s.warehouse == "Van").unwrap();
    let stores = stock.iter().find(|s| s.warehouse == "Stores").unwrap();
    assert_eq!(
        (van.qty, van.value),
        (tenantry_domain::books::Quantity::units(27), amt("12.15"))
    );
    assert_eq!(
        (stores.qty, stores.value),
        (tenantry_domain::books::Quantity::units(120), amt("54.00"))
    );
    assert_eq!(balance(f, "Stock").await, amt("66.15"));
    assert_eq!(balance(f, "Stock Adjustments").await, amt("-66.15"));
    // Too many out of the van is refused and changes nothing.
    let refused = f
        .books
        .create_stock_entry(
            &entry("Material Issue", vec![line("28", Some("Van"), None, None)]),
            "t",
            true,
            f.today,
        )
        .await;
    assert!(
        matches!(refused, Err(tenantry_erp::ErpError::Invalid(_))),
        "{refused:?}"
    );
    assert_eq!(balance(f, "Stock").await, amt("66.15"));
}

both_backends!(
    ageing_as_of_a_past_day_puts_back_what_came_after,
    ageing_as_of_a_past_day_puts_back_what_came_after
);
/// An invoice of £120.00 (due in 30 days), £30.00 paid on day 10, a £24.00 credit note on day
/// 20, a second invoice on day 12: the ageing on days 5, 15 and 25 shows what was owed then.
async fn ageing_as_of_a_past_day_puts_back_what_came_after(f: &Fixture) {
    f.customer("Acme Ltd").await;
    f.item(
        "CONSULT",
        false,
        tenantry_domain::books::VatCategory::Standard,
        "100.00",
        "0",
    )
    .await;
    // Days of the next fiscal year (seeded with the current one), whatever today is.
    let years = f.books.fiscal_years().await.unwrap();
    let day0 = years.iter().map(|y| y.start_date).max().unwrap();
    let day = |n: i64| day0 + Duration::days(n);
    let dated = |date, lines: &[(&str, &str, &str)]| {
        let mut input = invoice_input("Acme Ltd", lines);
        input.posting_date = Some(date);
        input.due_date = Some(date + Duration::days(30));
        input
    };
    let create = |input| async move {
        f.books
            .create_invoice(InvoiceKind::Sales, &input, "t", true, f.today)
            .await
            .unwrap()
    };
    let first = create(dated(day(0), &[("CONSULT", "1", "100.00")])).await;
    assert_eq!(first.invoice.grand_total, amt("120.00"));
    f.books
        .create_payment(
            &PaymentInput {
                payment_type: tenantry_domain::books::PaymentDirection::Receive,
                party_type: PartyKind::Customer,
                party: "Acme Ltd".into(),
                posting_date: Some(day(10)),
                amount: amt("30.00"),
                account: None,
                reference: String::new(),
                remarks: String::new(),
                allocations: vec![AllocationInput {
                    invoice: first.name.clone(),
                    amount: amt("30.00"),
                }],
            },
            "t",
            true,
            f.today,
        )
        .await
        .unwrap();
    let second = create(dated(day(12), &[("CONSULT", "0.5", "100.00")])).await;
    let mut note = dated(day(20), &[("CONSULT", "0.2", "100.00")]);
    note.is_return = true;
    note.return_against = Some(first.name.clone());
    let note = create(note).await;
    assert_eq!(note.invoice.grand_total, amt("-24.00"));

    let owed = |as_of| async move {
        let a = f.books.ageing(InvoiceKind::Sales, as_of).await.unwrap();
        let rows: Vec<(String, Amount)> = a
            .invoices
            .iter()
            .map(|r| (r.invoice.clone(), r.outstanding))
            .collect();
        let summary = f
            .books
            .ageing_summary(InvoiceKind::Sales, as_of)
            .await
            .unwrap();
        // The summary the page shows, summed by the database, agrees with the invoices.
        assert_eq!(
            serde_json::to_value(&summary).unwrap(),
            serde_json::to_value(&a.summary).unwrap()
        );
        (rows, a.summary.total)
    };
    assert_eq!(
        owed(day(5)).await,
        (vec![(first.name.clone(), amt("120.00"))], amt("120.00")),
        "before the payment; the second invoice is not yet issued"
    );
    assert_eq!(
        owed(day(15)).await,
        (
            vec![
                (first.name.clone(), amt("90.00")),
                (second.name.clone(), amt("60.00"))
            ],
            amt("150.00")
        ),
        "after the payment, before the credit note"
    );
    assert_eq!(
        owed(day(25)).await,
        (
            vec![
                (first.name.clone(), amt("66.00")),
                (second.name.clone(), amt("60.00"))
            ],
            amt("126.00")
        ),
        "after the credit note (which settled the first invoice in full)"
    );
    // Days past due count from each invoice's due date.
    let late = f.books.ageing(InvoiceKind::Sales, day(45)).await.unwrap();
    assert_eq!(late.invoices[0].days_overdue, 15);
}

both_backends!(the_dashboard_figures_add_up, the_dashboard_figures_add_up);
/// On day 25: a sale that day (£100 + VAT, £30 paid), one on day 20 (£50 + VAT), one on day 1
/// due on day 11 (£10 + VAT), and a draft that day; the dashboard's figures by hand.
async fn the_dashboard_figures_add_up(f: &Fixture) {
    f.customer("Acme Ltd").await;
    f.item(
        "CONSULT",
        false,
        tenantry_domain::books::VatCategory::Standard,
        "10.00",
        "0",
    )
    .await;
    let years = f.books.fiscal_years().await.unwrap();
    let day0 = years.iter().map(|y| y.start_date).max().unwrap();
    let day = |n: i64| day0 + Duration::days(n);
    let sale = |n: i64, units: &'static str, submit: bool| async move {
        let mut input = invoice_input("Acme Ltd", &[("CONSULT", units, "10.00")]);
        input.posting_date = Some(day(n));
        input.due_date = Some(day(n + 10));
        f.books
            .create_invoice(InvoiceKind::Sales, &input, "t", submit, f.today)
            .await
            .unwrap()
    };
    let old = sale(1, "1", true).await;
    let week = sale(20, "5", true).await;
    let today = sale(25, "10", true).await;
    let draft = sale(25, "99", false).await;
    f.books
        .create_payment(
            &PaymentInput {
                payment_type: tenantry_domain::books::PaymentDirection::Receive,
                party_type: PartyKind::Customer,
                party: "Acme Ltd".into(),
                posting_date: Some(day(25)),
                amount: amt("30.00"),
                account: None,
                reference: String::new(),
                remarks: String::new(),
                allocations: vec![AllocationInput {
                    invoice: today.name.clone(),
                    amount: amt("30.00"),
                }],
            },
            "t",
            true,
            f.today,
        )
        .await
        .unwrap();

    let d = f.books.dashboard(day(25)).await.unwrap();
    let sums = |s: &tenantry_store::books::SalesSum| (s.invoices, s.net, s.gross);
    assert_eq!(sums(&d.sales_today), (1, amt("100.00"), amt("120.00")));
    assert_eq!(sums(&d.sales_7_days), (2, amt("150.00"), amt("180.00")));
    assert_eq!(sums(&d.sales_30_days), (3, amt("160.00"), amt("192.00")));
    // Owed: 120 − 30 + 60 + 12; overdue: only the day-1 sale, due on day 11.
    assert_eq!(d.receivables_outstanding, amt("162.00"));
    assert_eq!(d.receivables_overdue, amt("12.00"));
    // Latest by date first (the draft and the day's sale share a date: the later one first).
    let names: Vec<&str> = d.recent_invoices.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, [&draft.name, &today.name, &week.name, &old.name]);
    assert_eq!(d.recent_invoices[1].status, InvoiceStatus::PartlyPaid);
    assert_eq!(d.recent_invoices[3].status, InvoiceStatus::Overdue);
    assert_eq!(d.top_items.len(), 1);
    assert_eq!(
        (d.top_items[0].item_code.as_str(), d.top_items[0].net),
        ("CONSULT", amt("160.00"))
    );
}
