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
// finds it in the filtered list.
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
	b.Screenshot("run-form")
	b.Do("starting the run", 30*time.Second, chromedp.Submit(chromedp.ID("classpath")))
	heading(t, b, "Run run_")
	waitFor(t, b, "the log to stream in while the run is live", 3*time.Minute,
		`document.querySelector("#log").textContent.includes("hello-world:") && document.querySelector("#log").dataset.log !== undefined`)
	b.Screenshot("run-live")
	waitFor(t, b, "the run to succeed", 3*time.Minute, `!!document.querySelector("h1 .state-succeeded")`)
	waitFor(t, b, "the whole log and a duration", 10*time.Second, has("outputs:")+" && "+has("Duration"))
	b.Screenshot("run")

	b.Do("the runs list", 30*time.Second, chromedp.Navigate(s.url+"/runs?application=hello"))
	heading(t, b, "Runs")
	waitFor(t, b, "the run in the filtered list", 10*time.Second, `document.querySelectorAll("table.runs tbody tr a").length === 1`)
	b.Screenshot("runs")
	b.Do("filtering for another application", 30*time.Second, chromedp.Navigate(s.url+"/runs?application=other"))
	waitFor(t, b, "an empty list", 10*time.Second, fmt.Sprintf("%s && document.querySelectorAll('table.runs tbody tr a').length === 0", has("No runs match.")))
}
