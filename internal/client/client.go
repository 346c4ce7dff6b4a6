// Package client is the Go client of the Orchestera HTTP API that the CLI
// uses. It speaks the api package's wire types and turns problem documents
// back into errors that name the field and the rule.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/orchestera/orchestera/internal/api"
)

// Client calls one server with one token.
type Client struct {
	base  string
	token string
	http  *http.Client
}

// New returns a client of server (e.g. http://127.0.0.1:7420).
func New(server, token string) *Client {
	// No overall timeout: followed logs stream for as long as a run lives.
	// Callers bound requests with their context.
	return &Client{base: strings.TrimRight(server, "/"), token: token, http: &http.Client{Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment, ResponseHeaderTimeout: 60 * time.Second, IdleConnTimeout: 90 * time.Second,
	}}}
}

// Server is the base URL this client calls.
func (c *Client) Server() string { return c.base }

// Error is a problem document the server answered with.
type Error struct {
	api.Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Detail)
	for _, f := range e.Errors {
		fmt.Fprintf(&b, "\n  %s: %s (rule: %s)", f.Field, f.Message, f.Rule)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, "\n  (request id %s)", e.RequestID)
	}
	return b.String()
}

// StatusOf returns the HTTP status of a server error, 0 for other errors.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// NotSent reports whether err means the request never reached a server:
// nothing listened (connection refused) or the address did not resolve. A
// request that got no answer may have been handled; one never sent was not.
func NotSent(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return (errors.As(err, &op) && op.Op == "dial") || errors.As(err, &dns)
}

// Unanswered reports whether err is a failure to get any answer (the
// network, or the server went away), as opposed to a problem it answered.
func Unanswered(err error) bool {
	var e *Error
	return err != nil && !errors.As(err, &e)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	return c.doHeader(ctx, method, path, nil, in, out)
}

// doHeader sends in as JSON with extra headers and decodes the answer into out.
func (c *Client) doHeader(ctx context.Context, method, path string, header map[string]string, in, out any) error {
	resp, err := c.raw(ctx, method, path, header, in)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decoding the answer to %s %s: %w", method, path, err)
	}
	return nil
}

// raw makes a request and turns 4xx/5xx answers into *Error; the caller
// closes the body of a successful answer.
func (c *Client) raw(ctx context.Context, method, path string, header map[string]string, in any) (*http.Response, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the Orchestera server at %s (is `orchestera server` running? set --server or ORCHESTERA_SERVER): %w", c.base, err)
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		e := &Error{}
		if json.NewDecoder(resp.Body).Decode(&e.Problem) != nil || e.Status == 0 {
			e.Status, e.Detail = resp.StatusCode, fmt.Sprintf("%s %s answered %s", method, path, resp.Status)
		}
		return nil, e
	}
	return resp, nil
}

func get[T any](ctx context.Context, c *Client, path string) (T, error) {
	var out T
	return out, c.do(ctx, http.MethodGet, path, nil, &out)
}

func send[T any](ctx context.Context, c *Client, method, path string, in any) (T, error) {
	var out T
	return out, c.do(ctx, method, path, in, &out)
}
