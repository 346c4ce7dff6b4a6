package localrun

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// The log is the pipeline's raw output, with no timestamps of its own. So
// that a reader can ask for what a run wrote since a time, the supervisor
// samples the log's size once a second while it watches the run and
// appends "<unix ms> <size>" to log.index whenever the size changed: the
// bytes between two samples were written between their times. While the
// server is down nothing is sampled; what was written then is dated by the
// first sample after the restart.

// indexEvery is how often the log's size is sampled.
const indexEvery = time.Second

// indexLog samples a live run's log until done is closed, then once more.
func (e *Executor) indexLog(r domain.Run, done <-chan struct{}) {
	dir := e.runDir(r)
	log, index := filepath.Join(dir, "log"), filepath.Join(dir, "log.index")
	last := int64(-1)
	if entries, err := readIndex(index); err == nil && len(entries) > 0 {
		last = entries[len(entries)-1].size
	}
	sample := func() {
		fi, err := os.Stat(log)
		if err != nil || fi.Size() == last {
			return
		}
		f, err := os.OpenFile(index, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return
		}
		defer f.Close()
		if _, err := fmt.Fprintf(f, "%d %d\n", e.now().UnixMilli(), fi.Size()); err == nil {
			last = fi.Size()
		}
	}
	t := time.NewTicker(indexEvery)
	defer t.Stop()
	for {
		sample()
		select {
		case <-done:
			sample()
			return
		case <-t.C:
		}
	}
}

type indexEntry struct {
	at   time.Time
	size int64
}

func readIndex(path string) ([]indexEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []indexEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ms, size int64
		if _, err := fmt.Sscanf(sc.Text(), "%d %d", &ms, &size); err == nil {
			out = append(out, indexEntry{time.UnixMilli(ms), size})
		}
	}
	return out, sc.Err()
}

// LogOffsetSince is the offset of the first log byte the run wrote at or
// after t, to the second while the server watched the run: every byte
// before it was written before t.
func (e *Executor) LogOffsetSince(r domain.Run, t time.Time) (int64, error) {
	entries, err := readIndex(filepath.Join(e.runDir(r), "log.index"))
	if os.IsNotExist(err) {
		return 0, nil // nothing sampled yet: everything is recent
	}
	if err != nil {
		return 0, err
	}
	prev := int64(0)
	for _, en := range entries {
		if !en.at.Before(t) {
			return prev, nil
		}
		prev = en.size
	}
	return prev, nil
}
