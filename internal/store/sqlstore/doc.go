// Package sqlstore implements domain.Store on database/sql for SQLite
// (modernc.org/sqlite, pure Go) and PostgreSQL (pgx). The queries are shared;
// only opening, migrations and error classification differ per dialect.
package sqlstore
