// Package githubtest is a small fake of GitHub's OAuth web flow and the two
// REST calls sign-in makes, served on loopback for tests.
package githubtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
)

// User is a GitHub account the fake signs in.
type User struct {
	ID       int64
	Login    string
	Name     string
	Email    string
	Verified bool
}

// Fake is the provider. Next is who approves the next authorization.
type Fake struct {
	*httptest.Server
	ClientID, ClientSecret string

	mu     sync.Mutex
	next   User
	codes  map[string]User
	tokens map[string]User
}

// New starts the fake.
func New() *Fake {
	f := &Fake{ClientID: "test-client", ClientSecret: "test-secret", codes: map[string]User{}, tokens: map[string]User{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/oauth/authorize", f.authorize)
	mux.HandleFunc("POST /login/oauth/access_token", f.accessToken)
	mux.HandleFunc("GET /user", f.withUser(func(u User) any {
		return map[string]any{"id": u.ID, "login": u.Login, "name": u.Name}
	}))
	mux.HandleFunc("GET /user/emails", f.withUser(func(u User) any {
		return []map[string]any{
			{"email": u.Login + "@users.noreply.github.com", "primary": false, "verified": true},
			{"email": u.Email, "primary": true, "verified": u.Verified},
		}
	}))
	f.Server = httptest.NewServer(mux)
	return f
}

// SignInAs sets who approves the next authorization.
func (f *Fake) SignInAs(u User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next = u
}

func (f *Fake) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != f.ClientID {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	code := "code-" + q.Get("state")[:8] + "-" + f.next.Login
	f.codes[code] = f.next
	f.mu.Unlock()
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	bq := back.Query()
	bq.Set("code", code)
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (f *Fake) accessToken(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
	}
	f.mu.Lock()
	u, known := f.codes[r.Form.Get("code")]
	delete(f.codes, r.Form.Get("code"))
	tok := "gho_" + u.Login
	if known {
		f.tokens[tok] = u
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if id != f.ClientID || secret != f.ClientSecret || !known {
		json.NewEncoder(w).Encode(map[string]string{"error": "bad_verification_code"})
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"access_token": tok, "token_type": "bearer", "scope": "read:user,user:email"})
}

func (f *Fake) withUser(body func(User) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		u, ok := f.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		f.mu.Unlock()
		if !ok {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(body(u))
	}
}
