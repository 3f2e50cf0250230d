package notify

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/secrets"
)

// Retry is when a failed delivery is tried again: after the nth failed
// attempt the next waits First·2^(n-1), at most Max; after Attempts
// attempts the delivery fails for good.
type Retry struct {
	First    time.Duration
	Max      time.Duration
	Attempts int
}

// DefaultRetry waits 5 s, 10 s, 20 s … up to 10 min, 12 attempts in all
// (about an hour).
var DefaultRetry = Retry{First: 5 * time.Second, Max: 10 * time.Minute, Attempts: 12}

// Delay is the wait after the nth failed attempt.
func (r Retry) Delay(n int) time.Duration {
	d := r.First
	for i := 1; i < n && d < r.Max; i++ {
		d *= 2
	}
	return min(d, r.Max)
}

// Worker sends the deliveries that are due. Their state lives in the store,
// so several starts of the server (or, later, several servers) share one
// queue: a worker claims a delivery before sending it, by moving its next
// attempt past the attempt's time limit, and a claim left by a crash simply
// expires. A delivery is marked delivered right after its 2xx answer; only
// a crash between the two sends it again, with the same delivery id for
// the receiver to drop.
type Worker struct {
	Store streamplane.Store
	// Vault opens webhook signing secrets; without it signed channels fail.
	Vault *secrets.Vault
	// SMTP is the mail relay; without it e-mail deliveries fail.
	SMTP *SMTPConfig
	// HTTP sends webhooks; nil: a client of its own.
	HTTP *http.Client
	Log  *slog.Logger
	Now  func() time.Time

	Interval  time.Duration // between looks for due deliveries; 0: 5 s
	Timeout   time.Duration // per attempt; 0: 10 s
	Batch     int           // deliveries claimed at once; 0: 20
	Parallel  int           // attempts at once; 0: 4
	Retry     Retry         // zero: DefaultRetry
	Retention time.Duration // finished deliveries kept this long; 0: 30 days

	once       sync.Once
	wake       chan struct{}
	lastPruned time.Time
}

func (w *Worker) init() {
	w.once.Do(func() {
		w.wake = make(chan struct{}, 1)
		if w.Log == nil {
			w.Log = slog.New(slog.DiscardHandler)
		}
		if w.Now == nil {
			w.Now = time.Now
		}
		if w.Interval <= 0 {
			w.Interval = 5 * time.Second
		}
		if w.Timeout <= 0 {
			w.Timeout = 10 * time.Second
		}
		if w.Batch <= 0 {
			w.Batch = 20
		}
		if w.Parallel <= 0 {
			w.Parallel = 4
		}
		if w.Retry == (Retry{}) {
			w.Retry = DefaultRetry
		}
		if w.Retention <= 0 {
			w.Retention = 30 * 24 * time.Hour
		}
	})
}

// Wake makes a running worker look for due deliveries now, e.g. after an
// alarm enqueued some. It never blocks.
func (w *Worker) Wake() {
	w.init()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run sends due deliveries every Interval, and when woken, until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	w.init()
	tick := time.NewTicker(w.Interval)
	defer tick.Stop()
	for {
		w.DeliverDue(ctx)
		w.prune(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-w.wake:
		}
	}
}

// job is a claimed delivery and what sending it needs.
type job struct {
	d       *streamplane.AlarmDelivery
	ch      *streamplane.AlarmChannel
	secret  string
	due     time.Time // the next attempt time before the claim
	problem error     // the channel cannot be used; recorded as the attempt's failure
}

// DeliverDue sends every delivery due now, batch by batch, and returns
// when none is left or ctx ends.
func (w *Worker) DeliverDue(ctx context.Context) {
	w.init()
	for ctx.Err() == nil {
		jobs, err := w.claim(ctx)
		if err != nil {
			if ctx.Err() == nil {
				w.Log.Error("notify: claim due deliveries", "err", err)
			}
			return
		}
		// Channels are served in parallel, each one's deliveries in order:
		// a receiver sees an alarm fire before it resolves.
		sem := make(chan struct{}, w.Parallel)
		var wg sync.WaitGroup
		for _, group := range byChannel(jobs) {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				for _, j := range group {
					w.attempt(ctx, j)
				}
			}()
		}
		wg.Wait()
		if len(jobs) < w.Batch {
			return
		}
	}
}

// byChannel groups jobs by channel, keeping their order.
func byChannel(jobs []*job) [][]*job {
	var groups [][]*job
	index := map[string]int{}
	for _, j := range jobs {
		i, ok := index[j.d.ChannelID]
		if !ok {
			i = len(groups)
			index[j.d.ChannelID] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], j)
	}
	return groups
}

