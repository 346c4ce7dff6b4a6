// Package identity holds the rules of organizations, members, invitations and
// API tokens: who may do what, and what a request with a token acts as. It
// depends only on the domain package and reaches storage through
// domain.Store.
package identity
