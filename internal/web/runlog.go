package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// runLog streams a run's log from an offset (the page's, or Last-Event-ID
// on a reconnect) as "log" events whose id is the offset after them, then
// "end" with the run's final state.
func (c *console) runLog(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	run, log, err := c.Runs.OpenLog(ctx, s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	defer log.Close()
	offset, _ := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64)
	if offset == 0 {
		offset, _ = strconv.ParseInt(r.URL.Query().Get("offset"), 10, 64)
	}
	if _, err := io.CopyN(io.Discard, log, offset); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	out := newStream(w)
	live := !run.State.Terminal()
	buf := make([]byte, 32<<10)
	var held []byte // the start of a character split by the read
	for {
		n, err := log.Read(buf[len(held):])
		if n > 0 {
			chunk := buf[:len(held)+n]
			cut := whole(chunk)
			if cut > 0 {
				offset += int64(cut)
				if err := out.send("log", strconv.FormatInt(offset, 10), lines(chunk[:cut])); err != nil {
					return nil
				}
			}
			held = append(held[:0], chunk[cut:]...)
			copy(buf, held)
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			c.Log.ErrorContext(ctx, "reading a run log", "run_id", run.ID, "err", err)
			return nil
		}
		if !live {
			final, err := c.Runs.Get(ctx, s.P, run.ID)
			if err == nil {
				out.send("end", "", string(final.State))
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(logPoll):
		}
		cur, err := c.Runs.Get(ctx, s.P, run.ID)
		live = err == nil && !cur.State.Terminal() // one more read drains the final moments
	}
}

// whole is how much of b to send now: all of it but a last character
// whose bytes have not all been read yet. Bytes that are not UTF-8 at all
// go as they are.
func whole(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}

// lines makes carriage returns (progress bars) newlines: an event's data
// cannot carry a bare CR.
func lines(b []byte) string {
	return strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(string(b))
}
