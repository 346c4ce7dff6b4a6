// Package version reports the build's version and commit, set with -ldflags
// by the Makefile and read from the Go build info otherwise.
package version

import "runtime/debug"

// Set at link time: -X github.com/orchestera/orchestera/internal/version.Version=...
var (
	Version = "dev"
	Commit  = ""
)

// Info returns the version and the commit, "unknown" when neither the
// linker nor the build info recorded it.
func Info() (version, commit string) {
	commit = Commit
	if commit == "" {
		commit = "unknown"
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					commit = s.Value
				}
			}
		}
	}
	return Version, commit
}
