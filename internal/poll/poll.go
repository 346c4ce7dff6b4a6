// Package poll is the tests' one way of waiting for something to become
// true: check, and check again with a growing pause until a deadline, then
// fail with the last thing the check said. Tests never sleep to let
// something happen; they poll for it here, or use a fake clock.
package poll

import (
	"testing"
	"time"
)

// Until calls check until it returns nil, pausing 5 ms at first and up to
// 100 ms between calls. After within, it fails t naming what it waited for
// and check's last error.
func Until(t testing.TB, what string, within time.Duration, check func() error) {
	t.Helper()
	For(t, what, within, func() (struct{}, error) { return struct{}{}, check() })
}

// For is Until for a check that also returns a value: the value of the
// call that succeeded.
func For[T any](t testing.TB, what string, within time.Duration, check func() (T, error)) T {
	t.Helper()
	deadline := time.Now().Add(within)
	pause := 5 * time.Millisecond
	for {
		v, err := check()
		if err == nil {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s: %v", within, what, err)
		}
		time.Sleep(pause)
		pause = min(2*pause, 100*time.Millisecond)
	}
}
