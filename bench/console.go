package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/streamplane/streamplane/console"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// consoleLoads is how many times each page is loaded, cold (the browser's
// cache off), for the medians.
const consoleLoads = 7

// consoleTarget is the goal: every page under 300 KB and
// interactive in under a second with 1,000 instances.
const (
	consoleWeightTarget      = 300 << 10
	consoleInteractiveTarget = time.Second
)

// measureConsole loads the console's main pages in headless Chromium over
// a store of 1,000 instance records (no brokers: the records are what the
// pages read) and reports, per page, the median first contentful paint and
// time to interactive from the browser's performance timeline, and the
// bytes the page and its assets weigh.
func measureConsole(ctx context.Context, env *benchEnv) ([]row, error) {
	records := env.opts.records
	seeded, err := newSeededAPI(ctx, records)
	if err != nil {
		return nil, err
	}
	defer seeded.close()
	mux := http.NewServeMux()
	mux.Handle("/api/", seeded.handler)
	mux.Handle("/", (&console.Server{API: seeded.handler, Log: slog.New(slog.DiscardHandler)}).Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	b, err := newBenchBrowser(srv.URL, seeded.token)
	if err != nil {
		return nil, err
	}
	defer b.close()
	var rows []row
	for _, p := range []struct{ label, path string }{
		{"instance list", "/instances"},
		{"instance list, filtered by tag", "/instances?tag=team%3Dpayments"},
		{"instance page", "/instances/bench-0000"},
		{"metrics charts", "/instances/bench-0000/metrics"},
		{"tasks", "/tasks"},
		{"IAM users", "/iam/users"},
		{"policies", "/iam/policies"},
		{"audit trail", "/audit"},
		{"alarm channels", "/alarm-channels"},
	} {
		r, err := b.measure(ctx, p.path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.path, err)
		}
		rows = append(rows, r.rows(fmt.Sprintf("console %s (%s), %d instances", p.label, p.path, records))...)
	}
	return rows, nil
}

// benchBrowser is a signed-in headless Chromium.
type benchBrowser struct {
	ctx   context.Context
	stop  func()
	base  string
	token string
}

func newBenchBrowser(base, token string) (*benchBrowser, error) {
	path, err := exec.LookPath("chromium")
	if err != nil {
		return nil, fmt.Errorf("the console measurement needs Debian's chromium (make deps): %w", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.Flag("headless", "new"),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	b := &benchBrowser{ctx: ctx, stop: func() { cancel(); cancelAlloc() }, base: base, token: token}
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.Click(chromedp.CSS("details summary")),
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS("nav.main-nav")),
		// Every load fetches its assets: the cold case.
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true})
			return err
		}),
	)
	if err != nil {
		b.close()
		return nil, fmt.Errorf("sign in to the console: %w", err)
	}
	return b, nil
}

func (b *benchBrowser) close() { b.stop() }

// pageTiming is one load of a page, from the browser's performance
// timeline (milliseconds from the navigation's start; interactive is the
// end of DOMContentLoaded, when the deferred scripts, htmx and the
// console's own, have run) and its resource entries (bytes as received).
type pageTiming struct {
	FCP         float64 `json:"fcp"`
	Interactive float64 `json:"interactive"`
	Bytes       int64   `json:"bytes"`
	Status      int     `json:"status"`
}

// timingScript waits for the first contentful paint (a buffered
// PerformanceObserver sees it even if it came first, and a page that
// never paints content answers -1 after 5 s), then reads the timeline.
const timingScript = `new Promise(resolve => {
  const done = fcp => {
    const nav = performance.getEntriesByType("navigation")[0];
    let bytes = nav.encodedBodySize;
    for (const r of performance.getEntriesByType("resource")) bytes += r.encodedBodySize;
    resolve({fcp: fcp, interactive: nav.domContentLoadedEventEnd, bytes: bytes, status: nav.responseStatus});
  };
  new PerformanceObserver(list => {
    const e = list.getEntries().find(e => e.name === "first-contentful-paint");
    if (e) done(e.startTime);
  }).observe({type: "paint", buffered: true});
  setTimeout(() => done(-1), 5000);
})`

type pageResult struct {
	fcp, interactive []time.Duration
	bytes            int64
}

