-- The client's branding on its documents: one row (id = 1), absent until an admin sets
-- something. A null colour is the default colour; a null logo is the company's name as text.
-- The logo is a JPEG checked by the domain (size, kind, dimensions) before it is stored.

CREATE TABLE branding (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    colour          TEXT CHECK (colour IS NULL OR colour ~ '^#[0-9a-f]{6}$'),
    logo            BYTEA CHECK (logo IS NULL OR octet_length(logo) <= 524288),
    logo_width      INTEGER CHECK (logo_width BETWEEN 1 AND 4000),
    logo_height     INTEGER CHECK (logo_height BETWEEN 1 AND 4000),
    logo_components INTEGER CHECK (logo_components IN (1, 3)),
    updated_at      BIGINT NOT NULL,
    CHECK ((logo IS NULL) = (logo_width IS NULL)
       AND (logo IS NULL) = (logo_height IS NULL)
       AND (logo IS NULL) = (logo_components IS NULL))
);
