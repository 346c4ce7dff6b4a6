package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
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
	"github.com/orchestera/orchestera/internal/eksstack"
	"github.com/orchestera/orchestera/internal/githubauth"
	"github.com/orchestera/orchestera/internal/identity"
	"github.com/orchestera/orchestera/internal/kube/karpenter"
	"github.com/orchestera/orchestera/internal/kube/kuberun"
	"github.com/orchestera/orchestera/internal/kube/kubestack"
	"github.com/orchestera/orchestera/internal/localrun"
	"github.com/orchestera/orchestera/internal/runs"
	"github.com/orchestera/orchestera/internal/secretbox"
	"github.com/orchestera/orchestera/internal/secrets"
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
	verifyEvery, awsPoll, syncEvery                               time.Duration
	privateClusters                                               bool
	karpenter                                                     karpenter.Chart
	eksKubeconfig                                                 string
	kubeRuns                                                      kuberun.Config
	tokenRate, addressRate                                        float64
	tokenBurst, addressBurst                                      int
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
	f.IntVar(&o.concurrency, "local-concurrency", 2, "local-stack runs at once (at least 1); more wait in pending")
	f.Int64Var(&o.logCap, "run-log-cap", 64<<20, "bytes of log kept per run (at least 1)")
	f.Float64Var(&o.tokenRate, "token-rate-limit", 20, "requests a second each API token may make on average (0: no limit)")
	f.IntVar(&o.tokenBurst, "token-burst", 100, "requests an API token may make at once")
	f.Float64Var(&o.addressRate, "address-rate-limit", 50, "requests a second each client address may make on average (0: no limit)")
	f.IntVar(&o.addressBurst, "address-burst", 200, "requests a client address may make at once")
	f.StringVar(&o.platformAccount, "platform-account-id", os.Getenv("ORCHESTERA_PLATFORM_ACCOUNT_ID"), "the AWS account customer roles trust (default: the server's own, from sts:GetCallerIdentity)")
	f.StringSliceVar(&o.regions, "aws-regions", []string{"us-east-1"}, "regions stacks may use; the first is the default")
	f.DurationVar(&o.verifyEvery, "verify-every", time.Hour, "how often every AWS connection is verified again (0: only on demand)")
	f.DurationVar(&o.awsPoll, "aws-poll-interval", envDuration("ORCHESTERA_AWS_POLL_INTERVAL"), "how often to check AWS resources still being created or deleted (0: each step's own, about 30s)")
	f.DurationVar(&o.syncEvery, "sync-interval", durationOr("ORCHESTERA_SYNC_INTERVAL", time.Minute), "how often every ready cluster stack's secrets, IAM roles and datasources are synced (env ORCHESTERA_SYNC_INTERVAL)")
	f.StringVar(&o.karpenter.Ref, "karpenter-chart", envOr("ORCHESTERA_KARPENTER_CHART", "oci://public.ecr.aws/karpenter/karpenter"), "the Karpenter Helm chart: an oci:// reference, or a chart directory or archive (env ORCHESTERA_KARPENTER_CHART)")
	f.StringVar(&o.karpenter.Version, "karpenter-version", envOr("ORCHESTERA_KARPENTER_VERSION", "1.8.1"), "the Karpenter chart version (env ORCHESTERA_KARPENTER_VERSION)")
	f.StringVar(&o.eksKubeconfig, "eks-kubeconfig", os.Getenv("ORCHESTERA_EKS_KUBECONFIG"), "reach every EKS cluster's Kubernetes API through this kubeconfig instead: for AWS emulators, whose clusters have none (env ORCHESTERA_EKS_KUBECONFIG)")
	f.IntVar(&o.kubeRuns.PerStack, "runs-per-stack", 20, "Kubernetes stacks: runs at once per stack; more wait in pending")
	f.DurationVar(&o.kubeRuns.TTL, "run-pod-ttl", durationOr("ORCHESTERA_RUN_POD_TTL", time.Hour), "Kubernetes stacks: how long an ended run's pods stay, once its logs are kept (env ORCHESTERA_RUN_POD_TTL)")
	f.DurationVar(&o.kubeRuns.Unschedulable, "unschedulable-after", 10*time.Minute, "Kubernetes stacks: how long a driver may wait for a node before the run fails unschedulable")
	f.BoolVar(&o.kubeRuns.LoopbackNode, "loopback-node", os.Getenv("ORCHESTERA_LOOPBACK_NODE") == "1", "clusters are one node on 127.0.0.1 with no pod network, like the test cluster: pods use the host's network (env ORCHESTERA_LOOPBACK_NODE=1)")
	f.BoolVar(&o.privateClusters, "allow-private-clusters", false, "let hosted mode attach clusters at loopback, link-local or private addresses (local mode always may)")
	f.StringVar(&o.github.ClientID, "github-client-id", os.Getenv("ORCHESTERA_GITHUB_CLIENT_ID"), "GitHub OAuth app client id (hosted mode)")
	f.StringVar(&o.github.ClientSecret, "github-client-secret", "", "GitHub OAuth app client secret; prefer env ORCHESTERA_GITHUB_CLIENT_SECRET")
	f.StringVar(&o.github.AuthURL, "github-auth-url", githubauth.DefaultAuthURL, "GitHub OAuth authorize endpoint")
	f.StringVar(&o.github.TokenURL, "github-token-url", githubauth.DefaultTokenURL, "GitHub OAuth token endpoint")
	f.StringVar(&o.github.APIURL, "github-api-url", githubauth.DefaultAPIURL, "GitHub REST API base URL")
	return cmd
}

