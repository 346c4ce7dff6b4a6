// Package config reads and writes the client config: which server the CLI
// talks to and with which token, kept in $ORCHESTERA_HOME (default
// ~/.orchestera) with mode 0600 because it holds a secret.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FileName is the client config's name inside the home directory.
const FileName = "config.json"

// Client is the client config.
type Client struct {
	Server string `json:"server"`
	Token  string `json:"token"`
}

// Home is $ORCHESTERA_HOME, or ~/.orchestera.
func Home() string {
	if h := os.Getenv("ORCHESTERA_HOME"); h != "" {
		return h
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".orchestera")
	}
	return ".orchestera"
}

// Load reads home/config.json; a missing file is an empty config.
func Load(home string) (Client, error) {
	var c Client
	b, err := os.ReadFile(filepath.Join(home, FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("reading %s: %w", filepath.Join(home, FileName), err)
	}
	return c, nil
}

// Save writes home/config.json atomically with mode 0600.
func Save(home string, c Client) error {
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(home, ".config-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(home, FileName))
}
