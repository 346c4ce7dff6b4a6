// Package ekstoken makes the bearer tokens an EKS cluster's API server
// accepts: a presigned sts:GetCallerIdentity request whose signature covers
// the cluster's name, as `aws eks get-token` makes them. The API server
// calls STS with it to learn who the caller is; the token proves an
// identity and nothing else, and lasts 15 minutes.
package ekstoken

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The format's constants: the prefix, the signed header naming the
// cluster, and how long the presigned request is valid (EKS accepts a
// token for 15 minutes from its signing whatever this says).
const (
	Prefix       = "k8s-aws-v1."
	HeaderID     = "x-k8s-aws-id"
	presignedFor = 60 * time.Second
	// Lifetime is how long EKS accepts a token.
	Lifetime = 15 * time.Minute
)

// Token returns a token for the cluster, made with cfg's credentials (the
// customer role the platform assumed), and when it expires. It makes no
// call: signing is local.
func Token(ctx context.Context, cfg aws.Config, cluster string) (string, time.Time, error) {
	signedAt := time.Now()
	presigner := sts.NewPresignClient(sts.NewFromConfig(cfg))
	req, err := presigner.PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(o *sts.PresignOptions) {
		o.ClientOptions = append(o.ClientOptions, func(so *sts.Options) {
			so.APIOptions = append(so.APIOptions, smithyhttp.SetHeaderValue(HeaderID, cluster), expires)
		})
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("signing an EKS token for cluster %s: %w", cluster, err)
	}
	return Prefix + base64.RawURLEncoding.EncodeToString([]byte(req.URL)), signedAt.Add(Lifetime - time.Minute), nil
}

// expires adds X-Amz-Expires to the query before the request is signed.
func expires(stack *middleware.Stack) error {
	return stack.Build.Add(middleware.BuildMiddlewareFunc("ekstokenExpires", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
		if req, ok := in.Request.(*smithyhttp.Request); ok {
			q := req.URL.Query()
			q.Set("X-Amz-Expires", fmt.Sprint(int(presignedFor.Seconds())))
			req.URL.RawQuery = q.Encode()
		}
		return next.HandleBuild(ctx, in)
	}), middleware.After)
}
