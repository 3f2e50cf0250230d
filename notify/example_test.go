package notify_test

import (
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/streamplane/streamplane/notify"
)

// A receiver checks the signature and the timestamp's age before trusting
// a notification, and drops repeats by delivery id.
func ExampleVerify() {
	const secret = "the channel's signing secret"
	var mu sync.Mutex
	seen := map[string]bool{}
	http.HandleFunc("/alarms", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		ts := r.Header.Get(notify.HeaderTimestamp)
		if err != nil || !notify.Verify(secret, ts, body, r.Header.Get(notify.HeaderSignature)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if sec, err := strconv.ParseInt(ts, 10, 64); err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
			http.Error(w, "stale timestamp", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		repeat := seen[r.Header.Get(notify.HeaderDelivery)]
		seen[r.Header.Get(notify.HeaderDelivery)] = true
		mu.Unlock()
		if !repeat {
			// handle body: a streamplane.AlarmNotification in JSON
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
