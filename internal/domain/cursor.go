package domain

import (
	"encoding/base64"
	"strings"
	"time"
)

// EncodeCursor is the opaque next_cursor of a page whose last item was
// created at at with this id: lists page by (time, id), so items of the
// same instant are neither skipped nor repeated.
func EncodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.Format(time.RFC3339Nano) + "|" + id))
}

// DecodeCursor reads what EncodeCursor made, or says the cursor field is bad.
func DecodeCursor(c string) (time.Time, string, error) {
	bad := Invalid("cursor", "cursor", "must be a next_cursor value from a previous page")
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", bad
	}
	at, id, ok := strings.Cut(string(raw), "|")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", bad
	}
	return t, id, nil
}
