package web

import (
	"bytes"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/domain"
)

// pages are the parsed templates, one set per page: the layout, the
// shared partials and the page's own file.
type pages map[string]*template.Template

func loadPages() pages {
	shared := template.Must(template.New("").Funcs(funcs).ParseFS(files, "templates/_*.html"))
	names, _ := fs.Glob(files, "templates/[a-z]*.html")
	out := pages{}
	for _, n := range names {
		t := template.Must(template.Must(shared.Clone()).ParseFS(files, n))
		out[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return out
}

// view is what every page template gets.
type view struct {
	Title  string
	Nav    string // which menu entry is current
	S      *session
	Flash  string
	Err    *formError
	Local  bool
	Public string // the server's public URL, for commands to copy
	Data   any
}

// formError is a failed call as the API words it: the detail and, for bad
// input, one message per field.
type formError struct {
	Status  int
	Message string
	Fields  map[string]string
}

func errorOf(err error) *formError {
	p := api.ProblemOf(err)
	fe := &formError{Status: p.Status, Message: p.Detail, Fields: map[string]string{}}
	for _, f := range p.Errors {
		fe.Fields[f.Field] = f.Message
	}
	return fe
}

// render writes a page with status (200 when zero).
func (c *console) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) error {
	v.Local, v.Public = c.Local, c.PublicURL
	if v.Flash == "" {
		v.Flash = takeFlash(w, r)
	}
	var b bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&b, "layout", v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if status != 0 {
		w.WriteHeader(status)
	}
	_, err := b.WriteTo(w)
	return err
}

// fragment renders one named template of a page, for live updates.
func (c *console) fragment(page, name string, data any) (string, error) {
	var b bytes.Buffer
	err := c.pages[page].ExecuteTemplate(&b, name, data)
	return b.String(), err
}

// fail shows an error page with the API's status and message; the details
// of an internal error go to the log under the request id.
func (c *console) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	fe := errorOf(err)
	if fe.Status >= 500 {
		c.Log.ErrorContext(r.Context(), "console request", "err", err, "path", r.URL.Path, "request_id", w.Header().Get("X-Request-Id"))
	}
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.CodeUnauthorized && s == nil {
		fe.Message += " (sign in at /login)"
	}
	if rerr := c.render(w, r, fe.Status, "error", view{Title: http.StatusText(fe.Status), S: s, Data: fe}); rerr != nil {
		c.Log.ErrorContext(r.Context(), "rendering an error page", "err", rerr)
	}
}

const flashCookie = "orchestera_flash"

// redirect answers a form post with a 303 to the page that shows its
// outcome, and a one-line message for that page.
func (c *console) redirect(w http.ResponseWriter, r *http.Request, to, flash string) error {
	if flash != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(flash), Path: "/", MaxAge: 60,
			HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteStrictMode})
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func takeFlash(w http.ResponseWriter, r *http.Request) string {
	ck, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1})
	msg, _ := url.QueryUnescape(ck.Value)
	return msg
}

// localPath keeps a post-sign-in destination on this site.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/stacks"
	}
	return next
}

func static() http.Handler {
	sub, _ := fs.Sub(files, "static")
	fsrv := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}
