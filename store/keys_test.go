package store

import (
	"encoding/hex"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// Every key of a team is set, distinct and under the team's hash tag: a
// field added to teamKeys but not to keys would send writes of every team
// to one key named "".
func TestTeamKeysAreSetAndDistinct(t *testing.T) {
	k, err := New(nil, Options{}).keys("payments")
	if err != nil {
		t.Fatal(err)
	}
	v := reflect.ValueOf(k)
	seen := map[string]string{}
	for i := range v.NumField() {
		name, key := v.Type().Field(i).Name, v.Field(i).String()
		if !strings.HasPrefix(key, "flowbot:{payments}:") {
			t.Errorf("%s = %q, want a key under flowbot:{payments}:", name, key)
		}
		if other, ok := seen[key]; ok {
			t.Errorf("%s and %s are both %q", name, other, key)
		}
		seen[key] = name
	}
}

// packSHA reads exactly the 40-digit lower-case hex strings, as
// encoding/hex reads them; anything else (upper case too) is not packed.
func TestPackSHA(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const alphabet = "0123456789abcdefABCDEFgz \x00\xff"
	for range 5000 {
		b := make([]byte, 40)
		for i := range b {
			if rng.IntN(50) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = hexDigits[rng.IntN(16)]
			}
		}
		s := string(b)
		want, err := hex.DecodeString(s)
		wantOK := err == nil && strings.ToLower(s) == s
		got, ok := packSHA(s)
		if ok != wantOK || ok && string(got[:]) != string(want) {
			t.Fatalf("packSHA(%q) = %x, %v; want %x, %v", s, got, ok, want, wantOK)
		}
	}
	for _, s := range []string{"", "abc", strings.Repeat("a", 39), strings.Repeat("a", 41)} {
		if _, ok := packSHA(s); ok {
			t.Errorf("packSHA(%q) packed a string that is not 40 digits", s)
		}
	}
}
