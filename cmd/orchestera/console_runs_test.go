package main_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orchestera/orchestera/internal/web/browsertest"
)

// TestConsoleRunsOnTheLocalStack: in local mode a browser on this machine
// is the local admin with no sign-in; it starts the hello-world pipeline
// from the form, watches its log stream in while real Spark runs, and
// finds it in the filtered list; the pages fit a phone's width.
func TestConsoleRunsOnTheLocalStack(t *testing.T) {
	py := pythonForRuns(t)
	b := browsertest.Start(t, 1280, 860)
	s := startServer(t, t.TempDir(), "ORCHESTERA_PYTHON="+py)
	defer s.stop(t)

	b.Do("the run form", 30*time.Second, chromedp.Navigate(s.url+"/runs/new"))
	heading(t, b, "Start a run on the local stack")
	b.Do("filling it in", 30*time.Second,
		chromedp.SendKeys(chromedp.ID("classpath"), "example.spark.application.HelloWorld"),
		chromedp.SendKeys(chromedp.ID("application_name"), "hello"),
		chromedp.SendKeys(chromedp.ID("project"), examples(t)))
	shot(t, b, "run-form")
	b.Do("starting the run", 30*time.Second, chromedp.Submit(chromedp.ID("classpath")))
	heading(t, b, "Run run_")
	// The stream appends a text node per chunk: one more than the page
	// came with, while the page is still live, is the log streaming in.
	// (Waiting for the pipeline's last lines raced the run's end, when
	// the page reloads without its stream.)
	if _, err := browsertest.Eval[string](b, `document.querySelector("#log").dataset.nodes = String(document.querySelector("#log").childNodes.length)`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the log to stream in while the run is live", 3*time.Minute,
		`document.querySelector("#log").dataset.log !== undefined && document.querySelector("#log").childNodes.length > Number(document.querySelector("#log").dataset.nodes)`)
	shot(t, b, "run-live")
	waitFor(t, b, "the run to succeed", 3*time.Minute, `!!document.querySelector("h1 .state-succeeded")`)
	waitFor(t, b, "the whole log and a duration", 10*time.Second, has("outputs:")+" && "+has("Duration"))
	shot(t, b, "run")

	b.Do("the runs list", 30*time.Second, chromedp.Navigate(s.url+"/runs?application=hello"))
	heading(t, b, "Runs")
	waitFor(t, b, "the run in the filtered list", 10*time.Second, `document.querySelectorAll("table.runs tbody tr a").length === 1`)
	shot(t, b, "runs")
	b.Do("filtering for another application", 30*time.Second, chromedp.Navigate(s.url+"/runs?application=other"))
	waitFor(t, b, "an empty list", 10*time.Second, fmt.Sprintf("%s && document.querySelectorAll('table.runs tbody tr a').length === 0", has("No runs match.")))

	// On a phone's width the pages reflow: nothing but a table's own
	// scroller is wider than the screen.
	b.Do("a narrow screen", 10*time.Second, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	for _, path := range []string{"/runs", "/stacks/local", "/runs/new"} {
		b.Do("narrow "+path, 30*time.Second, chromedp.Navigate(s.url+path))
		waitFor(t, b, path+" to fit 390 pixels", 10*time.Second, `document.readyState === "complete" && document.documentElement.scrollWidth <= window.innerWidth`)
	}
	shot(t, b, "narrow-run-form")
}
