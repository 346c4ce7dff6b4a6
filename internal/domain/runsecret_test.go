package domain

import (
	"strings"
	"testing"
)

func TestValidateSecret(t *testing.T) {
	cases := []struct {
		name        string
		kv          map[string]string
		field, rule string // "" when valid
		names       string // the error names this
	}{
		{"ordinary keys", map[string]string{"WAREHOUSE_USER": "etl", "WAREHOUSE_PASSWORD": "p", "_x1": ""}, "", "", ""},
		{"empty", map[string]string{}, "keys", "min_items", ""},
		{"PATH", map[string]string{"A": "1", "PATH": "/evil"}, "keys", "reserved_env", "PATH"},
		{"HOME", map[string]string{"HOME": "/"}, "keys", "reserved_env", "HOME"},
		{"PYTHONPATH", map[string]string{"PYTHONPATH": "/evil"}, "keys", "reserved_env", "PYTHONPATH"},
		{"PYTHONSTARTUP", map[string]string{"PYTHONSTARTUP": "/evil.py"}, "keys", "reserved_env", "PYTHONSTARTUP"},
		{"PYSPARK_PYTHON", map[string]string{"PYSPARK_PYTHON": "/evil"}, "keys", "reserved_env", "PYSPARK_PYTHON"},
		{"LD_PRELOAD", map[string]string{"LD_PRELOAD": "/evil.so"}, "keys", "reserved_env", "LD_PRELOAD"},
		{"JAVA_TOOL_OPTIONS", map[string]string{"JAVA_TOOL_OPTIONS": "-javaagent:x"}, "keys", "reserved_env", "JAVA_TOOL_OPTIONS"},
		{"_JAVA_OPTIONS", map[string]string{"_JAVA_OPTIONS": "-x"}, "keys", "reserved_env", "_JAVA_OPTIONS"},
		{"SPARK_HOME", map[string]string{"SPARK_HOME": "/x"}, "keys", "reserved_env", "SPARK_HOME"},
		{"ORCH_RUN_DIR", map[string]string{"ORCH_RUN_DIR": "/"}, "keys", "reserved_env", "ORCH_RUN_DIR"},
		{"ORCHESTERA_TOKEN", map[string]string{"ORCHESTERA_TOKEN": "x"}, "keys", "reserved_env", "ORCHESTERA_TOKEN"},
		{"HADOOP_CONF_DIR", map[string]string{"HADOOP_CONF_DIR": "/x"}, "keys", "reserved_env", "HADOOP_CONF_DIR"},
		{"LANG", map[string]string{"LANG": "C"}, "keys", "reserved_env", "LANG"},
		{"LC_ALL", map[string]string{"LC_ALL": "C"}, "keys", "reserved_env", "LC_ALL"},
		{"TZ", map[string]string{"TZ": "UTC"}, "keys", "reserved_env", "TZ"},
		{"a name with '='", map[string]string{"A=B": "x"}, "keys", "env_name", "A=B"},
		{"a name with a space", map[string]string{"MY KEY": "x"}, "keys", "env_name", "MY KEY"},
		{"a name starting with a digit", map[string]string{"1A": "x"}, "keys", "env_name", "1A"},
		{"an empty name", map[string]string{"": "x"}, "keys", "env_name", ""},
		{"a value too large", map[string]string{"BIG": strings.Repeat("x", MaxSecretValue+1)}, "keys", "max_length", "BIG"},
		{"a NUL in a value", map[string]string{"N": "a\x00b"}, "keys", "no_nul", "N"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateSecret(c.kv)
			if c.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Code != CodeInvalid || e.Fields[0].Field != c.field || e.Fields[0].Rule != c.rule {
				t.Fatalf("error = %#v, want field %s rule %s", err, c.field, c.rule)
			}
			if !strings.Contains(e.Fields[0].Message, c.names) {
				t.Fatalf("the message does not name %q: %s", c.names, e.Fields[0].Message)
			}
			for _, v := range c.kv {
				if len(v) > 2 && strings.Contains(err.Error(), v) {
					t.Fatalf("the error shows a value: %v", err)
				}
			}
		})
	}
	too := map[string]string{}
	for i := range MaxSecretKeys + 1 {
		too["K"+strings.Repeat("x", i)] = "v"
	}
	if e, ok := ValidateSecret(too).(*Error); !ok || e.Fields[0].Rule != "max_items" {
		t.Fatalf("too many keys: %v", ValidateSecret(too))
	}
}
