// Package api is the HTTP adapter: the /v1 JSON API described by an OpenAPI
// 3.1 document generated from its Go types (huma), RFC 9457 problem errors,
// health and readiness, Prometheus metrics, request ids and access logs.
package api
