package localrun

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/orchestera/orchestera/internal/domain"
)

// Check refuses what would fail at launch anyway: a missing project
// directory or secret alias.
func (e *Executor) Check(_ context.Context, namespace string, spec domain.RunSpec) error {
	if fi, err := os.Stat(spec.Project); err != nil || !fi.IsDir() {
		return domain.Invalid("project", "directory_exists", fmt.Sprintf("%s is not a directory on the server's machine", spec.Project))
	}
	_, err := e.secretEnv(namespace, spec.PullSecretsFrom)
	return err
}

// secretEnv reads the local secrets of a namespace: Home/secrets/<namespace>/
// <alias>.json, each a flat JSON object of strings, as KEY=value pairs.
// Values never reach logs, the store or errors.
func (e *Executor) secretEnv(namespace string, aliases []string) ([]string, error) {
	var env []string
	for _, alias := range aliases {
		path := filepath.Join(e.cfg.Home, "secrets", namespace, alias+".json")
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, domain.Invalid("pull_secrets_from", "secret_exists",
				fmt.Sprintf("no secret %q in namespace %q (expected %s)", alias, namespace, path))
		}
		var kv map[string]string
		if err := json.Unmarshal(b, &kv); err != nil {
			return nil, domain.Invalid("pull_secrets_from", "secret_format",
				fmt.Sprintf("secret %q in %s must be a flat JSON object of strings", alias, path))
		}
		for k, v := range kv {
			env = append(env, k+"="+v)
		}
	}
	return env, nil
}
