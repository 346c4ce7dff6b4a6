package web

import (
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

func (c *console) runRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /runs", c.authed(c.runsPage))
	mux.HandleFunc("GET /runs/new", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		return c.runForm(w, r, s, runInput{Key: domain.NewID("web"), Instances: "1", Cores: "1", Memory: "1g"}, nil)
	}))
	mux.HandleFunc("POST /runs", c.authed(c.submitRun))
	mux.HandleFunc("GET /runs/{id}", c.authed(c.runPage))
	mux.HandleFunc("GET /runs/{id}/log", c.authed(c.runLog))
	mux.HandleFunc("POST /runs/{id}/cancel", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		run, err := c.Runs.Cancel(r.Context(), s.P, r.PathValue("id"))
		if err != nil {
			return err
		}
		return c.redirect(w, r, "/runs/"+run.ID, "Run "+run.ID+" is "+string(run.State)+".")
	}))
}

type runsData struct {
	Filter runFilter
	Stacks []domain.Stack
	States []domain.RunState
	Runs   []runRow
	Next   string // the next page's query, empty on the last page
}

// runFilter is the filter form, as the API's list-runs takes it.
type runFilter struct{ Stack, Namespace, State, Application string }

type runRow struct {
	domain.Run
	Duration string
}

var runStates = []domain.RunState{domain.RunPending, domain.RunStarting, domain.RunRunning, domain.RunSucceeded, domain.RunFailed, domain.RunCancelled}

func (c *console) runsPage(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := runFilter{Stack: q.Get("stack"), Namespace: q.Get("namespace"), State: q.Get("state"), Application: q.Get("application")}
	runs, next, err := c.Runs.List(ctx, s.P, domain.RunFilter{StackName: f.Stack, Namespace: f.Namespace, State: domain.RunState(f.State), Application: f.Application}, q.Get("cursor"))
	if err != nil {
		return err
	}
	sts, err := c.Stacks.List(ctx, s.P)
	if err != nil {
		return err
	}
	d := runsData{Filter: f, Stacks: sts, States: runStates}
	for _, run := range runs {
		d.Runs = append(d.Runs, c.runRow(run))
	}
	if next != "" {
		d.Next = url.Values{"stack": {f.Stack}, "namespace": {f.Namespace}, "state": {f.State}, "application": {f.Application}, "cursor": {next}}.Encode()
	}
	return c.render(w, r, 0, "runs", view{Title: "Runs", Nav: "runs", S: s, Data: d})
}

func (c *console) runRow(run domain.Run) runRow {
	row := runRow{Run: run}
	if run.StartedAt != nil {
		end := c.Now()
		if run.EndedAt != nil {
			end = *run.EndedAt
		}
		row.Duration = dur(end.Sub(*run.StartedAt))
	}
	return row
}

// logShown bounds the log a run's page carries; the live stream goes on
// from there, and `orchestera runs logs` has it whole.
const logShown = 256 << 10

type runData struct {
	Run    runRow
	Log    string
	Offset int64 // bytes of the log before the live part
	Cut    bool  // the page shows only the log's end
}

func (c *console) runPage(w http.ResponseWriter, r *http.Request, s *session) error {
	run, log, err := c.Runs.OpenLog(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	defer log.Close()
	b, err := io.ReadAll(log)
	if err != nil {
		return err
	}
	d := runData{Run: c.runRow(run), Offset: int64(len(b))}
	if len(b) > logShown {
		b, d.Cut = b[len(b)-logShown:], true
	}
	d.Log = string(b)
	return c.render(w, r, 0, "run", view{Title: "Run " + run.ID, Nav: "runs", S: s, Data: d})
}

// logPoll is how often a live log is checked for growth, as the API's
// followed logs are.
const logPoll = 200 * time.Millisecond
