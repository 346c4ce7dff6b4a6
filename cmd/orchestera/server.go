package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/aws/awsstack"
	"github.com/orchestera/orchestera/internal/aws/verify"
	"github.com/orchestera/orchestera/internal/config"
	"github.com/orchestera/orchestera/internal/connections"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/githubauth"
	"github.com/orchestera/orchestera/internal/identity"
	"github.com/orchestera/orchestera/internal/localrun"
	"github.com/orchestera/orchestera/internal/runs"
	"github.com/orchestera/orchestera/internal/stacks"
	"github.com/orchestera/orchestera/internal/store"
	"github.com/orchestera/orchestera/internal/version"
	"github.com/orchestera/orchestera/internal/web"
)

type serverOptions struct {
	home, listen, databaseURL, mode, publicURL, logFormat, python string
	concurrency                                                   int
	logCap                                                        int64
	github                                                        githubauth.Config
	platformAccount                                               string
	regions                                                       []string
	verifyEvery, awsPoll                                          time.Duration
}

func newServerCommand() *cobra.Command {
	o := &serverOptions{}
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the Orchestera control plane",
		Long: `Run the control plane: the HTTP API, the store and (later) the background workers.

Local mode (the default) keeps everything on this machine: SQLite in
$ORCHESTERA_HOME/orchestera.db, an organization "personal" with one admin, and a
client config so the other commands work with no login.

Hosted mode signs users in with GitHub and is usually run on PostgreSQL.`,
		Example: `  orchestera server
  orchestera server --listen 127.0.0.1:0
  orchestera server --mode hosted --database-url postgres://orchestera@db/orchestera \
    --public-url https://orchestera.example.com --github-client-id Iv1.abc`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.home = cmd.Flag("home").Value.String()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServer(ctx, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", envOr("ORCHESTERA_LISTEN", "127.0.0.1:7420"), "address to listen on; port 0 picks a free one (env ORCHESTERA_LISTEN)")
	f.StringVar(&o.databaseURL, "database-url", os.Getenv("ORCHESTERA_DATABASE_URL"), "postgres://... for PostgreSQL; empty for SQLite in the home directory (env ORCHESTERA_DATABASE_URL)")
	f.StringVar(&o.mode, "mode", envOr("ORCHESTERA_MODE", "local"), "local (single user, no login) or hosted (GitHub sign-in)")
	f.StringVar(&o.publicURL, "public-url", os.Getenv("ORCHESTERA_PUBLIC_URL"), "external base URL (default http://<listen address>)")
	f.StringVar(&o.logFormat, "log-format", "json", "json or text")
	f.StringVar(&o.python, "python", envOr("ORCHESTERA_PYTHON", "python3"), "Python with the orchestera runtime and pyspark, for local-stack runs (env ORCHESTERA_PYTHON)")
	f.IntVar(&o.concurrency, "local-concurrency", 2, "local-stack runs at once; more wait in pending")
	f.Int64Var(&o.logCap, "run-log-cap", 64<<20, "bytes of log kept per run")
	f.StringVar(&o.platformAccount, "platform-account-id", os.Getenv("ORCHESTERA_PLATFORM_ACCOUNT_ID"), "the AWS account customer roles trust (default: the server's own, from sts:GetCallerIdentity)")
	f.StringSliceVar(&o.regions, "aws-regions", []string{"us-east-1"}, "regions stacks may use; the first is the default")
	f.DurationVar(&o.verifyEvery, "verify-every", time.Hour, "how often every AWS connection is verified again (0: only on demand)")
	f.DurationVar(&o.awsPoll, "aws-poll-interval", envDuration("ORCHESTERA_AWS_POLL_INTERVAL"), "how often to check AWS resources still being created or deleted (0: each step's own, about 30s)")
	f.StringVar(&o.github.ClientID, "github-client-id", os.Getenv("ORCHESTERA_GITHUB_CLIENT_ID"), "GitHub OAuth app client id (hosted mode)")
	f.StringVar(&o.github.ClientSecret, "github-client-secret", "", "GitHub OAuth app client secret; prefer env ORCHESTERA_GITHUB_CLIENT_SECRET")
	f.StringVar(&o.github.AuthURL, "github-auth-url", githubauth.DefaultAuthURL, "GitHub OAuth authorize endpoint")
	f.StringVar(&o.github.TokenURL, "github-token-url", githubauth.DefaultTokenURL, "GitHub OAuth token endpoint")
	f.StringVar(&o.github.APIURL, "github-api-url", githubauth.DefaultAPIURL, "GitHub REST API base URL")
	return cmd
}

func envDuration(key string) time.Duration {
	d, _ := time.ParseDuration(os.Getenv(key))
	return d
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func runServer(ctx context.Context, o *serverOptions) error {
	log, err := newLogger(o.logFormat)
	if err != nil {
		return err
	}
	if o.mode != "local" && o.mode != "hosted" {
		return fmt.Errorf("--mode %q: must be local or hosted", o.mode)
	}
	if o.github.ClientSecret == "" {
		o.github.ClientSecret = os.Getenv("ORCHESTERA_GITHUB_CLIENT_SECRET")
	}
	if o.mode == "hosted" && (o.github.ClientID == "" || o.github.ClientSecret == "") {
		return errors.New("hosted mode needs --github-client-id and ORCHESTERA_GITHUB_CLIENT_SECRET for sign-in")
	}

	st, err := store.Open(ctx, o.databaseURL, o.home)
	if err != nil {
		return fmt.Errorf("opening the store %s: %w", store.Describe(o.databaseURL, o.home), err)
	}
	defer st.Close() // after every worker and handler below has stopped

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", o.listen, err)
	}
	url := "http://" + ln.Addr().String()
	if o.publicURL == "" {
		o.publicURL = url
	}

	// The platform's AWS identity: the server's own credentials (env,
	// profile, instance role). Loading it makes no call; it is used when an
	// admin connects an account.
	awsCfg, err := awssdk.LoadConfig(ctx, awssdk.Options{})
	if err != nil {
		ln.Close()
		return err
	}
	providers := map[domain.StackKind]domain.StackProvider{
		domain.StackAWS: awsstack.New(awsstack.Config{Platform: awsCfg, Connections: st, Audit: st, Log: log}),
	}
	stackWorker := stacks.NewWorker(stacks.WorkerConfig{Store: st, Providers: providers, Owner: replicaID(o.home), Poll: o.awsPoll, Log: log})
	stackSvc := stacks.New(stacks.Config{Store: st, Providers: providers, Wake: stackWorker.Wake})
	ids := identity.New(identity.Config{Store: st, Log: log})
	executor := localrun.New(localrun.Config{Home: o.home, Python: o.python, Concurrency: o.concurrency, LogCap: o.logCap, Store: st, Log: log})
	conns := connections.New(connections.Config{
		Store: st, Verifier: verify.New(verify.Config{Platform: awsCfg}), Regions: o.regions, Log: log,
		PlatformAccount: platformAccount(awsCfg, o.platformAccount),
	})
	cfg := api.Config{
		Identity: ids, Stacks: stackSvc, Connections: conns, Store: st, Log: log, Version: versionString(), Now: time.Now, PublicURL: o.publicURL,
		Runs: runs.New(runs.Config{Store: st, Stacks: stackSvc, Executors: map[domain.StackKind]domain.Executor{domain.StackLocal: executor}}),
	}
	console := web.Config{Identity: ids, Stacks: stackSvc, Runs: cfg.Runs, Connections: conns, Local: o.mode == "local",
		PublicURL: o.publicURL, Regions: o.regions, Log: log}
	if o.mode == "hosted" {
		o.github.RedirectURL = strings.TrimRight(o.publicURL, "/") + "/auth/github/callback"
		cfg.SignIn = githubauth.New(o.github)
		gh := o.github
		gh.RedirectURL = strings.TrimRight(o.publicURL, "/") + web.CallbackPath
		console.SignIn = githubauth.New(gh)
	} else if err := ensureLocal(ctx, ids, stackSvc, o.home, url); err != nil {
		ln.Close()
		return err
	}
	cfg.Console = web.New(console)

	// Background workers stop with ctx, or when the server fails; each is
	// awaited before the store closes.
	work, stopWork := context.WithCancel(ctx)
	var workers sync.WaitGroup
	defer workers.Wait()
	defer stopWork()
	for _, run := range []func(context.Context){executor.Run, stackWorker.Run, func(ctx context.Context) { conns.RunPeriodic(ctx, o.verifyEvery) }} {
		workers.Add(1)
		go func() { defer workers.Done(); run(work) }()
	}

	// Requests live in serving: ending it at shutdown ends the streams
	// (followed logs) that would otherwise hold Shutdown until its timeout.
	serving, endRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer endRequests()
	srv := &http.Server{Handler: api.New(cfg), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		BaseContext: func(net.Listener) context.Context { return serving },
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	log.Info("serving", "url", url, "mode", o.mode, "store", store.Describe(o.databaseURL, o.home), "version", versionString())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	endRequests()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	stopWork()
	workers.Wait()
	log.Info("stopped; live runs keep running and are reattached on the next start")
	return nil
}

// ensureLocal makes local mode work with no login: the organization has its
// local stack, and the client config points at this server with a valid
// admin token.
func ensureLocal(ctx context.Context, ids *identity.Service, st *stacks.Service, home, url string) error {
	cfg, err := config.Load(home)
	if err != nil {
		return err
	}
	orgID, secret, err := ids.EnsureLocal(ctx, cfg.Token)
	if err != nil {
		return fmt.Errorf("preparing local mode: %w", err)
	}
	if err := st.EnsureLocal(ctx, orgID); err != nil {
		return fmt.Errorf("preparing the local stack: %w", err)
	}
	if secret != "" {
		cfg.Token = secret
	}
	if secret == "" && cfg.Server == url {
		return nil
	}
	cfg.Server = url
	return config.Save(home, cfg)
}

// platformAccount is the configured account, or the server's own identity,
// asked once and remembered.
func platformAccount(cfg aws.Config, configured string) func(context.Context) (string, error) {
	var mu sync.Mutex
	account := configured
	return func(ctx context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if account != "" {
			return account, nil
		}
		out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return "", err
		}
		account = aws.ToString(out.Account)
		return account, nil
	}
}

// replicaID names this server in stack leases. It is stable across restarts
// of the same server, so a restarted server resumes its own stacks at once
// instead of waiting for its old leases to expire.
func replicaID(home string) string {
	host, _ := os.Hostname()
	abs, _ := filepath.Abs(home)
	return host + ":" + abs
}

func newLogger(format string) (*slog.Logger, error) {
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, nil)), nil
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, nil)), nil
	}
	return nil, fmt.Errorf("--log-format %q: must be json or text", format)
}

func versionString() string {
	v, c := version.Info()
	if len(c) > 12 {
		c = c[:12]
	}
	return v + "+" + c
}