func envDuration(key string) time.Duration { return durationOr(key, 0) }

func durationOr(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return d
	}
	return def
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// validate refuses flag values that would otherwise be replaced silently
// (a concurrency of 0 became 2).
func (o *serverOptions) validate() error {
	switch {
	case o.concurrency < 1:
		return fmt.Errorf("--local-concurrency %d: must be at least 1", o.concurrency)
	case o.logCap < 1:
		return fmt.Errorf("--run-log-cap %d: must be at least 1 byte", o.logCap)
	case o.verifyEvery < 0:
		return fmt.Errorf("--verify-every %s: must not be negative (0 verifies only on demand)", o.verifyEvery)
	case o.awsPoll < 0:
		return fmt.Errorf("--aws-poll-interval %s: must not be negative (0 uses each step's own)", o.awsPoll)
	case o.tokenRate < 0:
		return fmt.Errorf("--token-rate-limit %g: must not be negative (0 sets no limit)", o.tokenRate)
	case o.addressRate < 0:
		return fmt.Errorf("--address-rate-limit %g: must not be negative (0 sets no limit)", o.addressRate)
	case o.tokenRate > 0 && o.tokenBurst < 1:
		return fmt.Errorf("--token-burst %d: must be at least 1", o.tokenBurst)
	case o.addressRate > 0 && o.addressBurst < 1:
		return fmt.Errorf("--address-burst %d: must be at least 1", o.addressBurst)
	}
	return nil
}

