// Package version reports the build's version and commit. The release
// version is the VERSION file next to this one; `make build` stamps it (or
// the git tag it is built from) and the commit with -ldflags, and a plain
// `go build` reports VERSION with a "-dev" suffix and the commit from the
// Go build info.
package version

import (
	_ "embed"
	"runtime/debug"
	"strings"
)

//go:embed VERSION
var release string

// Set at link time: -X github.com/orchestera/orchestera/internal/version.Version=...
var (
	Version = ""
	Commit  = ""
)

// Info returns the version and the commit, "unknown" when neither the
// linker nor the build info recorded it.
func Info() (version, commit string) {
	version, commit = Version, Commit
	if version == "" {
		version = strings.TrimSpace(release) + "-dev"
	}
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
	return version, commit
}
