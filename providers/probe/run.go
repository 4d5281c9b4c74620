package probe

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/acctsetup/acctsetup/vault"
)

// DefaultTimeout bounds each probe.
const DefaultTimeout = 10 * time.Second

// parallel is how many probes run at once: enough that every built-in
// provider's two environments finish within one timeout.
const parallel = 32

// Job is one checklist to probe.
type Job struct {
	Provider    string
	Environment string
	Prober      Prober
	Credentials map[string]vault.Secret
}

// Run probes every job in parallel and returns their results in job order.
// Each probe gets timeout; one that has not answered by then is Unknown,
// whether or not its request has returned, so Run returns within about
// timeout of its start however the endpoints behave.
func Run(ctx context.Context, client *http.Client, timeout time.Duration, jobs []Job) []Result {
	results := make([]Result, len(jobs))
	var wg sync.WaitGroup
	slots := make(chan struct{}, parallel)
	for i, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			results[i] = runOne(ctx, client, timeout, job)
		}()
	}
	wg.Wait()
	return results
}

// runOne runs one probe under its own deadline.
func runOne(ctx context.Context, client *http.Client, timeout time.Duration, job Job) Result {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan Result, 1)
	go func() { done <- job.Prober.Probe(ctx, client, job.Environment, job.Credentials) }()
	select {
	case r := <-done:
		return r
	case <-ctx.Done():
		return Result{Verdict: Unknown, Detail: "no answer in time"}
	}
}
