package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

// runInput is the start-a-run form on the local stack.
type runInput struct {
	Key                                   string // the idempotency key: a double submit starts one run
	Namespace, Classpath, Application     string
	Project, Args                         string
	Instances, Cores, Memory, TimeoutSecs string
}

type runFormData struct {
	In         runInput
	Namespaces []domain.Namespace
	Err        *formError
}

func (c *console) runForm(w http.ResponseWriter, r *http.Request, s *session, in runInput, failed error) error {
	nss, err := c.Stacks.Namespaces(r.Context(), s.P, domain.LocalStackName)
	if err != nil && !domain.IsNotFound(err) {
		return err
	}
	d := runFormData{In: in, Namespaces: nss}
	status := 0
	if failed != nil {
		d.Err = errorOf(failed)
		status = d.Err.Status
	}
	return c.render(w, r, status, "runform", view{Title: "Start a run", Nav: "runs", S: s, Err: d.Err, Data: d})
}

func (c *console) submitRun(w http.ResponseWriter, r *http.Request, s *session) error {
	f := r.PostFormValue
	in := runInput{Key: f("key"), Namespace: f("namespace"), Classpath: strings.TrimSpace(f("classpath")), Application: strings.TrimSpace(f("application_name")),
		Project: strings.TrimSpace(f("project")), Args: f("args"), Instances: f("executor_instances"), Cores: f("executor_cores"),
		Memory: strings.TrimSpace(f("executor_memory")), TimeoutSecs: f("timeout_seconds")}
	spec, err := in.spec()
	if err != nil {
		return c.runForm(w, r, s, in, err)
	}
	run, _, err := c.Runs.Submit(r.Context(), s.P, domain.LocalStackName, in.Namespace, in.Key, spec)
	if err != nil {
		return c.runForm(w, r, s, in, err)
	}
	return c.redirect(w, r, "/runs/"+run.ID, "Run "+run.ID+" submitted.")
}

// spec reads the form into a RunSpec; Submit checks it by the domain's
// rules. Only what a form adds is checked here: numbers, and arguments as
// key=value lines.
func (in runInput) spec() (domain.RunSpec, error) {
	spec := domain.RunSpec{Classpath: in.Classpath, ApplicationName: in.Application, Project: in.Project, ExecutorMemory: in.Memory}
	for _, n := range []struct {
		field, value string
		into         *int
	}{{"executor_instances", in.Instances, &spec.ExecutorInstances}, {"executor_cores", in.Cores, &spec.ExecutorCores}} {
		if err := atoi(n.field, n.value, n.into); err != nil {
			return spec, err
		}
	}
	var timeout int
	if err := atoi("timeout_seconds", in.TimeoutSecs, &timeout); err != nil {
		return spec, err
	}
	spec.TimeoutSeconds = int64(timeout)
	for _, line := range strings.Split(in.Args, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return spec, domain.Invalid("args", "key_value", "write one argument per line as key=value ("+line+")")
		}
		spec.Args = append(spec.Args, domain.RunArg{Key: strings.TrimSpace(k), Value: strings.TrimSpace(v)})
	}
	return spec, nil
}

func atoi(field, v string, into *int) error {
	if v = strings.TrimSpace(v); v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return domain.Invalid(field, "integer", "must be a whole number")
	}
	*into = n
	return nil
}
