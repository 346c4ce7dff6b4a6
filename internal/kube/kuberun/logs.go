package kuberun

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/orchestera/orchestera/internal/domain"
)

// logFile is a run's kept log: the driver's output as it comes, then each
// executor's when the run ends. The driver's log in the cluster always
// starts with what the file holds, so a follower that lost its stream (or
// a restarted server) reads it again and appends what is new.
type logFile struct {
	path string
	cap  int64
	mu   sync.Mutex
}

// size is how much of the driver's log the file holds.
func (l *logFile) size() int64 {
	fi, err := os.Stat(l.path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// appendFrom appends what r holds past skip bytes, up to the cap.
func (l *logFile) appendFrom(r io.Reader, skip int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if _, err := io.CopyN(io.Discard, r, skip); err != nil {
		return nil // nothing new
	}
	_, err = io.Copy(f, io.LimitReader(r, max(l.cap-fi.Size(), 0)))
	return err
}

func (l *logFile) write(s string) error { return l.appendFrom(strings.NewReader(s), 0) }

// complete marks a run's log as kept in full: its pods may go.
func (l *logFile) complete() error {
	return os.WriteFile(filepath.Join(filepath.Dir(l.path), "log.complete"), nil, 0o600)
}

func (l *logFile) isComplete() bool {
	_, err := os.Stat(filepath.Join(filepath.Dir(l.path), "log.complete"))
	return err == nil
}

// followLog streams the driver's log into the run's log while the driver
// runs, started once per run and server.
func (e *Executor) followLog(ctx context.Context, st domain.Stack, r domain.Run, pod *corev1.Pod) {
	lr := e.live(r)
	e.mu.Lock()
	if lr.follow != nil || lr.finished {
		e.mu.Unlock()
		return
	}
	fctx, cancel := context.WithCancel(ctx)
	lr.follow = cancel
	e.mu.Unlock()
	go func() {
		cs, err := e.client(fctx, st)
		if err != nil {
			return
		}
		for fctx.Err() == nil {
			stream, err := cs.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: "driver", Follow: true}).Stream(fctx)
			if err == nil {
				if err := lr.log.appendFrom(stream, lr.log.size()); err != nil && fctx.Err() == nil {
					e.cfg.Log.WarnContext(fctx, "following a driver's log", "run_id", r.ID, "err", err)
				}
				stream.Close()
			}
			// The stream ends with the container, or breaks: the watch
			// says which; until then, read on after a moment.
			select {
			case <-fctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
}

// keepLogs copies what the log lacks of the driver's, then every
// executor's, and marks it complete; it returns the executors.
func (e *Executor) keepLogs(ctx context.Context, cs kubernetes.Interface, r domain.Run, log *logFile) []corev1.Pod {
	pods := cs.CoreV1().Pods(r.Namespace)
	if stream, err := pods.GetLogs(objectName(r), &corev1.PodLogOptions{Container: "driver"}).Stream(ctx); err == nil {
		log.appendFrom(stream, log.size())
		stream.Close()
	}
	list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: LabelRun + "=" + r.ID + "," + LabelComponent + "=" + componentExec})
	if err != nil {
		e.cfg.Log.WarnContext(ctx, "listing a run's executors for their logs", "run_id", r.ID, "err", err)
		return nil
	}
	for _, p := range list.Items {
		log.write(fmt.Sprintf("\n===== executor %s (%s) =====\n", p.Name, p.Status.Phase))
		if stream, err := pods.GetLogs(p.Name, &corev1.PodLogOptions{}).Stream(ctx); err == nil {
			log.appendFrom(stream, 0)
			stream.Close()
		}
	}
	if err := log.complete(); err != nil {
		e.cfg.Log.WarnContext(ctx, "marking a run's log kept", "run_id", r.ID, "err", err)
	}
	return list.Items
}
