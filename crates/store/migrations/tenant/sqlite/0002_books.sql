-- The books: chart of accounts, parties, items, stock, documents and the ledgers.
-- Money is integer minor units (pence); quantities integer thousandths; dates ISO text.
-- gl_entries and stock_ledger are insert-only: triggers refuse any change or removal.

ALTER TABLE company ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE company ADD COLUMN tax_id TEXT NOT NULL DEFAULT '';
ALTER TABLE company ADD COLUMN vat_rounding TEXT NOT NULL DEFAULT 'per_line'
    CHECK (vat_rounding IN ('per_line', 'per_invoice'));
ALTER TABLE company ADD COLUMN allow_negative_stock INTEGER NOT NULL DEFAULT 0;
ALTER TABLE company ADD COLUMN chart TEXT NOT NULL DEFAULT 'uk_small_business';

CREATE TABLE fiscal_years (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    start_date TEXT NOT NULL,
    end_date   TEXT NOT NULL,
    CHECK (start_date <= end_date)
);

CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL UNIQUE,
    parent_id    INTEGER REFERENCES accounts (id),
    root_type    TEXT NOT NULL,
    account_type TEXT NOT NULL,
    is_group     INTEGER NOT NULL,
    disabled     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
);

-- Each account's debits and credits per day, kept as entries post, so that balances over any
-- period are a sum over days rather than a scan of the ledger.
CREATE TABLE account_daily (
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    day        TEXT NOT NULL,
    debit      INTEGER NOT NULL,
    credit     INTEGER NOT NULL,
    PRIMARY KEY (account_id, day)
);

CREATE TABLE parties (
    id                 INTEGER PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('customer', 'supplier')),
    name               TEXT NOT NULL,
    email              TEXT NOT NULL DEFAULT '',
    phone              TEXT NOT NULL DEFAULT '',
    tax_id             TEXT NOT NULL DEFAULT '',
    address_line1      TEXT NOT NULL DEFAULT '',
    address_line2      TEXT NOT NULL DEFAULT '',
    city               TEXT NOT NULL DEFAULT '',
    postcode           TEXT NOT NULL DEFAULT '',
    country            TEXT NOT NULL DEFAULT '',
    payment_terms_days INTEGER NOT NULL DEFAULT 30,
    disabled           INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    UNIQUE (kind, name)
);

CREATE TABLE item_groups (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL UNIQUE,
    parent_id INTEGER REFERENCES item_groups (id)
);

CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    item_group_id INTEGER REFERENCES item_groups (id),
    unit          TEXT NOT NULL DEFAULT 'Nos',
    is_stock      INTEGER NOT NULL,
    selling_price INTEGER NOT NULL DEFAULT 0,
    buying_price  INTEGER NOT NULL DEFAULT 0,
    vat_category  TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE item_barcodes (
    barcode TEXT PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items (id)
);
CREATE INDEX item_barcodes_item ON item_barcodes (item_id);

