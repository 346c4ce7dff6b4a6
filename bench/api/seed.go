package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/store"
	"github.com/orchestera/orchestera/internal/store/sqlstore"
)

// seedResult is what the benchmark needs from the seeded database: the token
// secrets (only their hashes are stored) and how long seeding took.
type seedResult struct {
	secrets []string
	took    time.Duration
}

// seed fills home's SQLite database with orgs organizations, each with one
// admin and tokensPerOrg tokens of that admin, so token lookups hit a table
// the size of a busy installation rather than a near-empty one. It writes
// straight through the store, in one transaction: going through the API
// would take minutes and measure sign-up, not reads.
func seed(ctx context.Context, home string, orgs, tokensPerOrg int) (seedResult, error) {
	start := time.Now()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(home, store.FileName))
	if err != nil {
		return seedResult{}, err
	}
	defer st.Close()

	now := time.Now().UTC()
	secrets := make([]string, 0, orgs*tokensPerOrg)
	err = st.InTx(ctx, func(tx domain.Tx) error {
		for i := range orgs {
			org := domain.Organization{ID: domain.NewID("org"), Name: fmt.Sprintf("bench-%05d", i), CreatedAt: now}
			u := domain.User{ID: domain.NewID("usr"), Email: fmt.Sprintf("admin-%05d@example.com", i), Name: fmt.Sprintf("Admin %d", i), CreatedAt: now}
			if err := tx.CreateOrganization(ctx, org); err != nil {
				return err
			}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			if err := tx.AddMember(ctx, domain.Membership{OrgID: org.ID, UserID: u.ID, Role: domain.RoleAdmin, CreatedAt: now}); err != nil {
				return err
			}
			for j := range tokensPerOrg {
				secret := domain.NewTokenSecret()
				t := domain.Token{
					ID: domain.NewID("tok"), OrgID: org.ID, UserID: u.ID, Name: fmt.Sprintf("bench-%d", j),
					Hash: domain.HashToken(secret), Prefix: domain.TokenDisplayPrefix(secret), CreatedAt: now,
				}
				if err := tx.CreateToken(ctx, t); err != nil {
					return err
				}
				secrets = append(secrets, secret)
			}
		}
		return nil
	})
	if err != nil {
		return seedResult{}, fmt.Errorf("seeding: %w", err)
	}
	// Close before the server opens the file, and count the WAL checkpoint
	// it does as part of seeding.
	if err := st.Close(); err != nil {
		return seedResult{}, err
	}
	return seedResult{secrets: secrets, took: time.Since(start)}, nil
}
