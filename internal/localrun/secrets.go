package localrun

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/orchestera/orchestera/internal/domain"
)

// The local stack keeps a secret as the file
// Home/secrets/<org id>/<namespace>/<alias>.json: a flat JSON object of
// strings, 0600 in directories only the server's user can enter. Runs never
// see these files, only the keys they pull.

func (e *Executor) secretDir(orgID, namespace string) string {
	return filepath.Join(e.cfg.Home, "secrets", orgID, namespace)
}

// PutSecret writes a secret atomically: a reader sees the old one or the
// new one, never a part.
func (e *Executor) PutSecret(_ context.Context, st domain.Stack, namespace, alias string, kv map[string]string) error {
	orgID := st.OrgID
	if err := safeNames(orgID, namespace, alias); err != nil {
		return err
	}
	dir := e.secretDir(orgID, namespace)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating the secrets directory: %w", err)
	}
	for _, d := range []string{filepath.Dir(filepath.Dir(dir)), filepath.Dir(dir), dir} {
		os.Chmod(d, 0o700) // also when an older version or a person made them
	}
	b, err := json.Marshal(kv)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+alias+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing the secret: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("writing the secret: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, alias+".json")); err != nil {
		return fmt.Errorf("writing the secret: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// ListSecrets lists a namespace's secrets with their key names.
func (e *Executor) ListSecrets(_ context.Context, st domain.Stack, namespace string) ([]domain.SecretInfo, error) {
	orgID := st.OrgID
	if err := safeNames(orgID, namespace); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(e.secretDir(orgID, namespace))
	if os.IsNotExist(err) {
		return []domain.SecretInfo{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := []domain.SecretInfo{}
	for _, en := range entries {
		alias, ok := strings.CutSuffix(en.Name(), ".json")
		if !ok || !en.Type().IsRegular() || domain.ValidateSecretAlias(alias) != nil {
			continue
		}
		info := domain.SecretInfo{Namespace: namespace, Alias: alias, Keys: []string{}}
		if kv, err := readSecret(filepath.Join(e.secretDir(orgID, namespace), en.Name())); err == nil {
			for k := range kv {
				info.Keys = append(info.Keys, k)
			}
			slices.Sort(info.Keys)
		}
		out = append(out, info)
	}
	return out, nil
}

// DeleteSecret removes a secret.
func (e *Executor) DeleteSecret(_ context.Context, st domain.Stack, namespace, alias string) error {
	orgID := st.OrgID
	if err := safeNames(orgID, namespace, alias); err != nil {
		return err
	}
	err := os.Remove(filepath.Join(e.secretDir(orgID, namespace), alias+".json"))
	if os.IsNotExist(err) {
		return domain.NotFound("secret", alias)
	}
	return err
}

func readSecret(path string) (map[string]string, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var kv map[string]string
	if err := json.NewDecoder(f).Decode(&kv); err != nil || kv == nil {
		return nil, fmt.Errorf("not a flat JSON object of strings")
	}
	return kv, nil
}

// safeNames refuses a name that is not one path element: they all come
// validated, this is the last line.
func safeNames(names ...string) error {
	for _, n := range names {
		if n == "" || n == "." || n == ".." || strings.ContainsAny(n, "/\x00") {
			return domain.Errorf(domain.CodeInvalid, "%q is not a valid name", n)
		}
	}
	return nil
}

// secretEnv reads the secrets a run pulls as KEY=value pairs. Values never
// reach logs, the store or errors; a key the platform reserves is refused
// (files written by hand can hold one).
func (e *Executor) secretEnv(orgID, namespace string, aliases []string) ([]string, error) {
	var env []string
	for _, alias := range aliases {
		if err := safeNames(orgID, namespace, alias); err != nil {
			return nil, err
		}
		path := filepath.Join(e.secretDir(orgID, namespace), alias+".json")
		kv, err := readSecret(path)
		switch {
		case os.IsNotExist(err):
			msg := fmt.Sprintf("no secret %q in namespace %q; write it with: orchestera secrets put --namespace %s --alias %s --from-file FILE", alias, namespace, namespace, alias)
			if legacy := filepath.Join(e.cfg.Home, "secrets", namespace, alias+".json"); fileExists(legacy) {
				msg += fmt.Sprintf(" (%s is where an older version kept it: --from-file %s)", legacy, legacy)
			}
			return nil, domain.Invalid("pull_secrets_from", "secret_exists", msg)
		case err != nil:
			return nil, domain.Invalid("pull_secrets_from", "secret_format",
				fmt.Sprintf("secret %q in namespace %q must be a flat JSON object of strings; write it again with orchestera secrets put", alias, namespace))
		}
		if err := domain.ValidateSecret(kv); err != nil {
			de := err.(*domain.Error)
			return nil, domain.Invalid("pull_secrets_from", de.Fields[0].Rule, fmt.Sprintf("secret %q: %s", alias, de.Fields[0].Message))
		}
		for k, v := range kv {
			env = append(env, k+"="+v)
		}
	}
	return env, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
