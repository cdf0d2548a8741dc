-- The dashboard's activity feed reads each kind's latest submissions and cancellations through
-- these indexes (a scan of every document otherwise).
CREATE INDEX invoices_updated ON invoices (updated_at);
CREATE INDEX payments_updated ON payments (updated_at);
CREATE INDEX journal_entries_updated ON journal_entries (updated_at);
CREATE INDEX stock_entries_updated ON stock_entries (updated_at);