func runServer(ctx context.Context, o *serverOptions) error {
	log, err := newLogger(o.logFormat)
	if err != nil {
		return err
	}
	if err := o.validate(); err != nil {
		return err
	}
	if o.mode != "local" && o.mode != "hosted" {
		return fmt.Errorf("--mode %q: must be local or hosted", o.mode)
	}
	if o.github.ClientSecret == "" {
		o.github.ClientSecret = os.Getenv("ORCHESTERA_GITHUB_CLIENT_SECRET")
	}
	// Keys for what the server keeps sealed: "id:base64key,..." with the
	// sealing key first; without it, a key file in the home directory.
	box, err := secretbox.Load(os.Getenv("ORCHESTERA_SECRET_KEYS"), o.home)
	if err != nil {
		return fmt.Errorf("ORCHESTERA_SECRET_KEYS: %w", err)
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
	guard := kubestack.Guard{AllowPrivate: o.mode == "local" || o.privateClusters}
	o.karpenter.CacheDir = filepath.Join(o.home, "charts")
	providers := map[domain.StackKind]domain.StackProvider{
		domain.StackAWS: eksstack.New(eksstack.Config{AWS: awsstack.New(awsstack.Config{Platform: awsCfg, Connections: st, Audit: st, Log: log}),
			Sources: st, Chart: o.karpenter, Kubeconfig: o.eksKubeconfig, Log: log}),
		domain.StackKubernetes: kubestack.New(kubestack.Config{Sources: st, Sealer: box, Guard: guard, Log: log}),
	}
	syncer := stacks.NewSyncer(stacks.SyncerConfig{Store: st, Providers: providers, Interval: o.syncEvery, Log: log})
	stackWorker := stacks.NewWorker(stacks.WorkerConfig{Store: st, Providers: providers, Owner: replicaID(o.home), Poll: o.awsPoll, Ready: syncer.Poke, Log: log})
	stackSvc := stacks.New(stacks.Config{Store: st, Providers: providers, Wake: stackWorker.Wake,
		Attacher: kubestack.Attacher{Guard: guard}, Sealer: box, Syncer: syncer})
	if n, err := stackSvc.Reseal(ctx); err != nil {
		ln.Close()
		return fmt.Errorf("sealing credentials with the current secret key: %w", err)
	} else if n > 0 {
		log.Info("sealed credentials again with the current secret key", "count", n, "key", box.Current())
	}
	ids := identity.New(identity.Config{Store: st, Log: log})
	conns := connections.New(connections.Config{
		Store: st, Verifier: verify.New(verify.Config{Platform: awsCfg}), Regions: o.regions, Log: log,
		PlatformAccount: platformAccount(awsCfg, o.platformAccount),
	})
	// Local stacks run pipelines as processes on this machine: only in
	// local mode, whose one user owns the machine anyway. A hosted server
	// has no executor for them, and no store of local mode.
	o.kubeRuns.Home, o.kubeRuns.Store, o.kubeRuns.Log, o.kubeRuns.LogCap = o.home, st, log, o.logCap
	o.kubeRuns.Clusters = map[domain.StackKind]kuberun.Cluster{
		domain.StackAWS: providers[domain.StackAWS].(kuberun.Cluster), domain.StackKubernetes: providers[domain.StackKubernetes].(kuberun.Cluster)}
	kubeExec := kuberun.New(o.kubeRuns)
	executors := map[domain.StackKind]domain.Executor{domain.StackAWS: kubeExec, domain.StackKubernetes: kubeExec}
	keepers := map[domain.StackKind]domain.SecretKeeper{domain.StackKubernetes: secrets.Sealed{Store: st, Sealer: box, Changed: stackSvc.Resync}}
	background := []func(context.Context){stackWorker.Run, syncer.Run, kubeExec.Run, func(ctx context.Context) { conns.RunPeriodic(ctx, o.verifyEvery) }}
	if o.mode == "local" {
		executor := localrun.New(localrun.Config{Home: o.home, Python: o.python, Concurrency: o.concurrency, LogCap: o.logCap, Store: st, Log: log})
		executors[domain.StackLocal], keepers[domain.StackLocal] = executor, executor
		background = append(background, executor.Run, func(ctx context.Context) {
			switch problem := checkRuntime(ctx, o.python); {
			case ctx.Err() != nil:
			case problem != "":
				log.Warn(problem, "python", o.python)
			default:
				log.Info("local-stack runtime found", "python", o.python)
			}
		})
	}
	cfg := api.Config{
		Identity: ids, Stacks: stackSvc, Connections: conns, Store: st, Log: log, Version: versionString(), Now: time.Now, PublicURL: o.publicURL,
		RateLimits: api.RateLimits{PerToken: api.Rate{PerSecond: o.tokenRate, Burst: o.tokenBurst}, PerAddress: api.Rate{PerSecond: o.addressRate, Burst: o.addressBurst}},
		Runs:       runs.New(runs.Config{Store: st, Stacks: stackSvc, Executors: executors}),
		Secrets:    secrets.New(secrets.Config{Stacks: stackSvc, Keepers: keepers}),
	}
	console := web.Config{Identity: ids, Stacks: stackSvc, Runs: cfg.Runs, Connections: conns, Secrets: cfg.Secrets, Local: o.mode == "local",
		PublicURL: o.publicURL, Regions: o.regions, Log: log}
	if o.mode == "hosted" {
		if err := stackSvc.CheckHosted(ctx); err != nil {
			ln.Close()
			return err
		}
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
	for _, run := range background {
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

// checkRuntime says, at start, when local-stack runs cannot work: the
// interpreter is missing or lacks the orchestera runtime or pyspark. Found
// later, it was a ModuleNotFoundError hint on the first run.
func checkRuntime(ctx context.Context, python string) string {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "-c", "import orchestera.entrypoints, pyspark").CombinedOutput()
	if err == nil {
		return ""
	}
	why := err.Error()
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(out) > 0 {
		why = lines[len(lines)-1] // e.g. ModuleNotFoundError: No module named 'orchestera'
	}
	return fmt.Sprintf("local-stack runs will fail: --python %s (env ORCHESTERA_PYTHON) cannot import the orchestera runtime and pyspark (%s); "+
		"install them into it with `%s -m pip install pyspark==3.5.7 ./python` from an Orchestera checkout, "+
		"or start the server with --python pointing at an interpreter that has them (make python-env builds build/venv/bin/python)", python, why, python)
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
