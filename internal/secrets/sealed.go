package secrets

import (
	"context"
	"encoding/json"
	"maps"
	"slices"

	"github.com/orchestera/orchestera/internal/domain"
)

// SealedStore is what Sealed keeps secrets in.
type SealedStore interface {
	domain.StoreClock
	domain.StackSecretRecords
}

// Sealed keeps the secrets of attached clusters, whose cloud the platform
// has no secret store in: sealed in the platform's store (values never in
// clear there), synced into the cluster as Secrets by the stack's syncs.
type Sealed struct {
	Store  SealedStore
	Sealer domain.Sealer
	// Changed is told of each stack whose secrets changed: its sync.
	Changed func(domain.Stack)
}

var _ domain.SecretKeeper = Sealed{}

// PutSecret seals and keeps a secret, then asks for a sync.
func (k Sealed) PutSecret(ctx context.Context, st domain.Stack, namespace, alias string, kv map[string]string) error {
	raw, err := json.Marshal(kv)
	if err != nil {
		return err
	}
	sealed, err := k.Sealer.Seal(raw)
	if err != nil {
		return err
	}
	if err := k.Store.PutStackSecret(ctx, domain.StoredSecret{StackID: st.ID, Namespace: namespace, Alias: alias,
		Keys: slices.Sorted(maps.Keys(kv)), Sealed: sealed, UpdatedAt: k.Store.Now()}); err != nil {
		return err
	}
	k.changed(st)
	return nil
}

// ListSecrets lists a namespace's secrets with their key names.
func (k Sealed) ListSecrets(ctx context.Context, st domain.Stack, namespace string) ([]domain.SecretInfo, error) {
	all, err := k.Store.ListStackSecrets(ctx, st.ID)
	var out []domain.SecretInfo
	for _, s := range all {
		if s.Namespace == namespace {
			out = append(out, domain.SecretInfo{Namespace: s.Namespace, Alias: s.Alias, Keys: s.Keys})
		}
	}
	return out, err
}

// DeleteSecret removes a secret; the sync deletes its Secret.
func (k Sealed) DeleteSecret(ctx context.Context, st domain.Stack, namespace, alias string) error {
	if err := k.Store.DeleteStackSecret(ctx, st.ID, namespace, alias); err != nil {
		return err
	}
	k.changed(st)
	return nil
}

func (k Sealed) changed(st domain.Stack) {
	if k.Changed != nil {
		k.Changed(st)
	}
}
