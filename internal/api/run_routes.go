package api

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orchestera/orchestera/internal/domain"
)

type (
	submitRun struct {
		Stack          string `path:"stack" example:"local"`
		Namespace      string `path:"namespace" example:"default"`
		IdempotencyKey string `header:"Idempotency-Key" doc:"A retried submission with the same key returns the same run" maxLength:"128"`
		Body           RunRequest
	}
	submitted struct {
		Status int
		Body   Run
	}
	// RunFilters are the query parameters of both run listings.
	RunFilters struct {
		State       string `query:"state" enum:"pending,starting,running,succeeded,failed,cancelled" doc:"Only runs in this state"`
		Application string `query:"application" doc:"Only runs of this application_name"`
		Limit       int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
		Cursor      string `query:"cursor" doc:"next_cursor of the previous page"`
	}
	listNamespaceRuns struct {
		Stack     string `path:"stack" example:"local"`
		Namespace string `path:"namespace" example:"default"`
		RunFilters
	}
	listRuns struct {
		Stack     string `query:"stack" doc:"Only runs on this stack"`
		Namespace string `query:"namespace" doc:"Only runs in this namespace"`
		RunFilters
	}
	runIDPath struct {
		RunID string `path:"run_id" doc:"A run id (run_...)"`
	}
	runLogs struct {
		RunID  string        `path:"run_id" doc:"A run id (run_...)"`
		Follow bool          `query:"follow" doc:"Keep streaming while the run is live"`
		Offset int64         `query:"offset" minimum:"0" doc:"Skip this many bytes: a follower that lost its stream resumes where it was"`
		Tail   optional[int] `query:"tail" minimum:"0" doc:"Start with the last this many lines (after offset); 0 starts at the end"`
		Since  time.Time     `query:"since" doc:"Start with what the run wrote at or after this time (RFC 3339), to the second"`
	}
)

