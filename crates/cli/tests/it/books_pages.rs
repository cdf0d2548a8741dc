//! Tests of the books over HTTP (books_pages): filled in by the work on that surface.
