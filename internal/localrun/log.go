package localrun

import (
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/orchestera/orchestera/internal/domain"
)

// OpenLog opens a run's log file. A pending run has none yet: its reader
// reads nothing until the file appears, so a follower sees it from the start.
func (e *Executor) OpenLog(r domain.Run) (io.ReadCloser, error) {
	return &lazyLog{path: filepath.Join(e.runDir(r), "log")}, nil
}

type lazyLog struct {
	path string
	f    *os.File
}

func (l *lazyLog) Read(p []byte) (int, error) {
	if l.f == nil {
		// Never through a link: the log is in a directory that is the run's
		// own only in a version before runs were sandboxed.
		f, err := os.OpenFile(l.path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
		if os.IsNotExist(err) {
			return 0, io.EOF
		}
		if err != nil {
			return 0, err
		}
		l.f = f
	}
	return l.f.Read(p)
}

func (l *lazyLog) Close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}
