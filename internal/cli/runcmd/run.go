package runcmd

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
	"github.com/orchestera/orchestera/internal/domain"
)

// Exit codes of `orchestera run` for failures that have no exit code of
// their own; a user error exits with the pipeline's code.
const (
	exitPlatform  = 1
	exitTimeout   = 124 // as timeout(1)
	exitCancelled = 130 // as for ^C
)

// NewRun is `orchestera run`: submit a pipeline run, follow its log and
// exit with its outcome.
func NewRun(o *clikit.Options) *cobra.Command {
	var (
		stack, namespace, project, key string
		runArgs, secrets               []string
		timeout                        time.Duration
		detach                         bool
		spec                           domain.RunSpec
		resources                      = map[string]*string{"cpu_request": new(string), "cpu_limit": new(string), "memory_request": new(string), "memory_limit": new(string)}
	)
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a PySpark pipeline on a stack and stream its logs",
		Long: `Submit a pipeline run, stream its log, and exit with its outcome: 0 when it
succeeded, the pipeline's exit code on a user error, 64 for invalid arguments,
124 on timeout, 130 when cancelled, 1 for a platform error. The reason and a
hint go to stderr. With --detach it prints the run id and returns at once.

While the run waits for a free slot it says how many runs it is queued
behind. If the server restarts meanwhile, the log stream reconnects and
resumes where it stopped; the exit code is always the run's own. With -o json
or -o yaml the log goes to stderr and the finished run to stdout.

A submission is idempotent: it is retried with the same key after a network
error that may have reached the server, so a run is never started twice; with
nothing listening at the server's address it fails at once.`,
		Example: `  orchestera run --stack local --namespace default \
    --classpath example.spark.application.HelloWorld --application-name hello \
    --project examples/hello-world --arg min_distance_km=2 --timeout 30m`,
		Args: clikit.Args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := clikit.AtLeastOne(cmd, "executor-instances", "executor-cores"); err != nil {
				return err
			}
			if err := clikit.WholeSeconds("timeout", timeout); err != nil {
				return err
			}
			c, err := o.Client()
			if err != nil {
				return err
			}
			if err := placeRun(cmd, c, stack, &namespace, project, &spec); err != nil {
				return err
			}
			spec.PullSecretsFrom, spec.TimeoutSeconds = secrets, int64(timeout/time.Second)
			for _, a := range runArgs {
				k, v, ok := strings.Cut(a, "=")
				if !ok || k == "" {
					return fmt.Errorf("--arg %q: expected key=value", a)
				}
				spec.Args = append(spec.Args, domain.RunArg{Key: k, Value: v})
			}
			for k, v := range resources {
				if *v != "" {
					if spec.Resources == nil {
						spec.Resources = map[string]string{}
					}
					spec.Resources[k] = *v
				}
			}
			if key == "" {
				key = domain.NewID("key")
			}
			r, err := submit(cmd.Context(), c, stack, namespace, key, spec)
			if err != nil {
				return clikit.Flagged(err, runFlags)
			}
			if detach {
				if o.Output != "table" {
					return renderRun(o, r)
				}
				fmt.Fprintf(o.Out, "%s\n", r.ID)
				fmt.Fprintf(o.Err, "run %s is %s; follow it with: orchestera runs logs %s -f\n", r.ID, r.State, r.ID)
				return nil
			}
			fmt.Fprintf(o.Err, "run %s submitted to %s/%s (^C stops watching, not the run; orchestera runs cancel %s stops it)\n", r.ID, stack, namespace, r.ID)
			// With -o json or yaml, stdout is the run as data; the log goes
			// to stderr.
			log := o.Out
			if o.Output != "table" {
				log = o.Err
			}
			f := &follower{c: c, id: r.ID, log: log, status: o.Err}
			if r, err = f.follow(cmd.Context()); err != nil {
				return fmt.Errorf("following run %s: %w", r.ID, err)
			}
			if o.Output != "table" {
				if err := renderRun(o, r); err != nil {
					return err
				}
			}
			return outcome(r)
		},
	}
	f := cmd.Flags()
	f.StringVar(&stack, "stack", "local", "the stack to run on")
	f.StringVar(&namespace, "namespace", "", "the namespace of the stack (default: default on the local stack, else the stack's only namespace)")
	f.StringVar(&spec.Image, "image", "", "Kubernetes stacks: the image the driver and executors run (required there)")
	f.StringVar(&spec.Classpath, "classpath", "", "module.Class of the pipeline's SparkEntrypoint (required)")
	f.StringVar(&spec.ApplicationName, "application-name", "", "a DNS label naming the application (required)")
	f.StringVar(&project, "project", ".", "the pipeline's project directory, put on the Python path; on Kubernetes stacks it is packed and shipped with the run (without it, or with --project \"\", the image's code runs)")
	f.StringArrayVar(&runArgs, "arg", nil, "an entrypoint argument as key=value; repeatable")
	f.IntVar(&spec.ExecutorInstances, "executor-instances", 1, "Spark executors")
	f.IntVar(&spec.ExecutorCores, "executor-cores", 1, "cores per executor")
	f.StringVar(&spec.ExecutorMemory, "executor-memory", "1g", "memory per executor, e.g. 2g")
	f.StringVar(resources["cpu_request"], "cpu-request", "", "driver CPU request, e.g. 500m (Kubernetes stacks)")
	f.StringVar(resources["cpu_limit"], "cpu-limit", "", "driver CPU limit (Kubernetes stacks)")
	f.StringVar(resources["memory_request"], "memory-request", "", "driver memory request, e.g. 2Gi (Kubernetes stacks)")
	f.StringVar(resources["memory_limit"], "memory-limit", "", "driver memory limit (Kubernetes stacks)")
	f.StringSliceVar(&secrets, "pull-secrets-from", nil, "secret aliases whose keys become environment variables, e.g. db,api")
	f.DurationVar(&timeout, "timeout", 0, "stop the run this long after it started, in whole seconds, e.g. 30m or 90s (0: no limit)")
	f.BoolVar(&detach, "detach", false, "print the run id and return without waiting")
	f.StringVar(&key, "idempotency-key", "", "reuse a key to make a resubmission return the same run (default: a new key)")
	cmd.MarkFlagRequired("classpath")
	cmd.MarkFlagRequired("application-name")
	cmd.RegisterFlagCompletionFunc("stack", clikit.CompleteStacks(o))
	return cmd
}

