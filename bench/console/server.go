package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/orchestera/orchestera/bench/internal/benchkit"
)

// startServer runs the binary in local mode on home.
func startServer(bin, home string) (*benchkit.Server, error) {
	return benchkit.StartServer(bin,
		[]string{"--home", home, "--database-url=", "--log-format", "json", "--verify-every", "0"},
		[]string{"ORCHESTERA_HOME=" + home})
}

// session signs in as a browser on this machine does in local mode, and
// returns the Cookie header that carries the session.
func session(base string) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, base+"/stacks", nil)
	req.Header.Set("Accept", "text/html")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "orchestera_session" {
			return "Cookie: " + c.Name + "=" + c.Value, nil
		}
	}
	return "", fmt.Errorf("GET /stacks from loopback set no session cookie (%s)", resp.Status)
}

// fetch reads one page with the session and insists on a 200.
func fetch(url, cookie string) ([]byte, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	k, v, _ := strings.Cut(cookie, ": ")
	req.Header.Set(k, v)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return b, err
}
