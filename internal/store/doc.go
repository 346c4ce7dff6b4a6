// Package store opens the configured domain.Store: SQLite (the embedded
// default) or PostgreSQL (production), both through package sqlstore.
package store
