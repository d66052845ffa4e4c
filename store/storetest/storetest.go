// Package storetest gives tests a store.DB on a real Redis when one is
// configured and on an in-process miniredis otherwise.
//
// CI sets FLOWBOT_TEST_REDIS_URL (for example redis://127.0.0.1:6390/0) to a
// redis-server it started, because miniredis is a reimplementation and the
// store's transactions and error paths must be proven against the real
// thing at least once per change. Tests sharing that server stay apart by
// key prefix: each gets a random one, and its keys are deleted when the test
// ends. With CI=true and no URL, tests fail rather than quietly fall back.
// Locally, without a URL, every client gets its own fresh miniredis.
//
// FLOWBOT_TEST_REDIS_CLUSTER (host:port,host:port,...) names the seed nodes
// of a real Redis Cluster instead; it wins over FLOWBOT_TEST_REDIS_URL, so
// scripts/test runs the store suite a second time against a 3-master
// cluster. Prefix then scans and deletes on every master, since a SCAN sent
// to a cluster client reaches one node only.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/flowbot/flowbot/store"
	"github.com/redis/go-redis/v9"
)

// URLVar names the environment variable holding the test Redis URL.
const URLVar = "FLOWBOT_TEST_REDIS_URL"

// ClusterVar names the environment variable holding the seed addresses of a
// test Redis Cluster, comma separated.
const ClusterVar = "FLOWBOT_TEST_REDIS_CLUSTER"

// Cluster reports whether tests run against a Redis Cluster.
func Cluster() bool { return os.Getenv(ClusterVar) != "" }

// New returns a DB for t with a key prefix of its own on the client NewClient
// returns. Its keys are deleted when t ends.
func New(t testing.TB) *store.DB {
	t.Helper()
	rdb := NewClient(t)
	return store.New(rdb, store.Options{Prefix: Prefix(t, rdb)})
}

// NewClient returns a client to the test Redis, closed when t ends: the
// server at FLOWBOT_TEST_REDIS_URL if set, a fresh miniredis otherwise. A
// real server is shared with other tests, so write under a Prefix.
func NewClient(t testing.TB) redis.UniversalClient {
	t.Helper()
	if addrs := os.Getenv(ClusterVar); addrs != "" {
		return newClusterClient(t, strings.Split(addrs, ","))
	}
	url := os.Getenv(URLVar)
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run store tests on a real Redis: start redis-server and set %s (e.g. redis://127.0.0.1:6390/0)", URLVar)
		}
		m := miniredis.RunT(t)
		rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
		t.Cleanup(func() { rdb.Close() })
		return rdb
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		// The URL may carry a password: report the error, not the URL.
		t.Fatalf("parsing %s: %v", URLVar, err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("reaching the test redis at %s from %s: %v", opts.Addr, URLVar, err)
	}
	return rdb
}

// Prefix returns a key prefix unique to t and deletes every key under it on
// rdb when t ends, leaving other tests' keys alone.
func Prefix(t testing.TB, rdb redis.UniversalClient) string {
	t.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	prefix := "flowbottest-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		// t.Context is already canceled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := deleteKeys(ctx, rdb, prefix+":*"); err != nil {
			t.Errorf("deleting test keys under %s: %v", prefix, err)
		}
	})
	return prefix
}

func newClusterClient(t testing.TB, addrs []string) redis.UniversalClient {
	t.Helper()
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := rdb.ForEachShard(ctx, func(ctx context.Context, c *redis.Client) error {
		return c.Ping(ctx).Err()
	})
	if err != nil {
		t.Fatalf("reaching the test redis cluster at %s from %s: %v", addrs, ClusterVar, err)
	}
	return rdb
}

// Keys returns every key matching match on rdb, from every master of a
// cluster.
func Keys(ctx context.Context, rdb redis.UniversalClient, match string) ([]string, error) {
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		return scan(ctx, rdb, match)
	}
	var mu sync.Mutex
	var keys []string
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		ks, err := scan(ctx, c, match)
		mu.Lock()
		keys = append(keys, ks...)
		mu.Unlock()
		return err
	})
	return keys, err
}

func scan(ctx context.Context, rdb redis.Cmdable, match string) ([]string, error) {
	var keys []string
	iter := rdb.Scan(ctx, 0, match, 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	return keys, iter.Err()
}

func deleteKeys(ctx context.Context, rdb redis.UniversalClient, match string) error {
	keys, err := Keys(ctx, rdb, match)
	if err != nil {
		return err
	}
	// One DEL per key: keys of different teams may sit on different
	// Cluster slots, which a multi-key DEL refuses.
	_, err = rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, k)
		}
		return nil
	})
	return err
}