func registerRuns(s *server) {
	o := op("submit-run", http.MethodPost, "/v1/stacks/{stack}/namespaces/{namespace}/runs",
		"Submit a pipeline run (201), or get the run already submitted with this Idempotency-Key (200)", "runs", true)
	o.DefaultStatus = http.StatusCreated
	huma.Register(s.api, o, func(ctx context.Context, in *submitRun) (*submitted, error) {
		if err := in.Body.Check(); err != nil {
			return nil, s.fail(ctx, err)
		}
		r, created, err := s.Runs.Submit(ctx, principal(ctx), in.Stack, in.Namespace, in.IdempotencyKey, in.Body.RunSpec)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		return &submitted{Status: status, Body: toRun(r)}, nil
	})
	huma.Register(s.api, op("list-namespace-runs", http.MethodGet, "/v1/stacks/{stack}/namespaces/{namespace}/runs", "List a namespace's runs, newest first", "runs", true),
		func(ctx context.Context, in *listNamespaceRuns) (*body[RunPage], error) {
			if _, _, err := s.Stacks.Resolve(ctx, principal(ctx), in.Stack, in.Namespace); err != nil {
				return nil, s.fail(ctx, err)
			}
			return s.listRuns(ctx, in.Stack, in.Namespace, in.RunFilters)
		})
	huma.Register(s.api, op("list-runs", http.MethodGet, "/v1/runs", "List runs, newest first", "runs", true),
		func(ctx context.Context, in *listRuns) (*body[RunPage], error) {
			return s.listRuns(ctx, in.Stack, in.Namespace, in.RunFilters)
		})
	huma.Register(s.api, op("get-run", http.MethodGet, "/v1/runs/{run_id}", "Get one run", "runs", true),
		func(ctx context.Context, in *runIDPath) (*body[Run], error) {
			p := principal(ctx)
			r, err := s.Runs.Get(ctx, p, in.RunID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			out := toRun(r)
			if r.State == domain.RunPending {
				n, err := s.Runs.QueuedBehind(ctx, r)
				if err != nil {
					return nil, s.fail(ctx, err)
				}
				out.QueuedBehind = &n
			}
			return &body[Run]{out}, nil
		})
	huma.Register(s.api, op("cancel-run", http.MethodPost, "/v1/runs/{run_id}/cancel", "Cancel a run; a finished run is returned unchanged", "runs", true),
		func(ctx context.Context, in *runIDPath) (*body[Run], error) {
			r, err := s.Runs.Cancel(ctx, principal(ctx), in.RunID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[Run]{toRun(r)}, nil
		})
	o = op("run-logs", http.MethodGet, "/v1/runs/{run_id}/logs", "A run's log as text; with follow, streamed until the run ends", "runs", true)
	o.Responses = map[string]*huma.Response{"200": {Description: "The log", Content: map[string]*huma.MediaType{"text/plain": {}}}}
	huma.Register(s.api, o, func(ctx context.Context, in *runLogs) (*huma.StreamResponse, error) {
		p := principal(ctx)
		r, log, err := s.Runs.OpenLog(ctx, p, in.RunID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		offset := in.Offset
		if !in.Since.IsZero() {
			since, err := s.Runs.LogOffsetSince(ctx, p, r, in.Since)
			if err != nil {
				log.Close()
				return nil, s.fail(ctx, err)
			}
			offset = max(offset, since)
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			defer log.Close()
			hctx.SetHeader("Content-Type", "text/plain; charset=utf-8")
			hctx.SetHeader("X-Run-State", string(r.State))
			start, _ := io.CopyN(io.Discard, log, offset)
			var tail []byte
			if in.Tail.IsSet {
				var read int64
				tail, read = lastLines(log, in.Tail.Value)
				start += read - int64(len(tail))
			}
			// Where the answer starts in the whole log: a follower that loses
			// the stream resumes at this offset plus what it received.
			hctx.SetHeader("X-Log-Offset", strconv.FormatInt(start, 10))
			if _, err := hctx.BodyWriter().Write(tail); err != nil {
				return
			}
			s.streamLog(hctx, log, in.Follow && !r.State.Terminal(), func() bool {
				cur, err := s.Runs.Get(ctx, p, r.ID)
				return err == nil && !cur.State.Terminal()
			})
		}}, nil
	})
}

func (s *server) listRuns(ctx context.Context, stack, namespace string, f RunFilters) (*body[RunPage], error) {
	runs, next, err := s.Runs.List(ctx, principal(ctx), domain.RunFilter{StackName: stack, Namespace: namespace, State: domain.RunState(f.State), Application: f.Application, Limit: f.Limit}, f.Cursor)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &body[RunPage]{RunPage{Items: mapSlice(runs, toRun), NextCursor: next}}, nil
}

// lastLines reads log to its end and returns its last n lines, holding no
// more than those in memory, and how many bytes it read.
func lastLines(log io.Reader, n int) ([]byte, int64) {
	if n <= 0 {
		read, _ := io.Copy(io.Discard, log)
		return nil, read
	}
	ring := make([][]byte, 0, n)
	rd := bufio.NewReader(log)
	var read int64
	for {
		line, err := rd.ReadBytes('\n')
		read += int64(len(line))
		if len(line) > 0 {
			if len(ring) == n {
				ring = append(ring[1:], line)
			} else {
				ring = append(ring, line)
			}
		}
		if err != nil {
			break
		}
	}
	return bytes.Join(ring, nil), read
}

// logPoll is how often a followed log is checked for growth.
const logPoll = 200 * time.Millisecond

// streamLog copies the log to the client; when following, it keeps reading
// what the run appends until the run is over and the log is drained.
func (s *server) streamLog(hctx huma.Context, log io.Reader, follow bool, live func() bool) {
	w := hctx.BodyWriter()
	flush := func() {
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := log.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return // the client went away
			}
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			s.log.ErrorContext(hctx.Context(), "reading a run log", "err", err)
			return
		}
		if !follow {
			return
		}
		flush()
		if !live() {
			follow = false // drain what the final moments wrote, then stop
			continue
		}
		select {
		case <-hctx.Context().Done():
			return
		case <-time.After(logPoll):
		}
	}
}
