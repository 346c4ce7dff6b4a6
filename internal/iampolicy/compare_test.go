package iampolicy

import "testing"

func TestEqual(t *testing.T) {
	const platform = "017059471480"
	base := TrustPolicy(platform, "x")
	parse := func(s string) Document {
		d, err := Parse([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		name string
		doc  string
		same bool
	}{
		{"bare account id, single statement object, key case", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Principal":{"AWS":["017059471480"]},"Action":["STS:AssumeRole"],"Condition":{"StringEquals":{"sts:externalid":"x"}}}}`, true},
		{"other external id", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"017059471480"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"y"}}}}`, false},
		{"no condition", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"017059471480"},"Action":"sts:AssumeRole"}}`, false},
		{"other operator", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"017059471480"},"Action":"sts:AssumeRole","Condition":{"StringLike":{"sts:ExternalId":"x"}}}}`, false},
		{"extra principal", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":["017059471480","111122223333"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}}`, false},
		{"old version", `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"017059471480"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Equal(parse(tc.doc), base); got != tc.same {
				t.Fatalf("Equal = %v, want %v", got, tc.same)
			}
		})
	}
}

func TestDecodeURLEncoded(t *testing.T) {
	d, err := Decode(`%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D`)
	if err != nil || len(d.Statement) != 1 || d.Statement[0].Action[0] != "s3:*" {
		t.Fatalf("Decode = %+v, %v", d, err)
	}
}
