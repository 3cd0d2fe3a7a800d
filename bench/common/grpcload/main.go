// Command grpcload drives Keto's gRPC CheckService with a fixed number of
// concurrent callers, each on its own HTTP/2 connection and with one call in
// flight (like wrk's connections), and prints one JSON line: calls/s, p50 and
// p99 latency in ms, errors.
//
// Checks are read from a file, one per line: namespace, object, relation and
// subject id separated by tabs; each call picks one at random.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"log"
	"math/rand"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	rts "github.com/ory/keto/proto/ory/keto/relation_tuples/v1alpha2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

type result struct {
	RPS    float64 `json:"rps"`
	P50ms  float64 `json:"p50_ms"`
	P99ms  float64 `json:"p99_ms"`
	Errors int     `json:"errors"`
	Calls  int     `json:"calls"`
}

func readChecks(path string) []*rts.CheckRequest {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	var out []*rts.CheckRequest
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		if len(p) != 4 {
			continue
		}
		out = append(out, &rts.CheckRequest{Tuple: &rts.RelationTuple{
			Namespace: p[0], Object: p[1], Relation: p[2],
			Subject: &rts.Subject{Ref: &rts.Subject_Id{Id: p[3]}},
		}})
	}
	return out
}

func main() {
	addr := flag.String("addr", "127.0.0.1:4466", "read port")
	file := flag.String("checks", "", "file of checks")
	conns := flag.Int("c", 32, "concurrent callers (one connection each)")
	secs := flag.Duration("d", 10*time.Second, "duration")
	flag.Parse()
	checks := readChecks(*file)
	if len(checks) == 0 {
		log.Fatal("no checks")
	}
	deadline := time.Now().Add(*secs)
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < *conns; i++ {
		conn, err := grpc.Dial(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			log.Fatal(err)
		}
		defer conn.Close()
		client := rts.NewCheckServiceClient(conn)
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			r := rand.New(rand.NewSource(seed))
			var mine []time.Duration
			bad := 0
			for time.Now().Before(deadline) {
				t0 := time.Now()
				_, err := client.Check(context.Background(), checks[r.Intn(len(checks))])
				if err != nil {
					if bad == 0 && seed == 0 {
						log.Printf("first error: %v", err)
					}
					bad++
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		}(int64(i))
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	q := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	res := result{float64(len(lat)) / elapsed, q(0.50), q(0.99), errs, len(lat)}
	_ = json.NewEncoder(os.Stdout).Encode(res)
}
