package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

type (
	tokenIDPath struct {
		TokenID string `path:"token_id" doc:"A token id (tok_...)"`
	}
	createToken struct {
		Body struct {
			Name string `json:"name" doc:"What the token is for" example:"laptop"`
		}
	}
)

func registerTokens(s *server) {
	o := op("create-token", http.MethodPost, "/v1/tokens", "Create an API token for yourself; the secret is shown once", "tokens", true)
	o.DefaultStatus = http.StatusCreated
	huma.Register(s.api, o, func(ctx context.Context, in *createToken) (*body[NewToken], error) {
		t, secret, err := s.identity.CreateToken(ctx, principal(ctx), in.Body.Name)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &body[NewToken]{NewToken{Token: toToken(t), Secret: secret}}, nil
	})
	huma.Register(s.api, op("list-tokens", http.MethodGet, "/v1/tokens", "List your API tokens", "tokens", true),
		func(ctx context.Context, _ *struct{}) (*body[[]Token], error) {
			ts, err := s.identity.ListTokens(ctx, principal(ctx))
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]Token]{mapSlice(ts, toToken)}, nil
		})
	huma.Register(s.api, op("get-token", http.MethodGet, "/v1/tokens/{token_id}", "Get one of your API tokens", "tokens", true),
		func(ctx context.Context, in *tokenIDPath) (*body[Token], error) {
			t, err := s.identity.GetToken(ctx, principal(ctx), in.TokenID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[Token]{toToken(t)}, nil
		})
	huma.Register(s.api, op("revoke-token", http.MethodDelete, "/v1/tokens/{token_id}", "Revoke one of your API tokens; repeating it is a no-op", "tokens", true),
		func(ctx context.Context, in *tokenIDPath) (*body[Token], error) {
			t, err := s.identity.RevokeToken(ctx, principal(ctx), in.TokenID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[Token]{toToken(t)}, nil
		})
}
