package awssdk

import (
	"errors"
	"strings"

	"github.com/aws/smithy-go"
)

// ErrorCode is the AWS error code of err ("NoSuchEntity", ...), or "" when
// err carries none (a network or deserialization failure).
func ErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// Error codes by meaning, across the query (IAM, STS, EC2) and JSON
// (Organizations, EKS, SSM) services.
var (
	notFoundCodes = codes("NoSuchEntity", "NoSuchEntityException", "ResourceNotFoundException",
		"NotFoundException", "NotFound", "AccountNotFoundException", "CreateAccountStatusNotFoundException")
	accessDeniedCodes = codes("AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
		"UnauthorizedAccess", "Forbidden")
	alreadyExistsCodes = codes("EntityAlreadyExists", "EntityAlreadyExistsException", "ResourceAlreadyExistsException",
		"AlreadyExistsException", "AlreadyInOrganizationException", "DuplicateAccountException")
)

func codes(c ...string) map[string]bool {
	m := make(map[string]bool, len(c))
	for _, s := range c {
		m[s] = true
	}
	return m
}

// IsNotFound reports whether the resource asked for does not exist.
func IsNotFound(err error) bool { return notFoundCodes[ErrorCode(err)] }

// IsAlreadyExists reports whether a create collided with an existing resource.
func IsAlreadyExists(err error) bool { return alreadyExistsCodes[ErrorCode(err)] }

// IsAccessDenied reports whether the caller lacks permission. Besides the
// codes, a bare HTTP 403 counts: a JSON service that answers with an XML
// error body (moto's auth errors, some proxies) reaches the SDK as a
// deserialization failure with no code. A 403 with another code
// (InvalidClientTokenId, ExpiredToken, SignatureDoesNotMatch) is a
// credentials problem, not a missing permission.
func IsAccessDenied(err error) bool {
	code := ErrorCode(err)
	if accessDeniedCodes[code] {
		return true
	}
	var status interface{ HTTPStatusCode() int }
	return (code == "" || code == "UnknownError") && errors.As(err, &status) && status.HTTPStatusCode() == 403
}

// IsThrottled reports what is worth retrying with backoff: throttling,
// AWS-side faults, and a role created moments ago that EKS cannot assume
// yet (IAM is eventually consistent).
func IsThrottled(err error) bool {
	switch ErrorCode(err) {
	case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "ServiceUnavailable",
		"ServiceUnavailableException", "InternalFailure", "InternalError", "RequestTimeout":
		return true
	case "InvalidParameterException":
		msg := strings.ToLower(err.Error())
		return strings.Contains(msg, "role") && (strings.Contains(msg, "assume") || strings.Contains(msg, "does not exist"))
	}
	return false
}

// Message is the AWS error message of err, or err's text.
func Message(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorMessage() != "" {
		return ae.ErrorMessage()
	}
	return err.Error()
}
