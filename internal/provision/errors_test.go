package provision

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestErrorKinds(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		notReady  bool
		after     time.Duration
		transient bool
	}{
		{"not ready", NotReady(30*time.Second, "CREATING"), true, 30 * time.Second, false},
		{"wrapped not ready", fmt.Errorf("waiting for cluster: %w", NotReady(time.Second, "x")), true, time.Second, false},
		{"transient", Transient(errBoom), false, 0, true},
		{"wrapped transient", fmt.Errorf("describing vpcs: %w", Transient(errBoom)), false, 0, true},
		{"plain", errBoom, false, 0, false},
		{"nil", nil, false, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after, ok := IsNotReady(tt.err)
			if ok != tt.notReady || after != tt.after {
				t.Errorf("IsNotReady = %v, %v", after, ok)
			}
			if IsTransient(tt.err) != tt.transient {
				t.Errorf("IsTransient = %v", !tt.transient)
			}
		})
	}
	if Transient(nil) != nil {
		t.Error("Transient(nil) != nil")
	}
	if err := Transient(errBoom); !errors.Is(err, errBoom) || err.Error() != "boom" {
		t.Errorf("Transient hides its error: %v", err)
	}
}
