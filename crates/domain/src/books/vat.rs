//! UK VAT: the categories an item can carry and how an invoice's VAT is computed and rounded.

use serde::{Deserialize, Serialize};

use super::decimal::{div_round, Amount};
use crate::ValidationError;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum VatCategory {
    /// 20%.
    Standard,
    /// 5%.
    Reduced,
    /// 0%, but a taxable supply (counts in the VAT return's box 6).
    Zero,
    /// Outside VAT's charge; still counted in box 6 as a supply.
    Exempt,
}

impl VatCategory {
    pub const ALL: [VatCategory; 4] = [
        VatCategory::Standard,
        VatCategory::Reduced,
        VatCategory::Zero,
        VatCategory::Exempt,
    ];

    /// The rate in basis points (hundredths of a percent).
    pub fn rate_basis_points(self) -> i64 {
        match self {
            VatCategory::Standard => 2_000,
            VatCategory::Reduced => 500,
            VatCategory::Zero | VatCategory::Exempt => 0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VatCategory::Standard => "standard",
            VatCategory::Reduced => "reduced",
            VatCategory::Zero => "zero",
            VatCategory::Exempt => "exempt",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            VatCategory::Standard => "VAT 20%",
            VatCategory::Reduced => "VAT 5%",
            VatCategory::Zero => "Zero-rated",
            VatCategory::Exempt => "Exempt",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                ValidationError::new("vat_category", "must be standard, reduced, zero or exempt")
            })
    }

    /// VAT on a net amount, rounded half away from zero to the penny.
    pub fn vat_on(self, net: Amount) -> Amount {
        Amount(div_round(
            i128::from(net.0) * i128::from(self.rate_basis_points()),
            10_000,
        ) as i64)
    }
}

/// Where VAT is rounded. HMRC accepts either, used consistently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VatRounding {
    /// VAT is worked out and rounded on each line; the invoice's VAT is the sum of its lines'.
    #[default]
    PerLine,
    /// Lines are summed per rate first; VAT is worked out and rounded once per rate. Each line
    /// still shows its share, apportioned so that the lines add up to the invoice's figure.
    PerInvoice,
}

impl VatRounding {
    pub fn as_str(self) -> &'static str {
        match self {
            VatRounding::PerLine => "per_line",
            VatRounding::PerInvoice => "per_invoice",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        match s {
            "per_line" => Ok(VatRounding::PerLine),
            "per_invoice" => Ok(VatRounding::PerInvoice),
            _ => Err(ValidationError::new(
                "vat_rounding",
                "must be per_line or per_invoice",
            )),
        }
    }
}

/// VAT for each line of net amounts and categories, under `rounding`. In per-invoice mode each
/// rate's rounded total is spread over its lines by the largest-remainder method, so that the
/// lines always sum to what the invoice states.
pub fn vat_per_line(lines: &[(Amount, VatCategory)], rounding: VatRounding) -> Vec<Amount> {
    match rounding {
        VatRounding::PerLine => lines.iter().map(|(net, c)| c.vat_on(*net)).collect(),
        VatRounding::PerInvoice => {
            let mut vat = vec![Amount::ZERO; lines.len()];
            for category in VatCategory::ALL {
                let members: Vec<usize> = (0..lines.len())
                    .filter(|i| lines[*i].1 == category)
                    .collect();
                let net: Amount = members.iter().map(|i| lines[*i].0).sum();
                let total = category.vat_on(net);
                if net.is_zero() {
                    for i in &members {
                        vat[*i] = category.vat_on(lines[*i].0);
                    }
                    continue;
                }
                // Truncated shares first, then the pennies left go to the largest remainders.
                let mut given = Amount::ZERO;
                let mut remainders = Vec::with_capacity(members.len());
                for i in &members {
                    let exact = i128::from(total.0) * i128::from(lines[*i].0 .0);
                    let share = exact / i128::from(net.0);
                    vat[*i] = Amount(share as i64);
                    given += vat[*i];
                    remainders.push((*i, (exact % i128::from(net.0)).abs()));
                }
                remainders.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let step = if (total - given).is_negative() { -1 } else { 1 };
                let mut left = (total - given).0.abs();
                for (i, _) in remainders {
                    if left == 0 {
                        break;
                    }
                    vat[i] = Amount(vat[i].0 + step);
                    left -= 1;
                }
            }
            vat
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_invoice_rounding_differ_as_hand_computed() {
        // Three lines of £0.33 at 20%: per line 0.066 → 0.07 each = £0.21;
        // per invoice 0.99 × 20% = 0.198 → £0.20, spread 0.07 + 0.07 + 0.06.
        let lines = [(Amount(33), VatCategory::Standard); 3];
        let per_line = vat_per_line(&lines, VatRounding::PerLine);
        assert_eq!(per_line.iter().copied().sum::<Amount>(), Amount(21));
        let per_invoice = vat_per_line(&lines, VatRounding::PerInvoice);
        assert_eq!(per_invoice, vec![Amount(7), Amount(7), Amount(6)]);
    }

    #[test]
    fn rates_and_half_pennies() {
        assert_eq!(VatCategory::Standard.vat_on(Amount(1_2345)), Amount(2469));
        assert_eq!(VatCategory::Reduced.vat_on(Amount(1_0010)), Amount(501)); // 500.5 → 501
        assert_eq!(VatCategory::Reduced.vat_on(Amount(-1_0010)), Amount(-501));
        assert_eq!(VatCategory::Zero.vat_on(Amount(99_99)), Amount::ZERO);
        assert_eq!(VatCategory::Exempt.vat_on(Amount(99_99)), Amount::ZERO);
    }

    #[test]
    fn per_invoice_mixed_rates_and_credit_lines() {
        let lines = [
            (Amount(-1001), VatCategory::Standard),
            (Amount(-1001), VatCategory::Standard),
            (Amount(1000), VatCategory::Reduced),
        ];
        let vat = vat_per_line(&lines, VatRounding::PerInvoice);
        // -20.02 × 20% = -4.004 → -4.00; 10.00 × 5% = 0.50.
        assert_eq!(vat[0] + vat[1], Amount(-400));
        assert_eq!(vat[2], Amount(50));
    }
}
