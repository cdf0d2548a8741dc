//! Tests of the books over HTTP (books_api): filled in by the work on that surface.
