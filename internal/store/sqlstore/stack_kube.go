package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/orchestera/orchestera/internal/domain"
)

func (s queries) SetStackCredential(ctx context.Context, stackID, sealed string) error {
	return s.exec(ctx, "stack credential", "",
		`INSERT INTO stack_credentials (stack_id, sealed) VALUES ($1, $2) ON CONFLICT (stack_id) DO UPDATE SET sealed = excluded.sealed`,
		stackID, sealed)
}

func (s queries) GetStackCredential(ctx context.Context, stackID string) (string, error) {
	var sealed string
	err := s.q.QueryRowContext(ctx, `SELECT sealed FROM stack_credentials WHERE stack_id = $1`, stackID).Scan(&sealed)
	return sealed, scanOne(err, "stack credential", stackID)
}

func (s queries) AllStackCredentials(ctx context.Context) (map[string]string, error) {
	type row struct{ id, sealed string }
	rows, err := list(ctx, s, func(r scanner) (row, error) {
		var x row
		return x, r.Scan(&x.id, &x.sealed)
	}, `SELECT stack_id, sealed FROM stack_credentials`)
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.id] = r.sealed
	}
	return out, err
}

// syncBody is the stored part of a sync report; the time is a column.
type syncBody struct {
	Items   []domain.SyncItem
	Removed int
	Owned   []string `json:",omitempty"`
}

func (s queries) SaveSyncReport(ctx context.Context, stackID string, r domain.SyncReport) error {
	b, err := json.Marshal(syncBody{r.Items, r.Removed, r.Owned})
	if err != nil {
		return err
	}
	return s.exec(ctx, "stack sync", "",
		`INSERT INTO stack_syncs (stack_id, at, report) VALUES ($1, $2, $3) ON CONFLICT (stack_id) DO UPDATE SET at = excluded.at, report = excluded.report`,
		stackID, ms(r.At), string(b))
}

func (s queries) GetSyncReport(ctx context.Context, stackID string) (domain.SyncReport, error) {
	var at int64
	var body string
	if err := scanOne(s.q.QueryRowContext(ctx, `SELECT at, report FROM stack_syncs WHERE stack_id = $1`, stackID).Scan(&at, &body), "stack sync", stackID); err != nil {
		return domain.SyncReport{}, err
	}
	var r syncBody
	err := json.Unmarshal([]byte(body), &r)
	return domain.SyncReport{At: fromMS(at), Items: r.Items, Removed: r.Removed, Owned: r.Owned}, err
}
