package sqlstore

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

func itoa(i int) string { return strconv.Itoa(i) }

func (s queries) AcquireStackLease(ctx context.Context, stackID, owner string, until, now time.Time) (bool, error) {
	res, err := s.q.ExecContext(ctx, `UPDATE stacks SET lease_owner = $1, lease_until = $2
		WHERE id = $3 AND (lease_owner = '' OR lease_owner = $1 OR lease_until < $4)`, owner, ms(until), stackID, ms(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (s queries) ReleaseStackLease(ctx context.Context, stackID, owner string) error {
	return s.exec(ctx, "stack lease", "", `UPDATE stacks SET lease_owner = '', lease_until = 0 WHERE id = $1 AND lease_owner = $2`, stackID, owner)
}

func (s queries) LoadStackSteps(ctx context.Context, stackID string) (map[string]domain.StepState, error) {
	steps, err := list(ctx, s, func(r scanner) (domain.StepState, error) {
		var st domain.StepState
		var outputs string
		var started, ended int64
		if err := r.Scan(&st.Step, &st.Status, &outputs, &st.Attempts, &st.Error, &started, &ended); err != nil {
			return st, err
		}
		st.StartedAt, st.EndedAt = fromMS(started), fromMS(ended)
		return st, json.Unmarshal([]byte(outputs), &st.Outputs)
	}, `SELECT step, status, outputs, attempts, error, started_at, ended_at FROM stack_steps WHERE stack_id = $1`, stackID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]domain.StepState, len(steps))
	for _, st := range steps {
		out[st.Step] = st
	}
	return out, nil
}

func (s queries) SaveStackStep(ctx context.Context, stackID string, st domain.StepState) error {
	outputs, err := json.Marshal(st.Outputs)
	if err != nil {
		return err
	}
	return s.exec(ctx, "stack step", "",
		`INSERT INTO stack_steps (stack_id, step, status, outputs, attempts, error, started_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		 ON CONFLICT (stack_id, step) DO UPDATE SET status = excluded.status, outputs = excluded.outputs, attempts = excluded.attempts,
		   error = excluded.error, started_at = excluded.started_at, ended_at = excluded.ended_at`,
		stackID, st.Step, st.Status, string(outputs), st.Attempts, st.Error, ms(st.StartedAt), ms(st.EndedAt))
}

func (s queries) DeleteStackSteps(ctx context.Context, stackID string) error {
	return s.exec(ctx, "stack steps", "", `DELETE FROM stack_steps WHERE stack_id = $1`, stackID)
}

func (s queries) AddStackEvent(ctx context.Context, e domain.StackEvent) error {
	return s.exec(ctx, "stack event", "",
		`INSERT INTO stack_events (id, org_id, stack_id, at, step, status, message) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		e.ID, e.OrgID, e.StackID, ms(e.At), e.Step, e.Status, e.Message)
}

func (s queries) ListStackEvents(ctx context.Context, orgID, stackID string, after time.Time) ([]domain.StackEvent, error) {
	return list(ctx, s, func(r scanner) (domain.StackEvent, error) {
		var e domain.StackEvent
		var at int64
		err := r.Scan(&e.ID, &e.OrgID, &e.StackID, &at, &e.Step, &e.Status, &e.Message)
		e.At = fromMS(at)
		return e, err
	}, `SELECT id, org_id, stack_id, at, step, status, message FROM stack_events WHERE org_id = $1 AND stack_id = $2 AND at > $3 ORDER BY at, id`,
		orgID, stackID, ms(after))
}

func (s queries) RecordStepDuration(ctx context.Context, step string, d time.Duration, at time.Time) error {
	return s.exec(ctx, "step duration", "", `INSERT INTO step_durations (step, duration_ms, at) VALUES ($1, $2, $3)`, step, d.Milliseconds(), ms(at))
}

func (s queries) StepDurations(ctx context.Context) (map[string]time.Duration, error) {
	type row struct {
		step string
		ms   int64
	}
	rows, err := list(ctx, s, func(r scanner) (row, error) {
		var x row
		return x, r.Scan(&x.step, &x.ms)
	}, `SELECT step, duration_ms FROM step_durations ORDER BY step, at DESC`)
	if err != nil {
		return nil, err
	}
	byStep := map[string][]int64{}
	for _, r := range rows {
		if len(byStep[r.step]) < 5 { // the last five runs
			byStep[r.step] = append(byStep[r.step], r.ms)
		}
	}
	out := map[string]time.Duration{}
	for step, ds := range byStep {
		slices.Sort(ds)
		out[step] = time.Duration(ds[len(ds)/2]) * time.Millisecond
	}
	return out, nil
}
