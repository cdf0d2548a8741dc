//! Tests of the books over HTTP (books_frappe): filled in by the work on that surface.
