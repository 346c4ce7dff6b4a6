package api

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// requestInfo travels in the request context; the auth step fills OrgID so
// the access log can name the organization.
type requestInfo struct {
	ID    string
	OrgID string
}

type requestInfoKey struct{}

func requestInfoFrom(ctx context.Context) *requestInfo {
	if ri, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{}
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// statusRecorder remembers the status for metrics and the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush lets streamed responses (followed logs) reach the client as written.
func (w *statusRecorder) Flush() { http.NewResponseController(w.ResponseWriter).Flush() }

// observe assigns the request id, then records metrics and one access log
// line per request. Only the path is logged: query strings can carry OAuth
// codes, and headers carry tokens.
func observe(next http.Handler, log *slog.Logger, m *metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &requestInfo{ID: r.Header.Get("X-Request-Id")}
		if !requestIDPattern.MatchString(ri.ID) {
			ri.ID = domain.NewID("req")
		}
		w.Header().Set("X-Request-Id", ri.ID)
		rec := &statusRecorder{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, ri))
		next.ServeHTTP(rec, r)

		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		route := r.Pattern // set by http.ServeMux on this request
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		m.observe(route, rec.status, elapsed)
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		log.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", ri.ID), slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("route", route), slog.Int("status", rec.status),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000), slog.String("org_id", ri.OrgID))
	})
}
