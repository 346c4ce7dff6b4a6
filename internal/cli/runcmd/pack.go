package runcmd

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

// skipped are what a project holds that a run never needs: version
// control, virtual environments, caches, build output.
var skipped = map[string]bool{
	".git": true, ".hg": true, ".svn": true, ".venv": true, "venv": true, "env": true, "__pycache__": true,
	".pytest_cache": true, ".mypy_cache": true, ".ruff_cache": true, ".tox": true, ".ipynb_checkpoints": true,
	"node_modules": true, "build": true, "dist": true, ".eggs": true, ".idea": true, ".vscode": true,
}

// pack packs a project directory for a Kubernetes run: a gzip'd tar of its
// regular files, without skipped directories and compiled Python, at most
// domain.MaxProjectArchive bytes. Symbolic links are not followed.
func pack(dir string) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	type sized struct {
		path string
		size int64
	}
	var files []sized
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		switch {
		case d.IsDir() && rel != "." && (skipped[d.Name()] || strings.HasSuffix(d.Name(), ".egg-info")):
			return filepath.SkipDir
		case !d.Type().IsRegular() || strings.HasSuffix(path, ".pyc"):
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, sized{rel, info.Size()})
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: int64(info.Mode().Perm()), Size: info.Size(), ModTime: info.ModTime()}); err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = gz.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("--project %s: packing it: %w", dir, err)
	}
	if buf.Len() > domain.MaxProjectArchive {
		sort.Slice(files, func(i, j int) bool { return files[i].size > files[j].size })
		var big []string
		for _, f := range files[:min(3, len(files))] {
			big = append(big, fmt.Sprintf("%s (%d KiB)", f.path, f.size>>10))
		}
		return nil, fmt.Errorf("--project %s: packed, it is %d KiB; a run ships at most %d KiB: leave data out of the project and put dependencies in the image (largest files: %s)",
			dir, buf.Len()>>10, domain.MaxProjectArchive>>10, strings.Join(big, ", "))
	}
	return buf.Bytes(), nil
}