// runFlags names the flags of the API's run fields, for errors.
var runFlags = map[string]string{
	"classpath": "--classpath", "application_name": "--application-name", "project": "--project", "args": "--arg",
	"executor_instances": "--executor-instances", "executor_cores": "--executor-cores", "executor_memory": "--executor-memory",
	"cpu_request": "--cpu-request", "cpu_limit": "--cpu-limit", "memory_request": "--memory-request", "memory_limit": "--memory-limit",
	"resources": "--cpu-request/--cpu-limit/--memory-request/--memory-limit", "pull_secrets_from": "--pull-secrets-from",
	"timeout_seconds": "--timeout", "Idempotency-Key": "--idempotency-key", "stack": "--stack", "namespace": "--namespace",
}

// submit retries a submission that got no answer; the key makes the retry
// return the same run instead of starting a second one. A submission that
// was never sent (nothing listens at the address) fails at once: waiting
// would only hide that the server is down.
func submit(ctx context.Context, c *client.Client, stack, namespace, key string, spec domain.RunSpec) (api.Run, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var r api.Run
		if r, err = c.SubmitRun(ctx, stack, namespace, key, spec); err == nil || !client.Unanswered(err) || client.NotSent(err) || attempt == 2 {
			return r, err
		}
		if perr := pause(ctx, time.Duration(attempt+1)*time.Second); perr != nil {
			return r, perr
		}
	}
	return api.Run{}, err
}

// outcome turns a finished run into the command's exit.
func outcome(r api.Run) error {
	if r.State == domain.RunSucceeded {
		return nil
	}
	msg := fmt.Sprintf("run %s %s: %s", r.ID, r.State, r.Reason)
	if r.ExitCode != nil {
		msg += fmt.Sprintf(" (exit code %d)", *r.ExitCode)
	}
	if r.Hint != "" {
		msg += "\n  hint: " + r.Hint
	}
	msg += "\n  log:  orchestera runs logs " + r.ID
	code := exitPlatform
	switch r.Reason {
	case domain.ReasonUserError, domain.ReasonInvalidArguments:
		if r.ExitCode != nil && *r.ExitCode != 0 {
			code = *r.ExitCode
		}
	case domain.ReasonTimeout:
		code = exitTimeout
	case domain.ReasonCancelled:
		code = exitCancelled
	}
	if !r.State.Terminal() {
		return errors.New("the log ended but the run is still " + string(r.State))
	}
	return &clikit.ExitError{Code: code, Message: msg}
}

// placeRun settles where a run goes and what it ships: on the local stack
// the project is a directory of this machine (namespace default by
// default); on a Kubernetes stack it is packed and sent with the run
// (unless --project "" asks for the image's code), and the namespace is
// the stack's only one unless named.
func placeRun(cmd *cobra.Command, c *client.Client, stack string, namespace *string, project string, spec *domain.RunSpec) error {
	if stack == domain.LocalStackName {
		if *namespace == "" {
			*namespace = domain.DefaultNamespace
		}
		abs, err := filepath.Abs(project)
		if err != nil {
			return fmt.Errorf("--project %q: %w", project, err)
		}
		spec.Project = abs
		return nil
	}
	ns, err := clikit.OnlyNamespace(cmd.Context(), c, stack, *namespace)
	if err != nil {
		return err
	}
	*namespace = ns
	if project == "" || (project == "." && !cmd.Flags().Changed("project")) {
		return nil // the image's code
	}
	abs, err := filepath.Abs(project)
	if err != nil {
		return fmt.Errorf("--project %q: %w", project, err)
	}
	if spec.ProjectArchive, err = pack(abs); err != nil {
		return err
	}
	spec.Project = abs
	return nil
}
