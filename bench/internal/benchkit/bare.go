// Package benchkit is what the hey benchmarks of the real binary share
// (bench/api, bench/console): running the server as a child process,
// loading it with hey, and the bare net/http floor it is measured against.
package benchkit

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// StartBare serves body with contentType from this process, on any path:
// the floor our server is measured against, same machine, same client, same
// payload. The returned URL ends in path.
func StartBare(contentType, path string, body []byte) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	s := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.Write(body)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "bench: bare server:", err)
		}
	}()
	return "http://" + ln.Addr().String() + path, func() { s.Close() }, nil
}
