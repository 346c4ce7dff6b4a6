package domain

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// A run secret is a flat map of keys to values under an alias in a stack's
// namespace; a run that pulls the alias gets every key as an environment
// variable. Values are write-only: nothing returns them.

// StoredSecret is a secret the platform keeps for a stack's namespace,
// sealed: only its key names are in clear.
type StoredSecret struct {
	StackID, Namespace, Alias string
	Keys                      []string // sorted
	Sealed                    string   // the JSON object of keys to values, sealed
	UpdatedAt                 time.Time
}

// SecretInfo is what may be shown of a run secret: never its values.
type SecretInfo struct {
	Namespace string
	Alias     string
	Keys      []string // sorted
}

// The limits of one secret: its keys become environment variables, whose
// total size the kernel caps.
const (
	MaxSecretKeys  = 100
	MaxSecretKey   = 128      // bytes of a key
	MaxSecretValue = 32 << 10 // bytes of a value
	MaxSecretBytes = 64 << 10 // bytes of keys and values together
)

var envNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// reservedExact and reservedPrefixes are the environment variables a
// secret may not set: the platform sets them for every run, or they steer
// the interpreter, the JVM, Spark, Hadoop, the shell or the dynamic linker.
var (
	reservedExact    = []string{"PATH", "HOME", "TMPDIR", "LANG", "TZ", "BASH_ENV", "ENV", "SHELLOPTS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS"}
	reservedPrefixes = []string{"PYTHON", "PYSPARK_", "LD_", "JAVA_", "SPARK_", "HADOOP_", "ORCH_", "ORCHESTERA_", "LC_", "BASH_FUNC_"}
)

// ReservedEnv reports whether a secret key would override a variable the
// platform sets or that steers what runs a pipeline.
func ReservedEnv(key string) bool {
	if slices.Contains(reservedExact, key) {
		return true
	}
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// ValidateSecretAlias: a DNS label, like the namespace it lives in.
func ValidateSecretAlias(alias string) error {
	if !dnsLabel.MatchString(alias) {
		return Invalid("alias", "dns1123_label", "must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit")
	}
	return nil
}

// ValidateSecret checks a secret's keys and the size of its values. Errors
// name the key, never a value.
func ValidateSecret(kv map[string]string) error {
	if len(kv) == 0 {
		return Invalid("keys", "min_items", "a secret needs at least one key")
	}
	if len(kv) > MaxSecretKeys {
		return Invalid("keys", "max_items", fmt.Sprintf("a secret has at most %d keys, this one %d", MaxSecretKeys, len(kv)))
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	total := 0
	for _, k := range keys {
		v := kv[k]
		total += len(k) + len(v)
		switch {
		case len(k) > MaxSecretKey || !envNamePattern.MatchString(k):
			return Invalid("keys", "env_name", fmt.Sprintf("%.128q is not an environment variable name: letters, digits and '_', not starting with a digit, at most %d characters", k, MaxSecretKey))
		case ReservedEnv(k):
			return Invalid("keys", "reserved_env", fmt.Sprintf("%s is reserved: the platform sets it, or it steers the interpreter, the JVM or Spark (reserved: %s, and names starting with %s)",
				k, strings.Join(reservedExact, ", "), strings.Join(reservedPrefixes, ", ")))
		case len(v) > MaxSecretValue:
			return Invalid("keys", "max_length", fmt.Sprintf("the value of %s is %d bytes; at most %d", k, len(v), MaxSecretValue))
		case strings.IndexByte(v, 0) >= 0:
			return Invalid("keys", "no_nul", "the value of "+k+" holds a NUL byte, which an environment variable cannot carry")
		}
	}
	if total > MaxSecretBytes {
		return Invalid("keys", "max_length", fmt.Sprintf("the secret is %d bytes; at most %d in all", total, MaxSecretBytes))
	}
	return nil
}