func (b *benchBrowser) measure(ctx context.Context, path string) (*pageResult, error) {
	res := &pageResult{}
	for range consoleLoads {
		if err := chromedp.Do(b.ctx, chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
			return nil, err
		}
		t, err := chromedp.Run(b.ctx, chromedp.Evaluate[pageTiming](timingScript, chromedp.EvalAwaitPromise))
		if err != nil {
			return nil, err
		}
		if t.Status != http.StatusOK {
			return nil, fmt.Errorf("the page answered %d", t.Status)
		}
		if t.FCP < 0 {
			return nil, fmt.Errorf("no first contentful paint within 5 s")
		}
		res.fcp = append(res.fcp, ms(t.FCP))
		res.interactive = append(res.interactive, ms(t.Interactive))
		res.bytes = t.Bytes
	}
	return res, nil
}

func ms(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }

func (r *pageResult) rows(what string) []row {
	interactive := median(r.interactive)
	verdict := "meets"
	if interactive >= consoleInteractiveTarget || r.bytes >= consoleWeightTarget {
		verdict = "MISSES"
	}
	return []row{{
		what:  what,
		value: fmt.Sprintf("FCP %s, interactive %s, %.0f KB", median(r.fcp).Round(time.Millisecond), interactive.Round(time.Millisecond), float64(r.bytes)/1024),
		detail: fmt.Sprintf("medians of %d cold loads (cache off) in headless Chromium; %s the target (< %s, < %d KB)",
			consoleLoads, verdict, consoleInteractiveTarget, consoleWeightTarget>>10),
	}}
}

// The message browser's measurement: a topic of consoleMessageRecords
// records whose timestamps span an hour, on the shared large instance,
// browsed in the console by a ten-minute window and by the whole hour.
const (
	consoleMessageTopic   = "bench-console-messages"
	consoleMessageRecords = 300_000
)

func measureConsoleMessages(ctx context.Context, env *benchEnv) ([]row, error) {
	srv, inst, err := env.LargeInstance(ctx)
	if err != nil {
		return nil, err
	}
	cl, err := kafkaClient(inst, kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.RequiredAcks(kgo.LeaderAck()),
		kgo.DisableIdempotentWrite(), kgo.ProducerLinger(20*time.Millisecond))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopic(ctx, 6, 3, nil, consoleMessageTopic); err != nil {
		return nil, fmt.Errorf("create %s: %w", consoleMessageTopic, err)
	}
	defer adm.DeleteTopic(context.Background(), consoleMessageTopic)
	base := time.Now().Add(-time.Hour - time.Minute).Truncate(time.Minute)
	step := time.Hour / consoleMessageRecords
	payload := strings.Repeat("lorem ipsum dolor sit amet ", 3)
	var failed atomic.Int64
	for i := range consoleMessageRecords {
		cl.Produce(ctx, &kgo.Record{Topic: consoleMessageTopic, Partition: int32(i % 6), Timestamp: base.Add(time.Duration(i) * step),
			Key: fmt.Appendf(nil, "key-%d", i%10_000), Value: fmt.Appendf(nil, `{"seq":%d,"text":"%s"}`, i, payload)},
			func(_ *kgo.Record, err error) {
				if err != nil {
					failed.Add(1)
				}
			})
	}
	if err := cl.Flush(ctx); err != nil {
		return nil, err
	}
	if n := failed.Load(); n > 0 {
		return nil, fmt.Errorf("%d records were refused", n)
	}

	b, err := newBenchBrowser(srv.client.BaseURL, srv.client.Token)
	if err != nil {
		return nil, err
	}
	defer b.close()
	const layout = "2006-01-02T15:04"
	mid := base.Add(25 * time.Minute)
	var rows []row
	for _, w := range []struct {
		label    string
		from, to time.Time
	}{
		{"a ten-minute window", mid, mid.Add(10 * time.Minute)},
		{"the whole hour", base, base.Add(time.Hour)},
	} {
		q := url.Values{"topic": {consoleMessageTopic}, "from": {w.from.UTC().Format(layout)}, "to": {w.to.UTC().Format(layout)}}
		path := "/instances/" + url.PathEscape(inst.Name) + "/messages?" + q.Encode()
		r, err := b.measure(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		rows = append(rows, r.rows(fmt.Sprintf("console message browser, newest first, %s of %d records (6 partitions)", w.label, consoleMessageRecords))...)
	}
	return rows, nil
}
