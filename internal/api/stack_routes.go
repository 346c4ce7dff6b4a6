package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orchestera/orchestera/internal/domain"
)

type (
	stackPath struct {
		Stack string `path:"stack" doc:"A stack name" example:"local"`
	}
	createStack struct {
		Body CreateStackRequest
	}
	stackEvents struct {
		Stack string    `path:"stack" example:"etl"`
		After time.Time `query:"after" doc:"Only events after this time (RFC 3339)"`
	}
	setConnection struct {
		Stack string `path:"stack" doc:"A stack name" example:"etl"`
		Body  struct {
			ConnectionID string `json:"connection_id" doc:"A verified connection of the same AWS account" example:"conn_ab12cd34ef56gh78"`
		}
	}
	createNamespace struct {
		Stack string `path:"stack" doc:"A stack name" example:"local"`
		Body  struct {
			Name string `json:"name" doc:"A DNS label" example:"etl"`
		}
	}
)

func registerStacks(s *server) {
	o := op("create-stack", http.MethodPost, "/v1/stacks", "Create a draft AWS stack on a verified connection (admin)", "stacks", true)
	o.DefaultStatus = http.StatusCreated
	huma.Register(s.api, o, func(ctx context.Context, in *createStack) (*body[Stack], error) {
		b := in.Body
		if err := b.Check(); err != nil {
			return nil, s.fail(ctx, err)
		}
		st, err := s.Stacks.CreateAWS(ctx, principal(ctx), domain.Stack{Name: b.Name, ConnectionID: b.ConnectionID, Region: b.Region, Options: b.Options}, b.Namespaces)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &body[Stack]{toStack(st)}, nil
	})
	for _, a := range []struct {
		name, summary string
		do            func(context.Context, domain.Principal, string) (domain.Stack, error)
	}{
		{"provision", "Provision the stack: build a draft, resume a failed one, re-apply a ready one (admin)", s.Stacks.Provision},
		{"update", "Re-apply a ready or failed stack's configuration, every step again (admin)", s.Stacks.Update},
		{"destroy", "Destroy the stack and report anything left behind (admin)", s.Stacks.Destroy},
	} {
		o := op(a.name+"-stack", http.MethodPost, "/v1/stacks/{stack}/"+a.name, a.summary, "stacks", true)
		o.DefaultStatus = http.StatusAccepted
		huma.Register(s.api, o, func(ctx context.Context, in *stackPath) (*body[Stack], error) {
			st, err := a.do(ctx, principal(ctx), in.Stack)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[Stack]{toStack(st)}, nil
		})
	}
	o = op("delete-stack", http.MethodDelete, "/v1/stacks/{stack}", "Delete a destroyed stack (or a draft) so its name can be used again (admin)", "stacks", true)
	o.DefaultStatus = http.StatusNoContent
	huma.Register(s.api, o, func(ctx context.Context, in *stackPath) (*struct{}, error) {
		if err := s.Stacks.Delete(ctx, principal(ctx), in.Stack); err != nil {
			return nil, s.fail(ctx, err)
		}
		return nil, nil
	})
	huma.Register(s.api, op("set-stack-connection", http.MethodPut, "/v1/stacks/{stack}/connection", "Move the stack to another connection of the same AWS account (admin)", "stacks", true),
		func(ctx context.Context, in *setConnection) (*body[Stack], error) {
			st, err := s.Stacks.SetConnection(ctx, principal(ctx), in.Stack, in.Body.ConnectionID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[Stack]{toStack(st)}, nil
		})
	huma.Register(s.api, op("plan-stack", http.MethodGet, "/v1/stacks/{stack}/plan", "What provisioning the stack will create and need, with a cost estimate", "stacks", true),
		func(ctx context.Context, in *stackPath) (*body[StackPlan], error) {
			st, plan, err := s.Stacks.Plan(ctx, principal(ctx), in.Stack)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[StackPlan]{toPlan(st, plan)}, nil
		})
	huma.Register(s.api, op("stack-progress", http.MethodGet, "/v1/stacks/{stack}/progress", "Each step's state and the time left", "stacks", true),
		func(ctx context.Context, in *stackPath) (*body[StackProgress], error) {
			st, steps, eta, err := s.Stacks.Progress(ctx, principal(ctx), in.Stack)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[StackProgress]{toProgress(st, steps, eta)}, nil
		})
	huma.Register(s.api, op("stack-events", http.MethodGet, "/v1/stacks/{stack}/events", "A stack's progress events, oldest first", "stacks", true),
		func(ctx context.Context, in *stackEvents) (*body[[]StackEvent], error) {
			evs, err := s.Stacks.Events(ctx, principal(ctx), in.Stack, in.After)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]StackEvent]{mapSlice(evs, func(e domain.StackEvent) StackEvent {
				return StackEvent{At: e.At, Step: e.Step, Status: e.Status, Message: e.Message}
			})}, nil
		})
	huma.Register(s.api, op("list-stacks", http.MethodGet, "/v1/stacks", "List stacks", "stacks", true),
		func(ctx context.Context, _ *struct{}) (*body[[]Stack], error) {
			sts, err := s.Stacks.List(ctx, principal(ctx))
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]Stack]{mapSlice(sts, toStack)}, nil
		})
	huma.Register(s.api, op("get-stack", http.MethodGet, "/v1/stacks/{stack}", "Get one stack", "stacks", true),
		func(ctx context.Context, in *stackPath) (*body[Stack], error) {
			st, err := s.Stacks.Get(ctx, principal(ctx), in.Stack)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			out := toStack(st)
			r, ok, err := s.Stacks.SyncReport(ctx, principal(ctx), st)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			if ok {
				out.Sync = toSync(r)
			}
			return &body[Stack]{out}, nil
		})
	huma.Register(s.api, op("list-namespaces", http.MethodGet, "/v1/stacks/{stack}/namespaces", "List a stack's namespaces", "stacks", true),
		func(ctx context.Context, in *stackPath) (*body[[]Namespace], error) {
			nss, err := s.Stacks.Namespaces(ctx, principal(ctx), in.Stack)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]Namespace]{mapSlice(nss, toNamespace(in.Stack))}, nil
		})
	o = op("create-namespace", http.MethodPost, "/v1/stacks/{stack}/namespaces", "Add a namespace to a stack (admin); repeating it is a no-op", "stacks", true)
	o.DefaultStatus = http.StatusCreated
	huma.Register(s.api, o, func(ctx context.Context, in *createNamespace) (*body[Namespace], error) {
		ns, err := s.Stacks.CreateNamespace(ctx, principal(ctx), in.Stack, in.Body.Name)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &body[Namespace]{toNamespace(in.Stack)(ns)}, nil
	})
}
