package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/flowbot/flowbot/bot/config"
	"github.com/flowbot/flowbot/coach"
	"github.com/flowbot/flowbot/store/storetest"
)

func TestRedisClientKinds(t *testing.T) {
	tests := []struct {
		name      string
		url       string
		wantKind  string
		wantAddrs []string
	}{
		{"one node", "redis://:pw@10.0.0.1:6380/2", redisNode, []string{"10.0.0.1:6380"}},
		{"one node over TLS with options", "rediss://user:pw@redis.example:6379?dial_timeout=3s", redisNode, []string{"redis.example:6379"}},
		{"one node, cluster=false", "redis://h:1?cluster=false", redisNode, []string{"h:1"}},
		{"cluster from seeds", "redis://:pw@h1:7000?addr=h2:7001&addr=h3:7002", redisCluster, []string{"h1:7000", "h2:7001", "h3:7002"}},
		{"cluster from one seed", "redis://h1:7000?cluster=true", redisCluster, []string{"h1:7000"}},
		{"sentinel set", "redis://s1:26379?master_name=mymaster&addr=s2:26379&password=pw", redisSentinel, []string{"s1:26379", "s2:26379"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rdb, kind, addrs, err := redisClient(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			defer rdb.Close()
			if kind != tt.wantKind {
				t.Errorf("kind = %s, want %s", kind, tt.wantKind)
			}
			if diff := cmp.Diff(addrs, tt.wantAddrs); diff != "" {
				t.Errorf("addrs (-got +want):\n%s", diff)
			}
			_, isCluster := rdb.(*redis.ClusterClient)
			if isCluster != (kind == redisCluster) {
				t.Errorf("client is a %T for kind %s", rdb, kind)
			}
		})
	}
}

func TestRedisClientRefusesBadURLs(t *testing.T) {
	tests := []struct{ name, url, want string }{
		{"not redis", "http://user:s3cret@h:1", "not a redis:// or rediss:// URL"},
		{"unparsable", "redis://user:s3cret@h:1:%zz", "not a redis:// or rediss:// URL"},
		{"bad cluster flag", "redis://user:s3cret@h:1?cluster=yes", `cluster="yes"`},
		{"unknown option", "redis://user:s3cret@h:1?bogus=1", "unexpected option"},
		{"bad cluster option", "redis://user:s3cret@h:1?addr=h:2&bogus=1", "names a Cluster"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := redisClient(tt.url)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

// openStore on a REDIS_URL naming the test Cluster stores and reads a
// team through the cluster client.
func TestOpenStoreOnCluster(t *testing.T) {
	seeds := os.Getenv(storetest.ClusterVar)
	if seeds == "" {
		t.Skipf("set %s to open a store on a Redis Cluster", storetest.ClusterVar)
	}
	addrs := strings.Split(seeds, ",")
	u := "redis://" + addrs[0] + "?addr=" + strings.Join(addrs[1:], "&addr=")
	db, closeDB, err := openStore(t.Context(), config.Env{RedisURL: u}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	b := make([]byte, 6)
	rand.Read(b)
	team := "wire-" + hex.EncodeToString(b)
	rdb := storetest.NewClient(t)
	t.Cleanup(func() {
		keys, _ := storetest.Keys(context.Background(), rdb, "flowbot:{"+team+"}:*")
		for _, k := range keys {
			rdb.Del(context.Background(), k)
		}
	})
	if err := db.PutItems(t.Context(), team, []coach.Item{{Key: "PAY-1"}}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.CountItems(t.Context(), team); err != nil || n != 1 {
		t.Errorf("CountItems = %d, %v; want 1", n, err)
	}
}
