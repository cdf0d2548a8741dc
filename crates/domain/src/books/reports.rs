//! Rules the reports share: ageing buckets and the UK VAT return's nine boxes.

use serde::Serialize;

use super::decimal::Amount;

/// Ageing buckets by days past the due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeingBucket {
    /// Not yet due.
    Current,
    Days1To30,
    Days31To60,
    Days61To90,
    Over90,
}

impl AgeingBucket {
    pub const ALL: [AgeingBucket; 5] = [
        AgeingBucket::Current,
        AgeingBucket::Days1To30,
        AgeingBucket::Days31To60,
        AgeingBucket::Days61To90,
        AgeingBucket::Over90,
    ];

    pub fn for_days_overdue(days: i64) -> Self {
        match days {
            d if d <= 0 => AgeingBucket::Current,
            1..=30 => AgeingBucket::Days1To30,
            31..=60 => AgeingBucket::Days31To60,
            61..=90 => AgeingBucket::Days61To90,
            _ => AgeingBucket::Over90,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AgeingBucket::Current => "Current",
            AgeingBucket::Days1To30 => "1–30",
            AgeingBucket::Days31To60 => "31–60",
            AgeingBucket::Days61To90 => "61–90",
            AgeingBucket::Over90 => "90+",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// What the VAT return is worked out from: the period's submitted invoices (credit notes
/// included, as negatives).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VatTotals {
    pub sales_net: Amount,
    pub sales_vat: Amount,
    pub purchases_net: Amount,
    pub purchases_vat: Amount,
}

/// A UK VAT return's nine boxes. Boxes 1–5 are in pence; 6–9 in whole pounds, pence left out,
/// as HMRC asks. Boxes 2, 8 and 9 concern goods moved between Northern Ireland and the EU, which
/// these books do not record; they are zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VatReturn {
    pub box1_vat_due_on_sales: Amount,
    pub box2_vat_due_on_acquisitions: Amount,
    pub box3_total_vat_due: Amount,
    pub box4_vat_reclaimed: Amount,
    /// Always shown as a positive figure; `box5_is_repayment` says which way it goes.
    pub box5_net_vat: Amount,
    pub box5_is_repayment: bool,
    pub box6_total_sales_ex_vat: i64,
    pub box7_total_purchases_ex_vat: i64,
    pub box8_supplies_to_eu: i64,
    pub box9_acquisitions_from_eu: i64,
}

impl VatReturn {
    pub fn from_totals(t: VatTotals) -> Self {
        let box3 = t.sales_vat;
        let net = box3 - t.purchases_vat;
        VatReturn {
            box1_vat_due_on_sales: t.sales_vat,
            box2_vat_due_on_acquisitions: Amount::ZERO,
            box3_total_vat_due: box3,
            box4_vat_reclaimed: t.purchases_vat,
            box5_net_vat: net.abs(),
            box5_is_repayment: net.is_negative(),
            box6_total_sales_ex_vat: t.sales_net.whole_units(),
            box7_total_purchases_ex_vat: t.purchases_net.whole_units(),
            box8_supplies_to_eu: 0,
            box9_acquisitions_from_eu: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cut_at_30_60_90() {
        let b = AgeingBucket::for_days_overdue;
        assert_eq!(b(-5), AgeingBucket::Current);
        assert_eq!(b(0), AgeingBucket::Current);
        assert_eq!(b(1), AgeingBucket::Days1To30);
        assert_eq!(b(30), AgeingBucket::Days1To30);
        assert_eq!(b(31), AgeingBucket::Days31To60);
        assert_eq!(b(90), AgeingBucket::Days61To90);
        assert_eq!(b(91), AgeingBucket::Over90);
    }

    #[test]
    fn vat_return_worked_example() {
        let r = VatReturn::from_totals(VatTotals {
            sales_net: Amount(1_234_599),
            sales_vat: Amount(246_920),
            purchases_net: Amount(500_050),
            purchases_vat: Amount(100_010),
        });
        assert_eq!(r.box3_total_vat_due, Amount(246_920));
        assert_eq!(r.box5_net_vat, Amount(146_910));
        assert!(!r.box5_is_repayment);
        assert_eq!(r.box6_total_sales_ex_vat, 12_345);
        assert_eq!(r.box7_total_purchases_ex_vat, 5_000);
    }
}
