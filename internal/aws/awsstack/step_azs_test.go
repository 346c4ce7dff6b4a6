package awsstack

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

func TestPickAZsAgainstMoto(t *testing.T) {
	cfg := startStackMoto(t)
	ctx := testCtx(t)
	api := ec2.NewFromConfig(cfg)
	for _, tc := range []struct {
		region  string
		n       int
		want    string
		wantErr string
	}{
		{region: "us-east-1", n: 2, want: "us-east-1a us-east-1b"},
		{region: "us-east-1", n: 3, want: "us-east-1a us-east-1b us-east-1c"},
		{region: "us-west-2", n: 2, want: "us-west-2a us-west-2b"}, // the region comes from the argument, not the client
		{region: "us-east-1", n: 1, wantErr: "at least 2"},
		{region: "us-east-1", n: 7, wantErr: "7 needed, only 6 available"},
	} {
		t.Run(tc.region+"/"+tc.want+tc.wantErr, func(t *testing.T) {
			got, err := PickAZs(ctx, api, tc.region, tc.n)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || strings.Join(got, " ") != tc.want {
				t.Fatalf("PickAZs = %v, %v; want %s", got, err, tc.want)
			}
		})
	}
}
