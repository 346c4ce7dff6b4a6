package main

import "github.com/orchestera/orchestera/bench/internal/benchkit"

// startServer runs the binary in hosted mode: local mode refuses a database
// that has users but no local admin, which is exactly what seed leaves.
// Hosted mode only needs GitHub credentials once someone signs in, so dummy
// ones do.
func startServer(bin, home string) (*benchkit.Server, error) {
	return benchkit.StartServer(bin, []string{
		"--mode", "hosted", "--github-client-id", "x",
		"--home", home, "--database-url=", "--log-format", "json",
		// The benchmark measures throughput: rate limits would measure themselves.
		"--token-rate-limit", "0", "--address-rate-limit", "0",
	}, []string{"ORCHESTERA_HOME=" + home, "ORCHESTERA_GITHUB_CLIENT_SECRET=y"})
}
