package account_test

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
)

// TestSignInStorm: 200 concurrent sign-ins (unknown emails from as many
// addresses, so no rate limit applies) run at most MaxConcurrentHashes
// scrypts at once. The heap stays bounded, get-session answers meanwhile,
// and the excess gets 503 with Retry-After instead of piling up. Not
// parallel: it measures the process's heap.
func TestSignInStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("storm of scrypt hashes")
	}
	const storm = 200
	const limit = 200 << 20 // heap growth allowed: 2 slots × 32 MiB and the GC's slack
	e := newAPIEnv(t, sessionkit.Config{TrustedIPHeader: "X-Forwarded-For"}, account.Config{MaxConcurrentHashes: 2})
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()

	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	start := make(chan struct{})
	for i := range storm {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			body := fmt.Sprintf(`{"email":"u%d@example.com","password":"password123"}`, i)
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/auth/sign-in/email", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.0.%d.%d", i/250, i%250))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == 503 && res.Header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			mu.Lock()
			statuses[res.StatusCode]++
			mu.Unlock()
		}()
	}
	close(start)
	time.Sleep(50 * time.Millisecond)
	t0 := time.Now()
	if r := e.client().get("/get-session"); r.status != 200 || r.body != "null" {
		t.Errorf("get-session during the storm: %d %s", r.status, r.body)
	}
	if d := time.Since(t0); d > 2*time.Second { // behind 200 hashes it would take minutes
		t.Errorf("get-session took %v during the storm", d)
	}
	wg.Wait()
	close(stop)
	<-sampled
	t.Logf("statuses %v; heap %d MiB before, peak %d MiB", statuses, base>>20, peak.Load()>>20)
	if statuses[401]+statuses[503] != storm || statuses[503] == 0 || statuses[401] < 2 {
		t.Errorf("statuses %v: want only 401 (checked) and 503 (busy), some of each", statuses)
	}
	if grew := peak.Load() - base; peak.Load() > base && grew > limit {
		t.Errorf("heap grew %d MiB during the storm, over %d MiB", grew>>20, limit>>20)
	}
}