CREATE TABLE warehouses (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    disabled   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE number_series (
    series TEXT PRIMARY KEY,
    last   INTEGER NOT NULL
);

CREATE TABLE invoices (
    id                INTEGER PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('sales', 'purchase')),
    number            TEXT UNIQUE,
    docstatus         INTEGER NOT NULL CHECK (docstatus IN (0, 1, 2)),
    party_id          INTEGER NOT NULL REFERENCES parties (id),
    posting_date      TEXT NOT NULL,
    due_date          TEXT NOT NULL,
    is_return         INTEGER NOT NULL DEFAULT 0,
    return_against_id INTEGER REFERENCES invoices (id),
    net_total         INTEGER NOT NULL,
    vat_total         INTEGER NOT NULL,
    grand_total       INTEGER NOT NULL,
    outstanding       INTEGER NOT NULL,
    remarks           TEXT NOT NULL DEFAULT '',
    created_by        TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX invoices_kind_date ON invoices (kind, posting_date);
CREATE INDEX invoices_party ON invoices (party_id);
CREATE INDEX invoices_return_against ON invoices (return_against_id);

CREATE TABLE invoice_lines (
    id           INTEGER PRIMARY KEY,
    invoice_id   INTEGER NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    idx          INTEGER NOT NULL,
    item_id      INTEGER NOT NULL REFERENCES items (id),
    description  TEXT NOT NULL,
    qty          INTEGER NOT NULL,
    rate         INTEGER NOT NULL,
    net          INTEGER NOT NULL,
    vat_category TEXT NOT NULL,
    vat          INTEGER NOT NULL,
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    warehouse_id INTEGER REFERENCES warehouses (id),
    cost         INTEGER
);
CREATE INDEX invoice_lines_invoice ON invoice_lines (invoice_id);

CREATE TABLE payments (
    id           INTEGER PRIMARY KEY,
    number       TEXT UNIQUE,
    docstatus    INTEGER NOT NULL CHECK (docstatus IN (0, 1, 2)),
    direction    TEXT NOT NULL CHECK (direction IN ('receive', 'pay')),
    party_id     INTEGER NOT NULL REFERENCES parties (id),
    posting_date TEXT NOT NULL,
    amount       INTEGER NOT NULL CHECK (amount > 0),
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    reference    TEXT NOT NULL DEFAULT '',
    remarks      TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX payments_party ON payments (party_id);

CREATE TABLE payment_allocations (
    id         INTEGER PRIMARY KEY,
    payment_id INTEGER NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
    invoice_id INTEGER NOT NULL REFERENCES invoices (id),
    amount     INTEGER NOT NULL CHECK (amount > 0)
);
CREATE INDEX payment_allocations_payment ON payment_allocations (payment_id);
CREATE INDEX payment_allocations_invoice ON payment_allocations (invoice_id);

CREATE TABLE journal_entries (
    id           INTEGER PRIMARY KEY,
    number       TEXT UNIQUE,
    docstatus    INTEGER NOT NULL CHECK (docstatus IN (0, 1, 2)),
    posting_date TEXT NOT NULL,
    remarks      TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE journal_lines (
    id         INTEGER PRIMARY KEY,
    journal_id INTEGER NOT NULL REFERENCES journal_entries (id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    party_id   INTEGER REFERENCES parties (id),
    debit      INTEGER NOT NULL CHECK (debit >= 0),
    credit     INTEGER NOT NULL CHECK (credit >= 0)
);
CREATE INDEX journal_lines_journal ON journal_lines (journal_id);

CREATE TABLE stock_entries (
    id           INTEGER PRIMARY KEY,
    number       TEXT UNIQUE,
    docstatus    INTEGER NOT NULL CHECK (docstatus IN (0, 1, 2)),
    purpose      TEXT NOT NULL CHECK (purpose IN ('receipt', 'issue', 'transfer')),
    posting_date TEXT NOT NULL,
    remarks      TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE stock_entry_lines (
    id                INTEGER PRIMARY KEY,
    entry_id          INTEGER NOT NULL REFERENCES stock_entries (id) ON DELETE CASCADE,
    idx               INTEGER NOT NULL,
    item_id           INTEGER NOT NULL REFERENCES items (id),
    qty               INTEGER NOT NULL CHECK (qty > 0),
    from_warehouse_id INTEGER REFERENCES warehouses (id),
    to_warehouse_id   INTEGER REFERENCES warehouses (id),
    rate              INTEGER NOT NULL DEFAULT 0,
    value             INTEGER
);
CREATE INDEX stock_entry_lines_entry ON stock_entry_lines (entry_id);

CREATE TABLE gl_entries (
    id           INTEGER PRIMARY KEY,
    posting_date TEXT NOT NULL,
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    party_id     INTEGER REFERENCES parties (id),
    debit        INTEGER NOT NULL CHECK (debit >= 0),
    credit       INTEGER NOT NULL CHECK (credit >= 0),
    voucher_type TEXT NOT NULL,
    voucher_no   TEXT NOT NULL,
    is_reversal  INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    CHECK ((debit = 0) <> (credit = 0))
);
CREATE INDEX gl_entries_account_date ON gl_entries (account_id, posting_date);
CREATE INDEX gl_entries_party_date ON gl_entries (party_id, posting_date);
CREATE INDEX gl_entries_voucher ON gl_entries (voucher_type, voucher_no);
CREATE INDEX gl_entries_date ON gl_entries (posting_date);

-- Each entry adds itself to its account's daily totals, in the statement that inserts it: the
-- totals the reports read cannot drift from the ledger.
CREATE TRIGGER gl_entries_add_to_daily_totals AFTER INSERT ON gl_entries
BEGIN
    INSERT INTO account_daily (account_id, day, debit, credit)
    VALUES (NEW.account_id, NEW.posting_date, NEW.debit, NEW.credit)
    ON CONFLICT (account_id, day) DO UPDATE SET debit = account_daily.debit + excluded.debit,
        credit = account_daily.credit + excluded.credit;
END;

CREATE TRIGGER gl_entries_are_never_changed BEFORE UPDATE ON gl_entries
BEGIN SELECT RAISE(ABORT, 'posted ledger entries are never changed'); END;
CREATE TRIGGER gl_entries_are_never_removed BEFORE DELETE ON gl_entries
BEGIN SELECT RAISE(ABORT, 'posted ledger entries are never removed'); END;

CREATE TABLE stock_balances (
    item_id      INTEGER NOT NULL REFERENCES items (id),
    warehouse_id INTEGER NOT NULL REFERENCES warehouses (id),
    qty          INTEGER NOT NULL,
    value        INTEGER NOT NULL,
    rate         INTEGER NOT NULL,
    PRIMARY KEY (item_id, warehouse_id)
);

CREATE TABLE stock_ledger (
    id             INTEGER PRIMARY KEY,
    posting_date   TEXT NOT NULL,
    item_id        INTEGER NOT NULL REFERENCES items (id),
    warehouse_id   INTEGER NOT NULL REFERENCES warehouses (id),
    qty_change     INTEGER NOT NULL,
    value_change   INTEGER NOT NULL,
    qty_after      INTEGER NOT NULL,
    value_after    INTEGER NOT NULL,
    valuation_rate INTEGER NOT NULL,
    voucher_type   TEXT NOT NULL,
    voucher_no     TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX stock_ledger_item ON stock_ledger (item_id, warehouse_id, id);
CREATE INDEX stock_ledger_voucher ON stock_ledger (voucher_type, voucher_no);

-- Each stock movement leaves its position as the balance, in the statement that records it.
CREATE TRIGGER stock_ledger_sets_balance AFTER INSERT ON stock_ledger
BEGIN
    INSERT INTO stock_balances (item_id, warehouse_id, qty, value, rate)
    VALUES (NEW.item_id, NEW.warehouse_id, NEW.qty_after, NEW.value_after, NEW.valuation_rate)
    ON CONFLICT (item_id, warehouse_id) DO UPDATE SET qty = excluded.qty, value = excluded.value,
        rate = excluded.rate;
END;

CREATE TRIGGER stock_ledger_is_never_changed BEFORE UPDATE ON stock_ledger
BEGIN SELECT RAISE(ABORT, 'posted stock entries are never changed'); END;
CREATE TRIGGER stock_ledger_is_never_removed BEFORE DELETE ON stock_ledger
BEGIN SELECT RAISE(ABORT, 'posted stock entries are never removed'); END;