// claim takes up to Batch due deliveries: it loads each one's channel and
// secret and moves its next attempt beyond the time its attempt may end (a
// channel's deliveries go one after another).
func (w *Worker) claim(ctx context.Context) ([]*job, error) {
	now := w.Now()
	var jobs []*job
	err := w.Store.Update(ctx, func(tx streamplane.Tx) error {
		jobs = nil
		store, err := alarms(tx)
		if err != nil {
			return err
		}
		due, err := store.DueDeliveries(now, w.Batch)
		if err != nil {
			return err
		}
		queued := map[string]int{} // by channel
		for _, d := range due {
			j := &job{d: d, due: d.NextAttemptAt}
			queued[d.ChannelID]++
			j.ch, err = store.AlarmChannel(d.ChannelID)
			switch {
			case streamplane.IsCode(err, streamplane.ENOTFOUND):
				j.problem = permanent("the alarm channel was deleted")
			case err != nil:
				return err
			case j.ch.HasSecret && w.Vault == nil:
				j.problem = permanent("the channel signs its notifications but this server has no vault to open the secret")
			case j.ch.HasSecret:
				if j.secret, err = w.Vault.Get(tx, j.ch.ID, streamplane.ChannelSecretName); err != nil {
					j.problem = permanent("the channel's signing secret cannot be opened")
				}
			}
			d.NextAttemptAt = now.Add(time.Duration(queued[d.ChannelID])*w.Timeout + time.Minute)
			if err := store.UpdateDelivery(d); err != nil {
				return err
			}
			jobs = append(jobs, j)
		}
		return nil
	})
	return jobs, err
}

// attempt sends one claimed delivery and records the outcome.
func (w *Worker) attempt(ctx context.Context, j *job) {
	err := j.problem
	if err == nil {
		actx, cancel := context.WithTimeout(ctx, w.Timeout)
		err = w.send(actx, j)
		cancel()
	}
	d := j.d
	if ctx.Err() != nil && err != nil && !IsPermanent(err) {
		// Shutting down: the attempt was cut short, so it does not count;
		// hand the delivery back for the next start.
		d.NextAttemptAt = j.due
		w.save(ctx, d)
		return
	}
	now := w.Now()
	d.Attempts++
	log := w.Log.With("delivery", d.ID, "channel", j.channelName(), "alarm", d.AlarmID, "attempt", d.Attempts)
	switch {
	case err == nil:
		d.Status, d.DeliveredAt, d.LastError = streamplane.DeliveryDelivered, &now, ""
		log.Info("notify: delivered")
	case IsPermanent(err) || d.Attempts >= w.Retry.Attempts:
		d.Status, d.LastError = streamplane.DeliveryFailed, err.Error()
		log.Warn("notify: delivery failed for good", "err", d.LastError)
	default:
		d.LastError = err.Error()
		d.NextAttemptAt = now.Add(w.Retry.Delay(d.Attempts))
		log.Info("notify: delivery attempt failed; will retry", "err", d.LastError, "next_attempt_at", d.NextAttemptAt)
	}
	w.save(ctx, d)
}

func (j *job) channelName() string {
	if j.ch == nil {
		return j.d.ChannelID
	}
	return j.ch.Name
}

// save records a delivery's state, even while ctx ends: what was sent must
// be written down.
func (w *Worker) save(ctx context.Context, d *streamplane.AlarmDelivery) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := w.Store.Update(sctx, func(tx streamplane.Tx) error {
		store, err := alarms(tx)
		if err != nil {
			return err
		}
		return store.UpdateDelivery(d)
	})
	if streamplane.IsCode(err, streamplane.ENOTFOUND) {
		return // its channel was deleted meanwhile, and its pending deliveries with it
	} else if err != nil {
		w.Log.Error("notify: record delivery", "delivery", d.ID, "status", d.Status, "err", err)
	}
}

// send makes one attempt through the channel's kind.
func (w *Worker) send(ctx context.Context, j *job) error {
	switch j.ch.Kind {
	case streamplane.ChannelWebhook:
		h := &Webhook{Client: w.HTTP, Now: w.Now}
		return h.Send(ctx, j.ch.URL, j.d.ID, j.secret, j.d.Payload)
	case streamplane.ChannelEmail:
		if w.SMTP == nil {
			return permanent("e-mail is not configured on this server (no SMTP relay)")
		}
		var n streamplane.AlarmNotification
		if err := json.Unmarshal(j.d.Payload, &n); err != nil {
			return permanent("the notification is not an alarm notification: %v", err)
		}
		return w.SMTP.Send(ctx, j.ch.To, Message(w.SMTP.From, j.ch.To, j.d.ID, w.Now(), &n))
	}
	return permanent("unknown channel kind %q", j.ch.Kind)
}

// prune drops finished deliveries older than Retention, once an hour.
func (w *Worker) prune(ctx context.Context) {
	now := w.Now()
	if now.Sub(w.lastPruned) < time.Hour {
		return
	}
	w.lastPruned = now
	var n int
	err := w.Store.Update(ctx, func(tx streamplane.Tx) error {
		store, err := alarms(tx)
		if err != nil {
			return err
		}
		n, err = store.PruneDeliveries(now.Add(-w.Retention))
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			w.Log.Error("notify: prune deliveries", "err", err)
		}
		return
	}
	if n > 0 {
		w.Log.Info("notify: pruned old deliveries", "count", n)
	}
}
