package domain

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestNotReady(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		notReady bool
		after    time.Duration
	}{
		{"not ready", NotReady(30*time.Second, "cluster %s is CREATING", "c1"), true, 30 * time.Second},
		{"wrapped", fmt.Errorf("waiting for cluster: %w", NotReady(time.Second, "x")), true, time.Second},
		{"plain", errors.New("boom"), false, 0},
		{"nil", nil, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if after, ok := IsNotReady(tt.err); ok != tt.notReady || after != tt.after {
				t.Errorf("IsNotReady = %v, %v", after, ok)
			}
		})
	}
	if got := NotReady(time.Second, "cluster %s is CREATING", "c1").Error(); got != "not ready: cluster c1 is CREATING" {
		t.Errorf("message = %q", got)
	}
}

func TestStepErrorHint(t *testing.T) {
	cause := errors.New("AccessDenied: eks:CreateCluster")
	e := &StepError{Step: "cluster", Err: cause}
	if e.Error() != "step cluster: AccessDenied: eks:CreateCluster" || !errors.Is(e, cause) || e.Hint() != cause.Error() {
		t.Fatalf("%v / %q", e, e.Hint())
	}
	e.Fix = "add eks:* to OrchesteraAccessPolicy"
	if e.Hint() != "AccessDenied: eks:CreateCluster; fix: add eks:* to OrchesteraAccessPolicy" {
		t.Errorf("hint = %q", e.Hint())
	}
}

type mapRun map[string]string

func (m mapRun) Output(step, key string) (string, bool) { v, ok := m[step+"/"+key]; return v, ok }
func (m mapRun) SetOutput(key, value string)            { m["self/"+key] = value }

func TestOutputs(t *testing.T) {
	r := mapRun{}
	type net struct{ VPCID string }
	if err := WriteOutput(r, net{VPCID: "vpc-1"}); err != nil {
		t.Fatal(err)
	}
	var got net
	if err := ReadOutput(r, "self", &got); err != nil || got.VPCID != "vpc-1" {
		t.Fatalf("ReadOutput = %+v, %v", got, err)
	}
	if err := ReadOutput(r, "network", &got); err == nil || err.Error() != "the outputs of step network are missing; provision again" {
		t.Errorf("missing outputs: %v", err)
	}
}

func TestWithFix(t *testing.T) {
	cause := errors.New("role orchestera-etl-node-role exists without our tags")
	err := fmt.Errorf("ensuring IAM: %w", WithFix(cause, "delete or rename it"))
	if FixOf(err) != "delete or rename it" || !errors.Is(err, cause) || err.Error() != "ensuring IAM: "+cause.Error() {
		t.Fatalf("%v: fix %q", err, FixOf(err))
	}
	if FixOf(cause) != "" || WithFix(nil, "x") != nil {
		t.Error("a fix out of nothing")
	}
}
