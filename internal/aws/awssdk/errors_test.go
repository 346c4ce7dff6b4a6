package awssdk

import (
	"errors"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The errors.go classification, on errors shaped as the SDK returns them.
func TestErrorClassification(t *testing.T) {
	respErr := func(status int, inner error) error {
		return &smithy.OperationError{ServiceID: "SSM", OperationName: "GetParameter", Err: &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: inner},
		}}
	}
	api := func(code string) error { return &smithy.GenericAPIError{Code: code} }
	for _, tc := range []struct {
		name                           string
		err                            error
		notFound, denied, alreadyThere bool
	}{
		{"IAM NoSuchEntity", respErr(404, api("NoSuchEntity")), true, false, false},
		{"EKS ResourceNotFoundException", respErr(404, api("ResourceNotFoundException")), true, false, false},
		{"IAM AccessDenied", respErr(403, api("AccessDenied")), false, true, false},
		{"EC2 UnauthorizedOperation", respErr(403, api("UnauthorizedOperation")), false, true, false},
		// moto's auth errors are XML even on JSON services: no code, just 403.
		{"403 that would not deserialize", respErr(403, errors.New("deserialization failed")), false, true, false},
		{"bad credentials are not a missing permission", respErr(403, api("InvalidClientTokenId")), false, false, false},
		{"IAM EntityAlreadyExists", respErr(409, api("EntityAlreadyExists")), false, false, true},
		{"network error", errors.New("dial tcp: connection refused"), false, false, false},
		{"nil", nil, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if IsNotFound(tc.err) != tc.notFound || IsAccessDenied(tc.err) != tc.denied || IsAlreadyExists(tc.err) != tc.alreadyThere {
				t.Fatalf("IsNotFound=%v IsAccessDenied=%v IsAlreadyExists=%v (code %q)",
					IsNotFound(tc.err), IsAccessDenied(tc.err), IsAlreadyExists(tc.err), ErrorCode(tc.err))
			}
		})
	}
}

func TestRetryClassification(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, true},
		{&smithy.GenericAPIError{Code: "InvalidParameterException", Message: "Role with arn: arn:aws:iam::1:role/x, could not be assumed because it does not exist or the trusted entity is not correct"}, true},
		{&smithy.GenericAPIError{Code: "InvalidParameterException", Message: "unsupported Kubernetes version"}, false},
		{&smithy.GenericAPIError{Code: "AccessDeniedException"}, false},
	} {
		if got := IsThrottled(c.err); got != c.want {
			t.Errorf("%v: %v, want %v", c.err, got, c.want)
		}
	}
}
