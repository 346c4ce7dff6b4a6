package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/identity"
	"github.com/orchestera/orchestera/internal/stacks"
	"github.com/orchestera/orchestera/internal/store"
	"github.com/orchestera/orchestera/internal/store/sqlstore"
)

// seed prepares local mode in home as the server would, then writes runs
// finished runs on the local stack and awsStacks ready AWS stacks of two
// namespaces each, straight through the store in one transaction.
func seed(ctx context.Context, home string, runs, awsStacks int) (time.Duration, error) {
	start := time.Now()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(home, store.FileName))
	if err != nil {
		return 0, err
	}
	defer st.Close()
	ids := identity.New(identity.Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	orgID, _, err := ids.EnsureLocal(ctx, "")
	if err != nil {
		return 0, err
	}
	if err := stacks.New(stacks.Config{Store: st}).EnsureLocal(ctx, orgID); err != nil {
		return 0, err
	}
	admin, err := ids.LocalAdmin(ctx)
	if err != nil {
		return 0, err
	}
	local, err := st.GetStack(ctx, orgID, domain.LocalStackName)
	if err != nil {
		return 0, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	err = st.InTx(ctx, func(tx domain.Tx) error {
		conn := domain.AWSConnection{ID: domain.NewID("conn"), OrgID: orgID, RoleARN: "arn:aws:iam::111122223333:role/OrchesteraAccessRole",
			AccountID: "111122223333", Regions: []string{"us-east-1"}, State: domain.ConnectionVerified, CreatedAt: now}
		if err := tx.CreateConnection(ctx, conn); err != nil {
			return err
		}
		for i := range awsStacks {
			s := domain.Stack{ID: domain.NewID("stk"), OrgID: orgID, Name: fmt.Sprintf("etl-%02d", i), Kind: domain.StackAWS, State: domain.StackReady,
				CreatedAt: now, ConnectionID: conn.ID, Region: "us-east-1", Options: domain.StackOptions{}.WithDefaults()}
			if err := tx.CreateStack(ctx, s); err != nil {
				return err
			}
			for _, ns := range []string{"default", "reports"} {
				if err := tx.CreateNamespace(ctx, domain.Namespace{ID: domain.NewID("ns"), OrgID: orgID, StackID: s.ID, Name: ns, CreatedAt: now}); err != nil {
					return err
				}
			}
		}
		for i := range runs {
			at := now.Add(-time.Duration(runs-i) * time.Minute)
			started, ended, code := at.Add(2*time.Second), at.Add(40*time.Second), 0
			r := domain.Run{ID: domain.NewID("run"), OrgID: orgID, StackID: local.ID, StackName: local.Name, StackKind: local.Kind,
				Namespace: domain.DefaultNamespace, IdempotencyKey: domain.NewID("bench"), State: domain.RunPending, CreatedBy: admin.UserID, CreatedAt: at,
				Spec: domain.RunSpec{Classpath: "example.spark.application.HelloWorld", ApplicationName: fmt.Sprintf("pipeline-%d", i%20), Project: "/srv/pipelines",
					ExecutorInstances: 1, ExecutorCores: 1, ExecutorMemory: "1g"}}
			if err := tx.CreateRun(ctx, r); err != nil {
				return err
			}
			r.State, r.StartedAt, r.EndedAt, r.ExitCode = domain.RunSucceeded, &started, &ended, &code
			if err := tx.UpdateRun(ctx, r, domain.RunPending); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("seeding: %w", err)
	}
	return time.Since(start), nil
}
